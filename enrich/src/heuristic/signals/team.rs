//! Team size: "50+ employees", "a team of 25", "a 12-person team", "11-50 employees".

use crate::heuristic::pages::Site;
use crate::heuristic::patterns::{TEAM_CONTEXT, TEAM_COUNT, TEAM_OF, is_match};
use crate::heuristic::score::{TEAM_10, TEAM_50, TEAM_FOUND};
use crate::heuristic::text::{all_sentences, evidence};
use crate::types::{Evidence, Signal, SignalKind};

pub(super) struct Team {
    size: u32,
    label: String,
    evidence: Evidence,
}

impl Team {
    pub(super) fn points(&self) -> u32 {
        TEAM_FOUND
            + if self.size >= 50 {
                TEAM_50
            } else if self.size >= 10 {
                TEAM_10
            } else {
                0
            }
    }

    pub(super) fn signal(self) -> Signal {
        Signal {
            kind: SignalKind::TeamSize,
            label: self.label,
            evidence: vec![self.evidence],
        }
    }
}

fn parse_count(text: &str) -> Option<u32> {
    text.replace(',', "").parse().ok()
}

/// A team size stated in a sentence: (size, how to show it).
pub(in crate::heuristic) fn team_in(sentence: &str) -> Option<(u32, String)> {
    if let Some(c) = TEAM_OF.as_ref().and_then(|r| r.captures(sentence)) {
        if let (Some(low), Some(high)) = (c.get(6), c.get(7)) {
            let low = parse_count(low.as_str())?;
            let high = parse_count(high.as_str())?;
            return Some((low, format!("{low}–{high}")));
        }
        let (more, n, plus) = match c.get(2) {
            Some(n) => (c.get(1).is_some(), n, c.get(3).is_some()),
            None => (false, c.get(4)?, c.get(5).is_some()),
        };
        let n = parse_count(n.as_str())?;
        let shown = if more || plus {
            format!("{n}+")
        } else {
            n.to_string()
        };
        return Some((n, shown));
    }
    for c in TEAM_COUNT.as_ref()?.captures_iter(sentence) {
        let noun = c.get(4)?.as_str().to_lowercase();
        let n = parse_count(c.get(2)?.as_str())?;
        let explicit = matches!(noun.as_str(), "employees" | "staff" | "team members");
        if !explicit && (!is_match(&TEAM_CONTEXT, sentence) || n >= 5000) {
            continue;
        }
        if !(2..=1_000_000).contains(&n) {
            continue;
        }
        let more = c
            .get(1)
            .is_some_and(|m| matches!(m.as_str().to_lowercase().as_str(), "over" | "more than"));
        let shown = if more || c.get(3).is_some() {
            format!("{n}+")
        } else {
            n.to_string()
        };
        return Some((n, shown));
    }
    None
}

impl Site<'_> {
    pub(super) fn team_size(&self) -> Option<Team> {
        all_sentences(&self.by_priority())
            .into_iter()
            .find_map(|(doc, sentence)| {
                team_in(sentence).map(|(size, shown)| Team {
                    size,
                    label: format!("Team of {shown}"),
                    evidence: evidence(doc, sentence),
                })
            })
    }
}
