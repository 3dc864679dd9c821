//! The pages of a site: what each one is (home, about, careers, pricing, blog,
//! customers), by its URL path or else its title or first heading, and [`Site`], the
//! classified pages every part of the analysis looks things up in.

use std::collections::HashSet;

use url::Url;

use super::keywords::name_tokens;
use crate::extract::Document;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PageKind {
    Home,
    About,
    Careers,
    Pricing,
    Blog,
    Customers,
    Other,
}

pub(super) fn path_segments(url: &Url) -> Vec<String> {
    url.path_segments()
        .map(|segments| {
            segments
                .filter(|s| !s.is_empty())
                .map(|s| {
                    let s = s.to_ascii_lowercase();
                    for ext in [".html", ".htm", ".php", ".aspx"] {
                        if let Some(stem) = s.strip_suffix(ext) {
                            return stem.to_string();
                        }
                    }
                    s
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn kind_of_segment(segment: &str) -> Option<PageKind> {
    Some(match segment {
        "careers" | "career" | "jobs" | "join" | "join-us" | "joinus" | "work-with-us"
        | "hiring" | "open-positions" | "openings" | "vacancies" => PageKind::Careers,
        "pricing" | "plans" | "price" | "prices" => PageKind::Pricing,
        "blog" | "news" | "articles" | "posts" | "updates" | "insights" | "journal" | "press"
        | "newsroom" | "changelog" => PageKind::Blog,
        "customers" | "case-studies" | "case-study" | "clients" | "customer-stories"
        | "success-stories" | "testimonials" => PageKind::Customers,
        "about" | "about-us" | "company" | "team" | "our-story" | "who-we-are" => PageKind::About,
        "index" | "home" => PageKind::Home,
        _ => return None,
    })
}

pub(super) fn page_kind(doc: &Document) -> PageKind {
    let segments = path_segments(&doc.url);
    match segments.first() {
        None => return PageKind::Home,
        Some(first) => {
            if let Some(kind) = kind_of_segment(first) {
                return kind;
            }
        }
    }
    let heading = doc
        .title
        .iter()
        .chain(doc.headings.first())
        .map(|t| t.to_lowercase())
        .collect::<Vec<_>>();
    for text in heading {
        let first = text
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .find(|w| !w.is_empty())
            .unwrap_or_default();
        if let Some(kind) = kind_of_segment(first) {
            return kind;
        }
    }
    PageKind::Other
}

/// The pages read, each with its kind.
pub(super) struct Site<'d> {
    pub(super) docs: Vec<(&'d Document, PageKind)>,
    /// The company's name, as keyword tokens.
    pub(super) name_tokens: HashSet<String>,
}

impl<'d> Site<'d> {
    pub(super) fn new(company_name: &str, docs: &'d [Document]) -> Self {
        Site {
            docs: docs.iter().map(|d| (d, page_kind(d))).collect(),
            name_tokens: name_tokens(company_name),
        }
    }

    pub(super) fn of_kind(&self, kind: PageKind) -> Vec<&'d Document> {
        self.docs
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(d, _)| *d)
            .collect()
    }

    pub(super) fn all(&self) -> Vec<&'d Document> {
        self.docs.iter().map(|(d, _)| *d).collect()
    }

    /// The home page, else the first page.
    pub(super) fn home(&self) -> Option<&'d Document> {
        self.of_kind(PageKind::Home)
            .first()
            .copied()
            .or_else(|| self.docs.first().map(|(d, _)| *d))
    }

    /// The pages in the order to look for facts about the company: about, home, careers,
    /// then the rest in their order.
    pub(super) fn by_priority(&self) -> Vec<&'d Document> {
        let order = [
            PageKind::About,
            PageKind::Home,
            PageKind::Careers,
            PageKind::Customers,
            PageKind::Pricing,
            PageKind::Blog,
            PageKind::Other,
        ];
        order.iter().flat_map(|k| self.of_kind(*k)).collect()
    }
}
