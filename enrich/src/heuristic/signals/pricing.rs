//! Pricing: a pricing page and its tiers (short headings followed by a price), else
//! prices published elsewhere.

use crate::extract::{BlockKind, Document};
use crate::heuristic::pages::{PageKind, Site};
use crate::heuristic::patterns::{PRICE, PRICE_PER, is_match};
use crate::heuristic::score::{PRICING_PAGE, PRICING_PRICES_ONLY, PRICING_TIERS};
use crate::heuristic::text::{all_sentences, evidence, word_count};
use crate::types::{Evidence, Signal, SignalKind};

pub(super) enum Pricing {
    Page { tiers: usize, evidence: Evidence },
    PricesOnly { evidence: Evidence },
}

impl Pricing {
    pub(super) fn points(&self) -> u32 {
        match self {
            Pricing::Page { tiers, .. } if *tiers >= 2 => PRICING_PAGE + PRICING_TIERS,
            Pricing::Page { .. } => PRICING_PAGE,
            Pricing::PricesOnly { .. } => PRICING_PRICES_ONLY,
        }
    }

    pub(super) fn signal(self) -> Signal {
        let (label, evidence) = match self {
            Pricing::Page { tiers: 0, evidence } => ("Pricing page".to_string(), evidence),
            Pricing::Page { tiers, evidence } => {
                let plural = if tiers == 1 { "" } else { "s" };
                (format!("Pricing page with {tiers} tier{plural}"), evidence)
            }
            Pricing::PricesOnly { evidence } => ("Prices published".to_string(), evidence),
        };
        Signal {
            kind: SignalKind::Pricing,
            label,
            evidence: vec![evidence],
        }
    }
}

/// A block that states a tier's price: an amount, or a word standing for one.
fn is_price_block(text: &str) -> bool {
    if word_count(text) <= 12 && is_match(&PRICE, text) {
        return true;
    }
    let t = text
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    word_count(&t) <= 4
        && matches!(
            t.as_str(),
            "free"
                | "free forever"
                | "custom"
                | "custom pricing"
                | "contact us"
                | "contact sales"
                | "talk to us"
                | "talk to sales"
                | "let's talk"
                | "let’s talk"
                | "get a quote"
                | "request a quote"
        )
}

/// The tiers of a pricing page: short headings whose own blocks (before the next heading)
/// state a price within the first four.
fn pricing_tiers(doc: &Document) -> Vec<(String, String)> {
    let mut tiers: Vec<(String, String)> = Vec::new();
    for (i, block) in doc.blocks.iter().enumerate() {
        let BlockKind::Heading(2..=4) = block.kind else {
            continue;
        };
        if word_count(&block.text) > 5 || block.text.contains('?') {
            continue;
        }
        let own = doc.blocks[i + 1..]
            .iter()
            .take_while(|b| !matches!(b.kind, BlockKind::Heading(_)))
            .take(4);
        let price = if is_match(&PRICE, &block.text) {
            Some(block.text.clone())
        } else {
            own.into_iter()
                .find(|b| is_price_block(&b.text))
                .map(|b| b.text.clone())
        };
        if let Some(price) = price
            && !tiers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(&block.text))
        {
            tiers.push((block.text.clone(), price));
        }
    }
    tiers
}

impl Site<'_> {
    pub(super) fn pricing(&self) -> Option<Pricing> {
        if let Some(doc) = self.of_kind(PageKind::Pricing).first() {
            let tiers = pricing_tiers(doc);
            let text = if tiers.is_empty() {
                doc.headings
                    .first()
                    .or(doc.title.as_ref())
                    .cloned()
                    .unwrap_or_else(|| "Pricing".to_string())
            } else {
                tiers
                    .iter()
                    .map(|(name, price)| format!("{name}: {price}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            return Some(Pricing::Page {
                tiers: tiers.len(),
                evidence: evidence(doc, &text),
            });
        }
        all_sentences(&self.all())
            .into_iter()
            .find(|(_, s)| is_match(&PRICE_PER, s))
            .map(|(doc, s)| Pricing::PricesOnly {
                evidence: evidence(doc, s),
            })
    }
}
