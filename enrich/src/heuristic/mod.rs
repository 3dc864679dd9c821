//! The offline provider: free, deterministic, no network. From the extracted pages of a
//! company's site it derives keywords (TF-IDF against a bundled background table),
//! signals with evidence, a score by the rubric below, a confidence, an extractive summary
//! and a few "what they do" bullets. The same pages and the same `today` always give the
//! same [`Enrichment`].
//!
//! # Pages
//!
//! Each page is classified by the first segment of its URL path (`/careers`, `/jobs` →
//! careers; `/pricing`, `/plans` → pricing; `/blog`, `/news`, `/press` → blog;
//! `/customers`, `/case-studies` → customers; `/about`, `/company`, `/team` → about; `/` →
//! home), else by the start of its title or first heading.
//!
//! # Signals
//!
//! | Kind | Found when | Label |
//! | --- | --- | --- |
//! | Hiring | a careers page (read or linked), or "we're hiring" / "N open positions" | `Hiring: 7 open roles`, `Careers page`, `Careers page linked`, `Mentions hiring` |
//! | Pricing | a pricing page; tiers are headings followed by a price (`$29/mo`, `Free`, `Custom`, `Contact sales`) | `Pricing page with 3 tiers`, `Pricing page`, `Prices published` |
//! | Blog | a blog/news page, or dated posts (`<time>`, dates in blog text) | `4 posts in the last 6 months (latest 2026-10-03)` |
//! | Customers | logo images, case-study links, testimonial quotes, "trusted by" | `Customers: 8 logos, 3 case studies, 2 testimonials` |
//! | Funding | "raised $12M", "Series A", "seed round", "backed by …" | `Raised $12M Series A` |
//! | TeamSize | "50+ employees", "team of 25", "a 12-person team" | `Team of 50+` |
//! | Technology | names in the text (ambiguous ones like React or Rust only in a technical sentence), script URLs, `generator` | `Technology: AWS, Kubernetes, Rust` |
//! | Social | links to company profiles on LinkedIn, X/Twitter, GitHub, YouTube, Facebook, Instagram | `Social: LinkedIn, X (Twitter), GitHub` |
//!
//! Each signal carries its evidence: the page and the sentence or line (≤ 200 characters).
//!
//! # Score rubric (0–100)
//!
//! | Component | Points | Constant(s) |
//! | --- | --- | --- |
//! | Hiring: careers page or hiring mention | 8 | [`HIRING_FOUND`] |
//! | Hiring: per open role | +2, up to 20 in all | [`HIRING_PER_ROLE`], [`HIRING_MAX`] |
//! | Pricing: a pricing page | 10 | [`PRICING_PAGE`] |
//! | Pricing: 2 or more tiers on it | +5 | [`PRICING_TIERS`] |
//! | Pricing: prices published without a pricing page | 5 | [`PRICING_PRICES_ONLY`] |
//! | Blog: a blog page or dated posts | 3 | [`BLOG_FOUND`] |
//! | Blog: per post in the last 180 days | +2, up to 10 in all | [`BLOG_PER_RECENT_POST`], [`BLOG_MAX`] |
//! | Customers: logos (3 or more), case studies, testimonials | 5 each, up to 15 | [`CUSTOMERS_PER_KIND`], [`CUSTOMERS_MAX`] |
//! | Customers: found, but none of those (a "trusted by …" mention, 1–2 logos) | 3 | [`CUSTOMERS_MENTION`] |
//! | Funding: a round, an investor or an amount | 10 | [`FUNDING_FOUND`] |
//! | Funding: the amount is known | +5 | [`FUNDING_AMOUNT`] |
//! | Team size: stated | 4 | [`TEAM_FOUND`] |
//! | Team size: 10 or more / 50 or more | +3 / +6 | [`TEAM_10`], [`TEAM_50`] |
//! | Technology: per technology named | 1, up to 5 | [`TECHNOLOGY_PER_ITEM`], [`TECHNOLOGY_MAX`] |
//! | Social: per network | 1, up to 5 | [`SOCIAL_PER_NETWORK`], [`SOCIAL_MAX`] |
//! | Substance: per 500 words read | 1, up to 3 | [`SUBSTANCE_WORDS_PER_POINT`], [`SUBSTANCE_WORDS_MAX`] |
//! | Substance: 3 or more pages with text | +2 | [`SUBSTANCE_PAGES`] |
//!
//! The maxima add up to 100; the sum is clamped to 0–100 all the same.
//!
//! # Confidence
//!
//! A page "with text" has at least [`PAGE_MIN_WORDS`] words.
//!
//! | Confidence | When |
//! | --- | --- |
//! | high | ≥ 4 pages with text, ≥ 800 words and ≥ 5 signals |
//! | medium | ≥ 2 pages with text, ≥ 250 words and ≥ 2 signals; or ≥ 600 words and ≥ 3 signals |
//! | low | otherwise |
//!
//! # Keywords
//!
//! TF-IDF of the site against a background of generic web pages. Words are lowercased;
//! stop words, site furniture (cookie, privacy, login, …), the company's own name and
//! names (words never written in lower case and capitalised inside a sentence: people,
//! places, customers) are dropped; regular plurals are merged into the singular. Each
//! distinct line of the site counts once (a line on 3+ pages and most of them is the
//! template and does not count); headings, titles and descriptions weigh double, careers
//! and pricing pages half. A term's weight is `(1 + ln tf) × idf`, with
//! `idf = ln(1 / df)` and `df` the share of generic web pages using the word, from the
//! bundled hand-written `background.txt` (an unlisted inflection such as "walking" gets
//! [`INFLECTION_DF`] × the df of "walk"; other unlisted words [`UNSEEN_DF`]). A word must
//! come up twice on a site of 300+ words. Two-word noun phrases used at least twice
//! compete too, weighted by the mean idf of their words × [`PHRASE_BOOST`]; a word used
//! almost only inside a phrase already picked is skipped. Ties are broken alphabetically.

