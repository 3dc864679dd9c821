//! Social: links to the company's own profiles on LinkedIn, X, GitHub, YouTube,
//! Facebook and Instagram (not share buttons or single posts).

use std::collections::BTreeMap;

use url::Url;

use crate::heuristic::pages::{Site, path_segments};
use crate::heuristic::score::{SOCIAL_MAX, SOCIAL_PER_NETWORK};
use crate::heuristic::text::evidence;
use crate::types::{Evidence, Signal, SignalKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Network {
    LinkedIn,
    X,
    GitHub,
    YouTube,
    Facebook,
    Instagram,
}

impl Network {
    fn name(self) -> &'static str {
        match self {
            Network::LinkedIn => "LinkedIn",
            Network::X => "X (Twitter)",
            Network::GitHub => "GitHub",
            Network::YouTube => "YouTube",
            Network::Facebook => "Facebook",
            Network::Instagram => "Instagram",
        }
    }

    /// The network of a link to a profile (not a share button).
    fn of(url: &Url) -> Option<Network> {
        let host = url.host_str()?.to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        let host = host.strip_prefix("m.").unwrap_or(host);
        let segments = path_segments(url);
        let first = segments.first()?.as_str();
        let network = match host {
            "linkedin.com" => {
                if !matches!(first, "company" | "school" | "showcase") || segments.len() < 2 {
                    return None;
                }
                Network::LinkedIn
            }
            "twitter.com" | "x.com" => {
                if matches!(first, "intent" | "share" | "home" | "search" | "hashtag") {
                    return None;
                }
                Network::X
            }
            "github.com" => Network::GitHub,
            "youtube.com" | "youtu.be" => {
                if matches!(first, "watch" | "embed") || host == "youtu.be" {
                    return None;
                }
                Network::YouTube
            }
            "facebook.com" | "fb.com" => {
                if matches!(first, "sharer" | "sharer.php" | "share" | "dialog") {
                    return None;
                }
                Network::Facebook
            }
            "instagram.com" => {
                if matches!(first, "p" | "reel" | "explore") {
                    return None;
                }
                Network::Instagram
            }
            _ => return None,
        };
        Some(network)
    }
}

pub(super) struct Social {
    found: BTreeMap<Network, Evidence>,
}

impl Social {
    pub(super) fn points(&self) -> u32 {
        let n = u32::try_from(self.found.len()).unwrap_or(u32::MAX);
        SOCIAL_PER_NETWORK.saturating_mul(n).min(SOCIAL_MAX)
    }

    pub(super) fn signal(self) -> Signal {
        let names: Vec<&str> = self.found.keys().map(|n| n.name()).collect();
        Signal {
            kind: SignalKind::Social,
            label: format!("Social: {}", names.join(", ")),
            evidence: self.found.into_values().collect(),
        }
    }
}

impl Site<'_> {
    pub(super) fn social(&self) -> Option<Social> {
        let mut found = BTreeMap::new();
        for doc in self.all() {
            for link in &doc.links {
                if let Some(network) = Network::of(&link.href) {
                    found
                        .entry(network)
                        .or_insert_with(|| evidence(doc, link.href.as_str()));
                }
            }
        }
        (!found.is_empty()).then_some(Social { found })
    }
}
