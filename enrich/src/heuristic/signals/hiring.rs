//! Hiring: open roles counted on the careers pages (job titles, links to single jobs,
//! "12 open positions"), else a careers page, a hiring mention or a link to careers.

use std::collections::{BTreeSet, HashSet};

use url::Url;

use crate::extract::{BlockKind, Document};
use crate::heuristic::pages::{PageKind, Site, kind_of_segment, path_segments};
use crate::heuristic::patterns::{HIRING_WORDS, OPEN_ROLES, is_match};
use crate::heuristic::score::{HIRING_FOUND, HIRING_MAX, HIRING_PER_ROLE};
use crate::heuristic::text::{all_sentences, evidence};
use crate::types::{Evidence, Signal, SignalKind};

pub(super) struct Hiring {
    label: String,
    roles: usize,
    evidence: Vec<Evidence>,
}

impl Hiring {
    pub(super) fn points(&self) -> u32 {
        let roles = u32::try_from(self.roles).unwrap_or(u32::MAX);
        (HIRING_FOUND + HIRING_PER_ROLE.saturating_mul(roles)).min(HIRING_MAX)
    }

    pub(super) fn signal(self) -> Signal {
        Signal {
            kind: SignalKind::Hiring,
            label: self.label,
            evidence: self.evidence,
        }
    }
}

/// Capitalised words that make a short line a job title.
#[rustfmt::skip]
const ROLE_WORDS: &[&str] = &[
    "Engineer", "Developer", "Designer", "Manager", "Scientist", "Analyst", "Architect",
    "Lead", "Director", "Specialist", "Representative", "Executive", "Coordinator",
    "Administrator", "Consultant", "Intern", "Recruiter", "Writer", "Marketer",
    "Technician", "Strategist", "Accountant", "Associate", "Officer", "Advocate", "Head",
    "VP", "Researcher", "Editor", "Producer", "Counsel", "Assistant", "Operator",
    "Mechanic", "Electrician", "Programmer", "Tester", "SRE", "Nurse", "Driver",
];

pub(in crate::heuristic) fn looks_like_job_title(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || words.len() > 10 {
        return false;
    }
    if line.ends_with('.')
        || line.contains('?')
        || line.starts_with(['—', '–', '-', '"', '“', '‘', '\''])
        || line.contains(['“', '”'])
    {
        return false;
    }
    words.iter().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        ROLE_WORDS.contains(&w)
    })
}

/// A link to one job: `/careers/<slug>`, `/jobs/<id>`, or a job on an applicant tracking
/// system.
fn is_job_link(href: &Url, page: &Url) -> bool {
    let segments = path_segments(href);
    let host = href.host_str().unwrap_or_default();
    const ATS: &[&str] = &[
        "greenhouse.io",
        "lever.co",
        "ashbyhq.com",
        "workable.com",
        "recruitee.com",
        "personio.de",
        "bamboohr.com",
        "teamtailor.com",
        "smartrecruiters.com",
    ];
    if ATS
        .iter()
        .any(|a| host == *a || host.ends_with(&format!(".{a}")))
    {
        return segments.len() >= 2;
    }
    host == page.host_str().unwrap_or_default()
        && segments.len() >= 2
        && matches!(
            segments.first().map(String::as_str),
            Some("careers" | "jobs" | "job" | "positions" | "roles" | "openings")
        )
}

fn is_careers_link(href: &Url, text: &str) -> bool {
    let segments = path_segments(href);
    let text = text.trim().to_lowercase();
    segments.len() == 1
        && segments.first().and_then(|s| kind_of_segment(s)) == Some(PageKind::Careers)
        || matches!(
            text.as_str(),
            "careers" | "jobs" | "we're hiring" | "we’re hiring" | "join us"
        )
}

impl<'d> Site<'d> {
    pub(super) fn hiring(&self) -> Option<Hiring> {
        let careers = self.of_kind(PageKind::Careers);
        let mut best: Option<(usize, &'d Document, String)> = None;
        let mut consider = |roles: usize, doc: &'d Document, text: String| {
            if roles > 0 && best.as_ref().is_none_or(|(r, _, _)| roles > *r) {
                best = Some((roles, doc, text));
            }
        };
        let mut best_doc = None;
        for doc in &careers {
            // Job titles among the list items, cards and headings.
            let mut titles: Vec<&str> = Vec::new();
            let mut seen = HashSet::new();
            for block in &doc.blocks {
                let eligible = matches!(
                    block.kind,
                    BlockKind::ListItem | BlockKind::Other | BlockKind::Heading(2..)
                );
                if eligible
                    && looks_like_job_title(&block.text)
                    && seen.insert(block.text.to_lowercase())
                {
                    titles.push(&block.text);
                }
            }
            consider(
                titles.len(),
                doc,
                format!("Open roles: {}", titles.join("; ")),
            );

            let jobs: BTreeSet<String> = doc
                .links
                .iter()
                .filter(|l| is_job_link(&l.href, &doc.url))
                .map(|l| {
                    let mut href = l.href.clone();
                    href.set_fragment(None);
                    href.set_query(None);
                    href.to_string()
                })
                .collect();
            let job_texts: Vec<&str> = doc
                .links
                .iter()
                .filter(|l| is_job_link(&l.href, &doc.url) && !l.text.is_empty())
                .map(|l| l.text.as_str())
                .collect();
            consider(
                jobs.len(),
                doc,
                format!("Open roles: {}", job_texts.join("; ")),
            );
            if best_doc.is_none() {
                best_doc = Some(*doc);
            }
        }
        // "12 open positions" anywhere.
        for (doc, sentence) in all_sentences(&self.all()) {
            if let Some(re) = &*OPEN_ROLES {
                for c in re.captures_iter(sentence) {
                    if let Some(n) = c.get(1).and_then(|m| m.as_str().parse::<usize>().ok()) {
                        consider(n, doc, sentence.to_string());
                    }
                }
            }
        }

        if let Some((roles, doc, text)) = best {
            let plural = if roles == 1 { "" } else { "s" };
            return Some(Hiring {
                label: format!("Hiring: {roles} open role{plural}"),
                roles,
                evidence: vec![evidence(doc, &text)],
            });
        }
        if let Some(doc) = best_doc {
            let line = doc
                .headings
                .first()
                .or(doc.title.as_ref())
                .cloned()
                .unwrap_or_else(|| "Careers".to_string());
            return Some(Hiring {
                label: "Careers page".to_string(),
                roles: 0,
                evidence: vec![evidence(doc, &line)],
            });
        }
        for (doc, sentence) in all_sentences(&self.all()) {
            if is_match(&HIRING_WORDS, sentence) {
                return Some(Hiring {
                    label: "Mentions hiring".to_string(),
                    roles: 0,
                    evidence: vec![evidence(doc, sentence)],
                });
            }
        }
        for doc in self.all() {
            if let Some(link) = doc.links.iter().find(|l| is_careers_link(&l.href, &l.text)) {
                return Some(Hiring {
                    label: "Careers page linked".to_string(),
                    roles: 0,
                    evidence: vec![evidence(
                        doc,
                        &format!("Link “{}” to {}", link.text, link.href),
                    )],
                });
            }
        }
        None
    }
}