mod dates;
mod keywords;
mod pages;
mod patterns;
mod score;
mod signals;
mod summary;
mod text;

pub use dates::{Date, Today};
pub use keywords::{INFLECTION_DF, KEYWORDS, PHRASE_BOOST, UNSEEN_DF, keywords, keywords_for};
pub use score::{
    BLOG_FOUND, BLOG_MAX, BLOG_PER_RECENT_POST, BLOG_RECENT_DAYS, CUSTOMERS_MAX, CUSTOMERS_MENTION,
    CUSTOMERS_MIN_LOGOS, CUSTOMERS_PER_KIND, FUNDING_AMOUNT, FUNDING_FOUND, HIRING_FOUND,
    HIRING_MAX, HIRING_PER_ROLE, PAGE_MIN_WORDS, PRICING_PAGE, PRICING_PRICES_ONLY, PRICING_TIERS,
    SOCIAL_MAX, SOCIAL_PER_NETWORK, SUBSTANCE_MIN_PAGES, SUBSTANCE_PAGES, SUBSTANCE_WORDS_MAX,
    SUBSTANCE_WORDS_PER_POINT, TEAM_10, TEAM_50, TEAM_FOUND, TECHNOLOGY_MAX, TECHNOLOGY_PER_ITEM,
};
pub use summary::{BULLET_MAX, SUMMARY_MAX};
pub use text::EXCERPT_MAX;

use crate::extract::Document;
use crate::types::{Enrichment, Source};
use pages::Site;
use score::{confidence, substance_points};

/// Analyses the pages read from a company's site. `today` is the date recent posts are
/// counted back from.
pub fn analyse(company_name: &str, docs: &[Document], today: Date) -> Enrichment {
    let site = Site::new(company_name, docs);
    let (signal_points, signals) = signals::find(&site, today);

    let words: usize = docs.iter().map(Document::word_count).sum();
    let pages = docs
        .iter()
        .filter(|d| d.word_count() >= PAGE_MIN_WORDS)
        .count();

    let score = signal_points + substance_points(words, pages);
    let score = u8::try_from(score.min(100)).unwrap_or(100);
    let confidence = confidence(pages, words, signals.len());

    Enrichment {
        summary: site.summary(),
        what_they_do: site.what_they_do(),
        keywords: keywords_for(company_name, docs, KEYWORDS),
        signals,
        score,
        confidence,
        sources: docs
            .iter()
            .map(|d| Source {
                url: d.url.to_string(),
                title: d.title.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
