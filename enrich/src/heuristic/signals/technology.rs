//! Technology: the technologies a site names (an ambiguous name only in a technical
//! sentence), or that its scripts and `generator` give away.

use crate::heuristic::pages::Site;
use crate::heuristic::patterns::{TECH_CONTEXT, is_match};
use crate::heuristic::score::{TECHNOLOGY_MAX, TECHNOLOGY_PER_ITEM};
use crate::heuristic::text::{all_sentences, evidence};
use crate::types::{Evidence, Signal, SignalKind};

struct Tech {
    name: &'static str,
    /// Spellings in the text (case-sensitive, whole words).
    words: &'static [&'static str],
    /// Also an ordinary word: counts only in a technical sentence.
    ambiguous: bool,
    /// Fragments of script URLs and `generator` values (lowercase).
    hints: &'static [&'static str],
}

const fn tech(
    name: &'static str,
    words: &'static [&'static str],
    ambiguous: bool,
    hints: &'static [&'static str],
) -> Tech {
    Tech {
        name,
        words,
        ambiguous,
        hints,
    }
}

const TECHNOLOGIES: &[Tech] = &[
    tech("AWS", &["AWS", "Amazon Web Services"], false, &[]),
    tech("Google Cloud", &["Google Cloud", "GCP"], false, &[]),
    tech("Azure", &["Azure", "Microsoft Azure"], false, &[]),
    tech("Kubernetes", &["Kubernetes", "K8s"], false, &[]),
    tech("Docker", &["Docker"], false, &[]),
    tech("Terraform", &["Terraform"], false, &[]),
    tech("Linux", &["Linux"], false, &[]),
    tech("Rust", &["Rust"], true, &[]),
    tech("Go", &["Golang"], false, &[]),
    tech("Python", &["Python"], false, &[]),
    tech("TypeScript", &["TypeScript"], false, &[]),
    tech("Java", &["Java"], true, &[]),
    tech("Kotlin", &["Kotlin"], false, &[]),
    tech("Swift", &["Swift"], true, &[]),
    tech("Ruby on Rails", &["Ruby on Rails", "Rails"], true, &[]),
    tech("Django", &["Django"], false, &[]),
    tech("Laravel", &["Laravel"], false, &[]),
    tech("Node.js", &["Node.js", "NodeJS"], false, &[]),
    tech(
        "React",
        &["React", "React.js"],
        true,
        &["react.production", "react-dom"],
    ),
    tech("Next.js", &["Next.js"], false, &["/_next/"]),
    tech(
        "Vue",
        &["Vue", "Vue.js"],
        true,
        &["vue.global", "vue.runtime", "/vue@"],
    ),
    tech("Angular", &["Angular"], true, &["angular.min.js"]),
    tech("Svelte", &["Svelte", "SvelteKit"], false, &[]),
    tech("Flutter", &["Flutter"], true, &[]),
    tech("GraphQL", &["GraphQL"], false, &[]),
    tech("PostgreSQL", &["PostgreSQL", "Postgres"], false, &[]),
    tech("MySQL", &["MySQL"], false, &[]),
    tech("MongoDB", &["MongoDB"], false, &[]),
    tech("Redis", &["Redis"], false, &[]),
    tech("Kafka", &["Kafka", "Apache Kafka"], true, &[]),
    tech("Elasticsearch", &["Elasticsearch"], false, &[]),
    tech("Snowflake", &["Snowflake"], true, &[]),
    tech("Databricks", &["Databricks"], false, &[]),
    tech("TensorFlow", &["TensorFlow"], false, &[]),
    tech("PyTorch", &["PyTorch"], false, &[]),
    tech("ROS", &["ROS", "ROS 2"], true, &[]),
    tech("NVIDIA", &["NVIDIA", "Nvidia"], false, &[]),
    tech("OpenAI", &["OpenAI", "ChatGPT", "GPT-4"], false, &[]),
    tech("Anthropic", &["Anthropic", "Claude"], true, &[]),
    tech("Stripe", &["Stripe"], true, &["js.stripe.com"]),
    tech(
        "Shopify",
        &["Shopify"],
        false,
        &["cdn.shopify.com", "shopify"],
    ),
    tech("Salesforce", &["Salesforce"], false, &[]),
    tech(
        "HubSpot",
        &["HubSpot"],
        false,
        &["hs-scripts.com", "hubspot"],
    ),
    tech("SAP", &["SAP"], true, &[]),
    tech("Twilio", &["Twilio"], false, &[]),
    tech("Zendesk", &["Zendesk"], false, &["zdassets.com", "zendesk"]),
    tech(
        "Intercom",
        &["Intercom"],
        true,
        &["intercom.io", "intercomcdn"],
    ),
    tech(
        "Segment",
        &["Segment"],
        true,
        &["cdn.segment.com", "segment.io"],
    ),
    tech("Mixpanel", &["Mixpanel"], false, &["mxpnl.com", "mixpanel"]),
    tech("Slack", &["Slack"], true, &[]),
    tech("Zapier", &["Zapier"], false, &[]),
    tech(
        "Cloudflare",
        &["Cloudflare"],
        false,
        &["cloudflareinsights.com"],
    ),
    tech("Vercel", &["Vercel"], false, &[]),
    tech("Netlify", &["Netlify"], false, &[]),
    tech("Heroku", &["Heroku"], false, &[]),
    tech("Firebase", &["Firebase"], false, &["firebase"]),
    tech("Supabase", &["Supabase"], false, &[]),
    tech(
        "WordPress",
        &["WordPress"],
        false,
        &["wp-content", "wp-includes", "wordpress"],
    ),
    tech("Webflow", &["Webflow"], false, &["webflow"]),
    tech("Wix", &["Wix"], true, &["wix.com", "wixstatic"]),
    tech("Squarespace", &["Squarespace"], false, &["squarespace"]),
    tech("Drupal", &["Drupal"], false, &["drupal"]),
    tech("Ghost", &["Ghost"], true, &["ghost "]),
    tech("Hugo", &["Hugo"], true, &["hugo "]),
    tech("Gatsby", &["Gatsby"], true, &["gatsby"]),
    tech(
        "Google Analytics",
        &["Google Analytics"],
        false,
        &["google-analytics.com", "gtag/js"],
    ),
    tech(
        "Google Tag Manager",
        &["Google Tag Manager"],
        false,
        &["googletagmanager.com/gtm"],
    ),
    tech("Hotjar", &["Hotjar"], false, &["hotjar"]),
    tech("Plausible", &["Plausible"], true, &["plausible.io"]),
    tech("Datadog", &["Datadog"], false, &[]),
    tech(
        "Sentry",
        &["Sentry"],
        true,
        &["sentry-cdn", "browser.sentry"],
    ),
];

