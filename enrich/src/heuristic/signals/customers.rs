//! Customers: logo walls, case-study links and testimonial quotes, else a "trusted by"
//! mention.

use std::collections::BTreeSet;

use url::Url;

use crate::extract::BlockKind;
use crate::heuristic::pages::{PageKind, Site, path_segments};
use crate::heuristic::patterns::{CUSTOMER_WORDS, is_match};
use crate::heuristic::score::{
    CUSTOMERS_MAX, CUSTOMERS_MENTION, CUSTOMERS_MIN_LOGOS, CUSTOMERS_PER_KIND,
};
use crate::heuristic::text::{all_sentences, evidence, word_count};
use crate::types::{Evidence, Signal, SignalKind};

pub(super) struct Customers {
    logos: usize,
    case_studies: usize,
    testimonials: usize,
    evidence: Vec<Evidence>,
}

impl Customers {
    pub(super) fn points(&self) -> u32 {
        let kinds = [
            self.logos >= CUSTOMERS_MIN_LOGOS,
            self.case_studies > 0,
            self.testimonials > 0,
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if kinds == 0 {
            return CUSTOMERS_MENTION;
        }
        (CUSTOMERS_PER_KIND * u32::try_from(kinds).unwrap_or(3)).min(CUSTOMERS_MAX)
    }

    pub(super) fn signal(self) -> Signal {
        let mut parts = Vec::new();
        let mut part = |n: usize, one: &str, many: &str| {
            if n > 0 {
                parts.push(format!("{n} {}", if n == 1 { one } else { many }));
            }
        };
        part(self.logos, "logo", "logos");
        part(self.case_studies, "case study", "case studies");
        part(self.testimonials, "testimonial", "testimonials");
        let label = if parts.is_empty() {
            "Mentions customers".to_string()
        } else {
            format!("Customers: {}", parts.join(", "))
        };
        Signal {
            kind: SignalKind::Customers,
            label,
            evidence: self.evidence,
        }
    }
}

fn is_case_study_link(href: &Url) -> bool {
    let segments = path_segments(href);
    segments.len() >= 2
        && matches!(
            segments.first().map(String::as_str),
            Some(
                "case-studies"
                    | "case-study"
                    | "customers"
                    | "customer-stories"
                    | "stories"
                    | "success-stories"
            )
        )
}

fn is_testimonial(kind: BlockKind, text: &str) -> bool {
    let words = word_count(text);
    match kind {
        BlockKind::Quote => words >= 6,
        _ => words >= 8 && text.starts_with(['“', '"']),
    }
}

impl Site<'_> {
    /// A logo's name: its alt text, else its file name, without "logo".
    fn logo_name(&self, image: &crate::extract::Image) -> Option<String> {
        let file = image
            .src
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or_default()
            .to_lowercase();
        if !image.alt.to_lowercase().contains("logo") && !file.contains("logo") {
            return None;
        }
        let raw = if image.alt.trim().is_empty() {
            file.rsplit_once('.')
                .map_or(file.as_str(), |(stem, _)| stem)
                .to_string()
        } else {
            image.alt.clone()
        };
        let name: Vec<&str> = raw
            .split(|c: char| !c.is_alphanumeric() && c != '&' && c != '\'')
            .filter(|w| !w.is_empty() && !matches!(w.to_lowercase().as_str(), "logo" | "logos"))
            .collect();
        // The company's own logo is no customer's.
        if name.is_empty()
            || name
                .iter()
                .any(|w| self.name_tokens.contains(&w.to_lowercase()))
        {
            return None;
        }
        Some(name.join(" "))
    }

    pub(super) fn customers(&self) -> Option<Customers> {
        let mut evidence_list = Vec::new();

        let mut logos: Vec<String> = Vec::new();
        let mut logo_doc = None;
        for doc in self.all() {
            for image in &doc.images {
                if let Some(name) = self.logo_name(image)
                    && !logos.iter().any(|l| l.eq_ignore_ascii_case(&name))
                {
                    logos.push(name);
                    logo_doc.get_or_insert(doc);
                }
            }
        }
        if let Some(doc) = logo_doc {
            evidence_list.push(evidence(
                doc,
                &format!("Customer logos: {}", logos.join(", ")),
            ));
        }

        let mut studies: BTreeSet<String> = BTreeSet::new();
        let mut study_evidence = None;
        for doc in self.all() {
            for link in &doc.links {
                if is_case_study_link(&link.href) {
                    let mut href = link.href.clone();
                    href.set_fragment(None);
                    href.set_query(None);
                    if studies.insert(href.to_string()) && study_evidence.is_none() {
                        let text = if link.text.is_empty() {
                            href.to_string()
                        } else {
                            link.text.clone()
                        };
                        study_evidence = Some(evidence(doc, &format!("Case study: {text}")));
                    }
                }
            }
        }
        evidence_list.extend(study_evidence);

        let mut quotes: Vec<String> = Vec::new();
        let mut quote_evidence = None;
        // Not the careers pages: quotes there are from the team.
        for (doc, _) in self.docs.iter().filter(|(_, k)| *k != PageKind::Careers) {
            for block in &doc.blocks {
                if is_testimonial(block.kind, &block.text) && !quotes.contains(&block.text) {
                    quotes.push(block.text.clone());
                    quote_evidence.get_or_insert_with(|| evidence(doc, &block.text));
                }
            }
        }
        evidence_list.extend(quote_evidence);

        let logo_count = logos.len();
        if evidence_list.is_empty() {
            let (doc, sentence) = all_sentences(&self.all())
                .into_iter()
                .find(|(_, s)| is_match(&CUSTOMER_WORDS, s))?;
            evidence_list.push(evidence(doc, sentence));
        }
        Some(Customers {
            logos: logo_count,
            case_studies: studies.len(),
            testimonials: quotes.len(),
            evidence: evidence_list,
        })
    }
}
