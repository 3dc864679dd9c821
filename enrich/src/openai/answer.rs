//! The answer: the chat completion around it, then the answer itself, checked against
//! the schema's limits and the pages read before it becomes an [`Enrichment`].

use std::collections::{BTreeMap, HashSet};
use std::ops::RangeInclusive;

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::text::{cap_chars, collapse_whitespace};
use super::{
    Analysis, BULLET_MAX_CHARS, EVIDENCE_ITEMS, EXCERPT_MAX_CHARS, KEYWORD_ITEMS,
    KEYWORD_MAX_CHARS, LABEL_MAX_CHARS, MAX_SIGNALS, OpenAiClient, OpenAiError, PageText,
    REASON_MAX_CHARS, SUMMARY_MAX_CHARS, WHAT_THEY_DO_ITEMS,
};
use crate::types::{Confidence, Enrichment, Evidence, Signal, SignalKind, Source, Usage};

impl OpenAiClient {
    /// A 200's body: the chat completion envelope, then the answer inside it.
    pub(super) fn interpret(
        &self,
        bytes: &[u8],
        pages: &[PageText],
    ) -> Result<Analysis, OpenAiError> {
        let envelope: Value =
            serde_json::from_slice(bytes).map_err(|e| OpenAiError::InvalidAnswer {
                reason: format!("the response is not JSON: {e}"),
                usage: None,
            })?;
        let usage = self.usage_of(&envelope);
        let invalid = |reason: String| OpenAiError::InvalidAnswer {
            reason,
            usage: usage.clone(),
        };

        let completion: Completion = serde_json::from_value(envelope)
            .map_err(|e| invalid(format!("the response is not a chat completion: {e}")))?;
        let choice = completion
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| invalid("the response has no choices".into()))?;
        let message = choice
            .message
            .ok_or_else(|| invalid("the response's first choice has no message".into()))?;
        if let Some(refusal) = message.refusal.as_deref().map(str::trim)
            && !refusal.is_empty()
        {
            return Err(invalid(format!(
                "the model refused: {}",
                self.clean_reason(refusal)
            )));
        }
        let finish_reason = choice.finish_reason.as_deref().unwrap_or("");
        if finish_reason == "content_filter" {
            return Err(invalid(
                "the answer was stopped by the provider's content filter".into(),
            ));
        }
        let content = message
            .content
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| invalid("the answer is empty".into()))?;

        let answer: Answer = serde_json::from_str(strip_code_fence(content)).map_err(|e| {
            if finish_reason == "length" {
                invalid(format!(
                    "the answer was cut off at the token limit before its JSON was complete ({e})"
                ))
            } else if e.is_syntax() || e.is_eof() {
                invalid(format!("the answer is not JSON: {e}"))
            } else {
                invalid(format!("the answer does not match the schema: {e}"))
            }
        })?;
        let enrichment = validate(answer, pages, self.model()).map_err(invalid)?;
        let usage = usage.unwrap_or_else(|| {
            tracing::warn!(
                model = self.model(),
                "the provider reported no token usage; recording 0"
            );
            self.usage_for(0, 0)
        });
        Ok(Analysis { enrichment, usage })
    }

    /// `usage` of a completion, priced; `None` when the provider did not report it.
    fn usage_of(&self, envelope: &Value) -> Option<Usage> {
        let usage = envelope.get("usage")?;
        let tokens = |field: &str| {
            usage
                .get(field)
                .and_then(Value::as_u64)
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
        };
        let tokens_in = tokens("prompt_tokens");
        let tokens_out = tokens("completion_tokens");
        if tokens_in.is_none() && tokens_out.is_none() {
            return None;
        }
        Some(self.usage_for(tokens_in.unwrap_or(0), tokens_out.unwrap_or(0)))
    }

    fn usage_for(&self, tokens_in: i64, tokens_out: i64) -> Usage {
        let model = self.model();
        Usage {
            model: model.to_owned(),
            tokens_in,
            tokens_out,
            cost_micros: self
                .config()
                .prices
                .cost_micros(model, tokens_in, tokens_out),
        }
    }
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<Message>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    summary: String,
    what_they_do: Vec<String>,
    keywords: Vec<String>,
    signals: Vec<AnswerSignal>,
    score: i64,
    confidence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerSignal {
    kind: String,
    label: String,
    evidence: Vec<AnswerEvidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerEvidence {
    url: String,
    excerpt: String,
}

/// Some local models wrap their JSON in a Markdown fence despite the schema.
fn strip_code_fence(content: &str) -> &str {
    let Some(rest) = content.strip_prefix("```") else {
        return content;
    };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

/// Checks an answer against the limits and the pages, and makes the enrichment.
fn validate(answer: Answer, pages: &[PageText], model: &str) -> Result<Enrichment, String> {
    if !(0..=100).contains(&answer.score) {
        return Err(format!("score {} is outside 0–100", answer.score));
    }
    let confidence = Confidence::parse(&answer.confidence).ok_or_else(|| {
        format!(
            "confidence {:?} is not one of low, medium, high",
            answer.confidence
        )
    })?;
    let summary = text_field("summary", &answer.summary, SUMMARY_MAX_CHARS)?;
    let what_they_do = list_field(
        "what_they_do",
        &answer.what_they_do,
        &WHAT_THEY_DO_ITEMS,
        BULLET_MAX_CHARS,
    )?;
    let mut keywords = list_field(
        "keywords",
        &answer.keywords,
        &KEYWORD_ITEMS,
        KEYWORD_MAX_CHARS,
    )?;
    let mut seen = HashSet::new();
    keywords.retain(|k| seen.insert(k.to_lowercase()));

    if answer.signals.len() > MAX_SIGNALS {
        return Err(format!(
            "{} signals, more than the {MAX_SIGNALS} allowed",
            answer.signals.len()
        ));
    }
    let known_pages: BTreeMap<String, &str> = pages
        .iter()
        .filter_map(|p| Some((normalise_url(&p.url, None)?, p.url.as_str())))
        .collect();
    let base = pages.first().and_then(|p| Url::parse(&p.url).ok());

    let mut signals = Vec::with_capacity(answer.signals.len());
    for (i, signal) in answer.signals.into_iter().enumerate() {
        let kind = SignalKind::ALL
            .into_iter()
            .find(|k| k.as_str() == signal.kind)
            .ok_or_else(|| {
                format!(
                    "signals[{i}].kind {:?} is not a known kind ({})",
                    signal.kind,
                    SignalKind::ALL.map(|k| k.as_str()).join(", ")
                )
            })?;
        let label = text_field(
            &format!("signals[{i}].label"),
            &signal.label,
            LABEL_MAX_CHARS,
        )?;
        if !EVIDENCE_ITEMS.contains(&signal.evidence.len()) {
            return Err(format!(
                "signals[{i}] has {} pieces of evidence, not {}–{}",
                signal.evidence.len(),
                EVIDENCE_ITEMS.start(),
                EVIDENCE_ITEMS.end()
            ));
        }
        let mut evidence = Vec::with_capacity(signal.evidence.len());
        for (j, item) in signal.evidence.into_iter().enumerate() {
            let excerpt = text_field(
                &format!("signals[{i}].evidence[{j}].excerpt"),
                &item.excerpt,
                EXCERPT_MAX_CHARS,
            )?;
            let page = normalise_url(item.url.trim(), base.as_ref())
                .and_then(|url| known_pages.get(&url).copied());
            match page {
                // The page's own URL, so evidence always links to a source.
                Some(page) => evidence.push(Evidence {
                    url: page.to_owned(),
                    excerpt,
                }),
                None => tracing::warn!(
                    model,
                    kind = kind.as_str(),
                    url = %cap_chars(&collapse_whitespace(&item.url), REASON_MAX_CHARS),
                    "dropping evidence whose URL is not one of the pages read"
                ),
            }
        }
        if evidence.is_empty() {
            tracing::warn!(
                model,
                kind = kind.as_str(),
                "dropping a signal left without evidence from the pages read"
            );
            continue;
        }
        signals.push(Signal {
            kind,
            label,
            evidence,
        });
    }

    Ok(Enrichment {
        summary,
        what_they_do,
        keywords,
        signals,
        score: u8::try_from(answer.score).map_err(|_| format!("score {}", answer.score))?,
        confidence,
        sources: pages
            .iter()
            .map(|p| Source {
                url: p.url.clone(),
                title: p.title.clone(),
            })
            .collect(),
    })
}

fn list_field(
    name: &str,
    items: &[String],
    count: &RangeInclusive<usize>,
    max_chars: usize,
) -> Result<Vec<String>, String> {
    if !count.contains(&items.len()) {
        return Err(format!(
            "{name} has {} items, not {}–{}",
            items.len(),
            count.start(),
            count.end()
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| text_field(&format!("{name}[{i}]"), item, max_chars))
        .collect()
}

/// One line, trimmed, non-empty, at most `max_chars`.
fn text_field(name: &str, value: &str, max_chars: usize) -> Result<String, String> {
    let value = collapse_whitespace(value);
    if value.is_empty() {
        return Err(format!("{name} is empty"));
    }
    Ok(cap_chars(&value, max_chars))
}

/// An http(s) URL without its fragment and trailing slash, for comparing; relative URLs
/// resolve against `base`.
fn normalise_url(url: &str, base: Option<&Url>) -> Option<String> {
    let mut url = match (Url::parse(url), base) {
        (Ok(url), _) => url,
        (Err(url::ParseError::RelativeUrlWithoutBase), Some(base)) => base.join(url).ok()?,
        _ => return None,
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    let mut text = url.to_string();
    if url.query().is_none() && url.path() != "/" && text.ends_with('/') {
        text.pop();
    }
    Some(text)
}