/// Where `word` occurs in `text` as a whole word.
fn contains_word(text: &str, word: &str) -> bool {
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(word)) {
        let start = from + i;
        let end = start + word.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_');
        // "Node.js." ends a sentence; "ROS 2" is whole; "React-based" counts.
        if boundary(before) && boundary(after) {
            return true;
        }
        from = end;
    }
    false
}

pub(super) struct Technology {
    found: Vec<(&'static str, Evidence)>,
}

impl Technology {
    pub(super) fn points(&self) -> u32 {
        let n = u32::try_from(self.found.len()).unwrap_or(u32::MAX);
        TECHNOLOGY_PER_ITEM.saturating_mul(n).min(TECHNOLOGY_MAX)
    }

    pub(super) fn signal(self) -> Signal {
        let names: Vec<&str> = self.found.iter().map(|(n, _)| *n).collect();
        let mut evidence: Vec<Evidence> = Vec::new();
        for (_, e) in self.found {
            if !evidence.contains(&e) {
                evidence.push(e);
            }
        }
        Signal {
            kind: SignalKind::Technology,
            label: format!("Technology: {}", names.join(", ")),
            evidence,
        }
    }
}

impl Site<'_> {
    pub(super) fn technology(&self) -> Option<Technology> {
        let sentences = all_sentences(&self.all());
        let mut found: Vec<(&'static str, Evidence)> = Vec::new();
        for tech in TECHNOLOGIES {
            let in_text = sentences.iter().find(|(_, s)| {
                tech.words.iter().any(|w| contains_word(s, w))
                    && (!tech.ambiguous || is_match(&TECH_CONTEXT, s))
            });
            if let Some((doc, sentence)) = in_text {
                found.push((tech.name, evidence(doc, sentence)));
                continue;
            }
            if tech.hints.is_empty() {
                continue;
            }
            let hinted = self.all().into_iter().find_map(|doc| {
                let script = doc.scripts.iter().find(|s| {
                    let s = s.as_str().to_lowercase();
                    tech.hints.iter().any(|h| s.contains(h))
                });
                if let Some(script) = script {
                    return Some(evidence(doc, &format!("Script: {script}")));
                }
                let generator = doc.generator.as_ref().filter(|g| {
                    let g = format!("{} ", g.to_lowercase());
                    tech.hints.iter().any(|h| g.contains(h))
                })?;
                Some(evidence(doc, &format!("Generator: {generator}")))
            });
            if let Some(e) = hinted {
                found.push((tech.name, e));
            }
        }
        if found.is_empty() {
            return None;
        }
        found.sort_by(|a, b| {
            a.0.to_lowercase()
                .cmp(&b.0.to_lowercase())
                .then(a.0.cmp(b.0))
        });
        Some(Technology { found })
    }
}
