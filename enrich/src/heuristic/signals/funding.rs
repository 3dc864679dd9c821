//! Funding: the latest round, the amount raised and the investors, from the sentences
//! that speak of funding.

use crate::heuristic::pages::Site;
use crate::heuristic::patterns::{BACKED_BY, FUNDING_WORDS, MONEY, ROUND, is_match};
use crate::heuristic::score::{FUNDING_AMOUNT, FUNDING_FOUND};
use crate::heuristic::text::{all_sentences, clip, evidence};
use crate::types::{Evidence, Signal, SignalKind};

pub(super) struct Funding {
    amount: Option<String>,
    round: Option<String>,
    investors: Option<String>,
    evidence: Vec<Evidence>,
}

impl Funding {
    pub(super) fn points(&self) -> u32 {
        FUNDING_FOUND
            + if self.amount.is_some() {
                FUNDING_AMOUNT
            } else {
                0
            }
    }

    pub(super) fn signal(self) -> Signal {
        let label = match (&self.amount, &self.round, &self.investors) {
            (Some(amount), Some(round), _) => format!("Raised {amount} {round}"),
            (Some(amount), None, _) => format!("Raised {amount}"),
            (None, Some(round), _) => format!("{round} round"),
            (None, None, Some(investors)) => format!("Backed by {investors}"),
            (None, None, None) => "Funding mentioned".to_string(),
        };
        Signal {
            kind: SignalKind::Funding,
            label,
            evidence: self.evidence,
        }
    }
}

/// The rank of a round name: pre-seed < seed < Series A < Series B …
fn round_rank(round: &str) -> u32 {
    let lower = round.to_lowercase();
    if lower.starts_with("pre-seed") {
        0
    } else if lower.starts_with("seed") {
        1
    } else {
        lower
            .chars()
            .last()
            .map_or(2, |c| 2 + (u32::from(c).saturating_sub(u32::from('a'))))
    }
}

fn round_name(matched: &str) -> String {
    let lower = matched.to_lowercase();
    if lower.starts_with("pre-seed") {
        "Pre-seed".to_string()
    } else if lower.starts_with("seed") {
        "Seed".to_string()
    } else {
        matched.to_string()
    }
}

/// An amount as `$12M`, with its value in units for comparing.
pub(in crate::heuristic) fn money(captures: &regex_lite::Captures<'_>) -> Option<(f64, String)> {
    let symbol = captures.get(1)?.as_str();
    let digits = captures.get(2)?.as_str().replace(',', "");
    let number: f64 = digits.parse().ok()?;
    let scale = match captures
        .get(3)
        .map(|m| m.as_str().to_ascii_lowercase())
        .as_deref()
    {
        Some("million" | "mm" | "mn" | "m") => 1e6,
        Some("billion" | "bn" | "b") => 1e9,
        Some("thousand" | "k") => 1e3,
        _ => 1.0,
    };
    let value = number * scale;
    let (shown, suffix) = if value >= 1e9 {
        (value / 1e9, "B")
    } else if value >= 1e6 {
        (value / 1e6, "M")
    } else if value >= 1e3 {
        (value / 1e3, "K")
    } else {
        (value, "")
    };
    let shown = format!("{shown:.1}");
    let shown = shown.strip_suffix(".0").unwrap_or(&shown);
    Some((value, format!("{symbol}{shown}{suffix}")))
}

impl Site<'_> {
    pub(super) fn funding(&self) -> Option<Funding> {
        let mut best_round: Option<(u32, String, Option<String>)> = None;
        let mut best_amount: Option<(f64, String)> = None;
        let mut investors: Option<String> = None;
        let mut evidence_list: Vec<Evidence> = Vec::new();

        for (doc, sentence) in all_sentences(&self.by_priority()) {
            let round = ROUND
                .as_ref()
                .and_then(|r| r.find(sentence))
                .map(|m| round_name(m.as_str()));
            let funding_words = is_match(&FUNDING_WORDS, sentence);
            let amount = if funding_words || round.is_some() {
                MONEY
                    .as_ref()
                    .and_then(|r| r.captures(sentence))
                    .and_then(|c| money(&c))
                    .filter(|(value, _)| *value >= 10_000.0)
            } else {
                None
            };
            let backers = BACKED_BY
                .as_ref()
                .and_then(|r| r.captures(sentence))
                .and_then(|c| c.get(1))
                .map(|m| clip(m.as_str(), 80))
                .filter(|_| funding_words);
            if round.is_none() && amount.is_none() && backers.is_none() {
                continue;
            }
            if let Some(round) = round {
                let rank = round_rank(&round);
                if best_round.as_ref().is_none_or(|(r, _, _)| rank > *r) {
                    best_round = Some((rank, round, amount.as_ref().map(|(_, a)| a.clone())));
                }
            }
            if let Some((value, shown)) = &amount
                && best_amount.as_ref().is_none_or(|(v, _)| value > v)
            {
                best_amount = Some((*value, shown.clone()));
            }
            if investors.is_none() {
                investors = backers;
            }
            let e = evidence(doc, sentence);
            if evidence_list.len() < 3 && !evidence_list.contains(&e) {
                evidence_list.push(e);
            }
        }
        if evidence_list.is_empty() {
            return None;
        }
        // The amount of the latest round when stated with it, else the largest amount.
        let (round, amount) = match best_round {
            Some((_, round, Some(amount))) => (Some(round), Some(amount)),
            Some((_, round, None)) => (Some(round), best_amount.map(|(_, a)| a)),
            None => (None, best_amount.map(|(_, a)| a)),
        };
        Some(Funding {
            amount,
            round,
            investors,
            evidence: evidence_list,
        })
    }
}
