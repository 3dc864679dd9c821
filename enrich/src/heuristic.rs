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
//! | Customers: only a mention ("trusted by …") | 3 | [`CUSTOMERS_MENTION`] |
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
//! Words are lowercased, stop words and site boilerplate (cookie, privacy, login, …) and
//! the company's own name dropped, regular plurals merged into the singular. Each term's
//! weight is `(1 + ln tf) × idf` where `tf` counts its uses over all pages (careers and
//! pricing pages count half: their words are about jobs and plans, not the company) and
//! `idf = ln(1 / df)` with `df` the share of generic web pages that use the word, from
//! the bundled `background.txt` (unlisted words: [`UNSEEN_DF`]). Two-word phrases used at
//! least twice compete too, weighted by the mean idf of their words × [`PHRASE_BOOST`].
//! Ties are broken alphabetically.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

use regex_lite::Regex;
use url::Url;

use crate::extract::{BlockKind, Document, collapse};
use crate::types::{Confidence, Enrichment, Evidence, Signal, SignalKind, Source};

// ---------------------------------------------------------------------------------------
// The rubric
// ---------------------------------------------------------------------------------------

pub const HIRING_FOUND: u32 = 8;
pub const HIRING_PER_ROLE: u32 = 2;
pub const HIRING_MAX: u32 = 20;
pub const PRICING_PAGE: u32 = 10;
pub const PRICING_TIERS: u32 = 5;
pub const PRICING_PRICES_ONLY: u32 = 5;
pub const BLOG_FOUND: u32 = 3;
pub const BLOG_PER_RECENT_POST: u32 = 2;
pub const BLOG_MAX: u32 = 10;
/// How far back a post counts as recent.
pub const BLOG_RECENT_DAYS: i64 = 180;
pub const CUSTOMERS_PER_KIND: u32 = 5;
pub const CUSTOMERS_MENTION: u32 = 3;
pub const CUSTOMERS_MAX: u32 = 15;
/// How many logos make a logo wall.
pub const CUSTOMERS_MIN_LOGOS: usize = 3;
pub const FUNDING_FOUND: u32 = 10;
pub const FUNDING_AMOUNT: u32 = 5;
pub const TEAM_FOUND: u32 = 4;
pub const TEAM_10: u32 = 3;
pub const TEAM_50: u32 = 6;
pub const TECHNOLOGY_PER_ITEM: u32 = 1;
pub const TECHNOLOGY_MAX: u32 = 5;
pub const SOCIAL_PER_NETWORK: u32 = 1;
pub const SOCIAL_MAX: u32 = 5;
pub const SUBSTANCE_WORDS_PER_POINT: usize = 500;
pub const SUBSTANCE_WORDS_MAX: u32 = 3;
pub const SUBSTANCE_PAGES: u32 = 2;
/// Pages with text needed for [`SUBSTANCE_PAGES`].
pub const SUBSTANCE_MIN_PAGES: usize = 3;
/// Words a page needs to count as a page with text.
pub const PAGE_MIN_WORDS: usize = 50;

// Keywords
/// The document frequency assumed for a word the background table does not list.
pub const UNSEEN_DF: f64 = 0.005;
/// Two-word phrases: the factor on the mean idf of their words.
pub const PHRASE_BOOST: f64 = 1.5;
/// How many keywords [`analyse`] reports.
pub const KEYWORDS: usize = 10;

/// Longest evidence excerpt, in characters.
pub const EXCERPT_MAX: usize = 200;
/// Longest summary, in characters.
pub const SUMMARY_MAX: usize = 400;
/// Longest "what they do" bullet, in characters.
pub const BULLET_MAX: usize = 120;

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

/// A calendar date (proleptic Gregorian), "today" for the analysis: passed in so the
/// result depends on nothing but its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// The UTC date of a Unix timestamp (seconds), e.g. from `SystemTime::now()`.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date::from_days(seconds.div_euclid(86_400))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// `2026-10-03`, also the start of `2026-10-03T09:00:00Z`.
    pub fn parse_iso(text: &str) -> Option<Date> {
        let text = text.trim();
        let year = text.get(0..4)?.parse().ok()?;
        if text.get(4..5)? != "-" || text.get(7..8)? != "-" {
            return None;
        }
        let month = text.get(5..7)?.parse().ok()?;
        let day = text.get(8..10)?.parse().ok()?;
        if text.get(10..).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())) {
            return None;
        }
        Date::new(year, month, day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// "Today" as [`analyse`] takes it (the provider's name for [`Date`]).
pub type Today = Date;

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn month_from_name(name: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let name = name.to_ascii_lowercase();
    if name == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| *m == name || (name.len() == 3 && m.starts_with(name.as_str())))
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// The dates written in a line: `2026-10-03`, `October 3, 2026`, `Oct 3 2026`,
/// `3 October 2026`.
fn dates_in(line: &str) -> Vec<Date> {
    let mut found = Vec::new();
    if let Some(re) = &*ISO_DATE {
        for c in re.captures_iter(line) {
            if let Some(d) = c.get(0).and_then(|m| Date::parse_iso(m.as_str())) {
                found.push(d);
            }
        }
    }
    if let Some(re) = &*MONTH_DAY_YEAR {
        for c in re.captures_iter(line) {
            let date = (|| {
                let month = month_from_name(c.get(1)?.as_str())?;
                let day = c.get(2)?.as_str().parse().ok()?;
                let year = c.get(3)?.as_str().parse().ok()?;
                Date::new(year, month, day)
            })();
            found.extend(date);
        }
    }
    if let Some(re) = &*DAY_MONTH_YEAR {
        for c in re.captures_iter(line) {
            let date = (|| {
                let day = c.get(1)?.as_str().parse().ok()?;
                let month = month_from_name(c.get(2)?.as_str())?;
                let year = c.get(3)?.as_str().parse().ok()?;
                Date::new(year, month, day)
            })();
            found.extend(date);
        }
    }
    found
}

/// A date from a `<time>` value: ISO, or written out.
fn parse_time_value(value: &str) -> Option<Date> {
    Date::parse_iso(value).or_else(|| dates_in(value).into_iter().next())
}

// ---------------------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------------------

fn pattern(source: &str) -> Option<Regex> {
    Regex::new(source).ok()
}

static ISO_DATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"\b\d{4}-\d{2}-\d{2}\b"));
static MONTH_DAY_YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
});
static DAY_MONTH_YEAR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
});
/// An amount of money: `$12M`, `$12 million`, `€1.5bn`, `$12,000,000`.
static MONEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)([$€£])\s?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(million|billion|thousand|mm|mn|bn|m|b|k)?\b",
    )
});
/// Any price: a currency sign and a number.
static PRICE: LazyLock<Option<Regex>> =
    LazyLock::new(|| pattern(r"[$€£]\s?\d|\d\s?(?:€|EUR|USD|GBP)\b"));
/// A price with a period or a unit: `$29/mo`, `$8 per user`.
static PRICE_PER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)(?:[$€£]\s?\d[\d,.]*|\d[\d,.]*\s?(?:€|EUR|USD|GBP))\s*(?:/|per\s+|a\s+)(?:mo|month|yr|year|user|seat|member|agent)\b",
    )
});
static ROUND: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"\bSeries [A-H]\b|(?i:\bpre-seed\b|\bseed (?:round|funding|investment|financing)\b)")
});
static BACKED_BY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"(?i)\b(?:backed by|led by|investors include|funded by|with participation from)\s+([^.;!?]+)")
});
static FUNDING_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"(?i)\b(?:raised|raise|raising|funding|funded|round|financing|investment|investors?|backed)\b")
});
static OPEN_ROLES: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(\d{1,4})\s+(?:(?:open|current|available)\s+(?:positions|roles|jobs|opportunities|openings|vacancies)|(?:job\s+)?(?:openings|vacancies))\b",
    )
});
static HIRING_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:we(?:'|’)re hiring|we are hiring|join our team|open (?:positions|roles)|now hiring)\b",
    )
});
/// "50+ employees", "over 120 people".
static TEAM_COUNT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(over|more than|nearly|almost|about|around|approximately)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\+)?\s+(?:full-time\s+)?(employees|people|team members|staff|teammates|colleagues|humans)\b",
    )
});
/// "team of 25", "a 12-person team", "11-50 employees".
static TEAM_OF: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\bteam of (over |more than |about |around |nearly )?(\d+)(\+)?|\b(\d+)(\+)?-(?:person|people|strong) team\b|\b(\d+)\s*[-–]\s*(\d+)\s+employees\b",
    )
});
static TEAM_CONTEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(r"(?i)\b(?:team|employ\w*|staff|strong|headcount|we(?:'|’)re|we are|colleagues|hire\w*|offices)\b")
});
static TECH_CONTEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:built|build|stack|powered|integrat\w*|runs|running|written|using|uses|deploy\w*|api|sdk|framework|infrastructure|hosted|plugin|engineers?|backend|frontend|services?)\b",
    )
});
static CUSTOMER_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:trusted by|used by|loved by|chosen by|our customers|customers include|clients include|case stud(?:y|ies)|customer stories)\b",
    )
});

fn is_match(re: &LazyLock<Option<Regex>>, text: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(text))
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PageKind {
    Home,
    About,
    Careers,
    Pricing,
    Blog,
    Customers,
    Other,
}

fn path_segments(url: &Url) -> Vec<String> {
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

fn kind_of_segment(segment: &str) -> Option<PageKind> {
    Some(match segment {
        "careers" | "career" | "jobs" | "join" | "join-us" | "joinus" | "work-with-us"
        | "hiring" | "open-positions" | "openings" | "vacancies" => PageKind::Careers,
        "pricing" | "plans" | "price" | "prices" => PageKind::Pricing,
        "blog" | "news" | "articles" | "posts" | "updates" | "insights" | "journal" | "press"
        | "newsroom" | "changelog" => PageKind::Blog,
        "customers" | "case-studies" | "case-study" | "clients" | "customer-stories"
        | "success-stories" | "testimonials" => PageKind::Customers,
        "about" | "about-us" | "company" | "team" | "our-story" | "who-we-are" => {
            PageKind::About
        }
        "index" | "home" => PageKind::Home,
        _ => return None,
    })
}

fn page_kind(doc: &Document) -> PageKind {
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

// ---------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------

/// At most `max` characters, cut at a word where possible, with "…" when cut.
pub fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    let cut = cut.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '—' | '–' | '(')
    });
    format!("{cut}…")
}

fn excerpt(text: &str) -> String {
    clip(text, EXCERPT_MAX)
}

fn evidence(doc: &Document, text: &str) -> Evidence {
    Evidence {
        url: doc.url.to_string(),
        excerpt: excerpt(text),
    }
}

const ABBREVIATIONS: &[&str] = &[
    "inc", "ltd", "co", "corp", "e.g", "i.e", "mr", "mrs", "ms", "dr", "st", "vs", "no", "jr",
    "sr", "approx", "u.s",
];

/// The sentences of a line.
fn sentences(line: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &(pos, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let ends = match chars.get(i + 1).map(|x| x.1) {
            None => true,
            Some(next) if next.is_whitespace() => chars.get(i + 2).is_none_or(|&(_, a)| {
                a.is_uppercase() || a.is_ascii_digit() || matches!(a, '"' | '“' | '‘' | '(')
            }),
            Some(next) => matches!(next, '"' | '”' | '’' | ')'),
        };
        if !ends {
            continue;
        }
        let before = &line[start..pos];
        let last_word = before
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if c == '.' && ABBREVIATIONS.contains(&last_word.as_str()) {
            continue;
        }
        let end = pos + c.len_utf8();
        let sentence = line[start..end].trim();
        if !sentence.is_empty() {
            out.push(sentence);
        }
        start = end;
    }
    let rest = line[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Every sentence of every line of the docs, with its page.
fn all_sentences<'d>(docs: &[&'d Document]) -> Vec<(&'d Document, &'d str)> {
    docs.iter()
        .flat_map(|doc| {
            doc.lines()
                .flat_map(sentences)
                .map(move |s| (*doc, s))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Looks like a sentence of prose rather than a label or a button.
fn is_substantive(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    word_count(sentence) >= 8
        && !sentence.ends_with('?')
        && !["cookie", "©", "rights reserved", "javascript", "subscribe", "newsletter"]
            .iter()
            .any(|w| lower.contains(w))
}

// ---------------------------------------------------------------------------------------
// The analysis
// ---------------------------------------------------------------------------------------

/// Analyses the pages read from a company's site. `today` is the date recent posts are
/// counted back from.
pub fn analyse(company_name: &str, docs: &[Document], today: Date) -> Enrichment {
    let site = Site::new(company_name, docs);

    let hiring = site.hiring();
    let pricing = site.pricing();
    let blog = site.blog(today);
    let customers = site.customers();
    let funding = site.funding();
    let team = site.team_size();
    let technology = site.technology();
    let social = site.social();

    let words: usize = docs.iter().map(Document::word_count).sum();
    let pages = docs
        .iter()
        .filter(|d| d.word_count() >= PAGE_MIN_WORDS)
        .count();

    let mut score = 0u32;
    score += hiring.as_ref().map_or(0, Hiring::points);
    score += pricing.as_ref().map_or(0, Pricing::points);
    score += blog.as_ref().map_or(0, Blog::points);
    score += customers.as_ref().map_or(0, Customers::points);
    score += funding.as_ref().map_or(0, Funding::points);
    score += team.as_ref().map_or(0, Team::points);
    score += technology.as_ref().map_or(0, Technology::points);
    score += social.as_ref().map_or(0, Social::points);
    score += substance_points(words, pages);
    let score = u8::try_from(score.min(100)).unwrap_or(100);

    let signals: Vec<Signal> = [
        hiring.map(Hiring::signal),
        pricing.map(Pricing::signal),
        blog.map(Blog::signal),
        customers.map(Customers::signal),
        funding.map(Funding::signal),
        team.map(Team::signal),
        technology.map(Technology::signal),
        social.map(Social::signal),
    ]
    .into_iter()
    .flatten()
    .collect();

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

/// Points for the amount of text read (see the rubric).
fn substance_points(words: usize, pages: usize) -> u32 {
    let word_points = u32::try_from(words / SUBSTANCE_WORDS_PER_POINT)
        .unwrap_or(u32::MAX)
        .min(SUBSTANCE_WORDS_MAX);
    let page_points = if pages >= SUBSTANCE_MIN_PAGES {
        SUBSTANCE_PAGES
    } else {
        0
    };
    word_points + page_points
}

/// How much the analysis rests on (see the table in the module docs).
fn confidence(pages: usize, words: usize, signals: usize) -> Confidence {
    if pages >= 4 && words >= 800 && signals >= 5 {
        Confidence::High
    } else if (pages >= 2 && words >= 250 && signals >= 2) || (words >= 600 && signals >= 3) {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

struct Site<'d> {
    docs: Vec<(&'d Document, PageKind)>,
    /// The company's name, as keyword tokens.
    name_tokens: HashSet<String>,
}

impl<'d> Site<'d> {
    fn new(company_name: &str, docs: &'d [Document]) -> Self {
        Site {
            docs: docs.iter().map(|d| (d, page_kind(d))).collect(),
            name_tokens: name_tokens(company_name),
        }
    }

    fn of_kind(&self, kind: PageKind) -> Vec<&'d Document> {
        self.docs
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(d, _)| *d)
            .collect()
    }

    fn all(&self) -> Vec<&'d Document> {
        self.docs.iter().map(|(d, _)| *d).collect()
    }

    /// The home page, else the first page.
    fn home(&self) -> Option<&'d Document> {
        self.of_kind(PageKind::Home)
            .first()
            .copied()
            .or_else(|| self.docs.first().map(|(d, _)| *d))
    }

    /// The pages in the order to look for facts about the company: about, home, careers,
    /// then the rest in their order.
    fn by_priority(&self) -> Vec<&'d Document> {
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

// --- Hiring ----------------------------------------------------------------------------

struct Hiring {
    label: String,
    roles: usize,
    evidence: Vec<Evidence>,
}

impl Hiring {
    fn points(&self) -> u32 {
        let roles = u32::try_from(self.roles).unwrap_or(u32::MAX);
        (HIRING_FOUND + HIRING_PER_ROLE.saturating_mul(roles)).min(HIRING_MAX)
    }

    fn signal(self) -> Signal {
        Signal {
            kind: SignalKind::Hiring,
            label: self.label,
            evidence: self.evidence,
        }
    }
}

/// Capitalised words that make a short line a job title.
const ROLE_WORDS: &[&str] = &[
    "Engineer",
    "Developer",
    "Designer",
    "Manager",
    "Scientist",
    "Analyst",
    "Architect",
    "Lead",
    "Director",
    "Specialist",
    "Representative",
    "Executive",
    "Coordinator",
    "Administrator",
    "Consultant",
    "Intern",
    "Recruiter",
    "Writer",
    "Marketer",
    "Technician",
    "Strategist",
    "Accountant",
    "Associate",
    "Officer",
    "Advocate",
    "Head",
    "VP",
    "Researcher",
    "Editor",
    "Producer",
    "Counsel",
    "Assistant",
    "Operator",
    "Mechanic",
    "Electrician",
    "Programmer",
    "Tester",
    "SRE",
    "Nurse",
    "Driver",
];

fn looks_like_job_title(line: &str) -> bool {
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
    if ATS.iter().any(|a| host == *a || host.ends_with(&format!(".{a}"))) {
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
    segments.len() == 1 && segments.first().and_then(|s| kind_of_segment(s)) == Some(PageKind::Careers)
        || matches!(text.as_str(), "careers" | "jobs" | "we're hiring" | "we’re hiring" | "join us")
}

impl<'d> Site<'d> {
    fn hiring(&self) -> Option<Hiring> {
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
            consider(titles.len(), doc, format!("Open roles: {}", titles.join("; ")));

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
            consider(jobs.len(), doc, format!("Open roles: {}", job_texts.join("; ")));
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

// --- Pricing ---------------------------------------------------------------------------

enum Pricing {
    Page {
        tiers: usize,
        evidence: Evidence,
    },
    PricesOnly {
        evidence: Evidence,
    },
}

impl Pricing {
    fn points(&self) -> u32 {
        match self {
            Pricing::Page { tiers, .. } if *tiers >= 2 => PRICING_PAGE + PRICING_TIERS,
            Pricing::Page { .. } => PRICING_PAGE,
            Pricing::PricesOnly { .. } => PRICING_PRICES_ONLY,
        }
    }

    fn signal(self) -> Signal {
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
    fn pricing(&self) -> Option<Pricing> {
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

// --- Blog ------------------------------------------------------------------------------

struct Blog {
    recent: usize,
    latest: Option<Date>,
    evidence: Vec<Evidence>,
}

impl Blog {
    fn points(&self) -> u32 {
        let recent = u32::try_from(self.recent).unwrap_or(u32::MAX);
        (BLOG_FOUND + BLOG_PER_RECENT_POST.saturating_mul(recent)).min(BLOG_MAX)
    }

    fn signal(self) -> Signal {
        let label = match (self.latest, self.recent) {
            (None, _) => "Blog page".to_string(),
            (Some(latest), 0) => format!("No posts in the last 6 months (latest {latest})"),
            (Some(latest), 1) => format!("1 post in the last 6 months (latest {latest})"),
            (Some(latest), n) => format!("{n} posts in the last 6 months (latest {latest})"),
        };
        Signal {
            kind: SignalKind::Blog,
            label,
            evidence: self.evidence,
        }
    }
}

impl Site<'_> {
    fn blog(&self, today: Date) -> Option<Blog> {
        // Post dates: every <time>, and dates written in the blog pages' text. One post a
        // date (a post's own page repeats the date of its entry in the index).
        let mut dates: BTreeMap<Date, &Document> = BTreeMap::new();
        let blog_first = self
            .docs
            .iter()
            .filter(|(_, k)| *k == PageKind::Blog)
            .chain(self.docs.iter().filter(|(_, k)| *k != PageKind::Blog));
        for (doc, kind) in blog_first {
            for value in &doc.times {
                if let Some(date) = parse_time_value(value) {
                    dates.entry(date).or_insert(doc);
                }
            }
            if *kind == PageKind::Blog {
                for line in doc.lines() {
                    for date in dates_in(line) {
                        dates.entry(date).or_insert(doc);
                    }
                }
            }
        }
        dates.retain(|date, _| *date <= today);
        let blog_page = self.of_kind(PageKind::Blog).first().copied();
        if dates.is_empty() {
            let doc = blog_page?;
            let line = doc
                .headings
                .first()
                .or(doc.title.as_ref())
                .cloned()
                .unwrap_or_else(|| "Blog".to_string());
            return Some(Blog {
                recent: 0,
                latest: None,
                evidence: vec![evidence(doc, &line)],
            });
        }
        let recent = dates
            .keys()
            .filter(|d| (0..=BLOG_RECENT_DAYS).contains(&(today.days() - d.days())))
            .count();
        let (latest, doc) = dates.iter().next_back().map(|(d, doc)| (*d, *doc))?;
        Some(Blog {
            recent,
            latest: Some(latest),
            evidence: vec![evidence(doc, &dated_line(doc, latest))],
        })
    }
}

/// The line where a date is written, with the heading before it when the line is short
/// (the post's title above its date).
fn dated_line(doc: &Document, date: Date) -> String {
    let mut heading: Option<&str> = None;
    for block in &doc.blocks {
        if dates_in(&block.text).contains(&date) {
            return match heading {
                Some(h) if block.text.chars().count() < 40 => format!("{h} — {}", block.text),
                _ => block.text.clone(),
            };
        }
        if matches!(block.kind, BlockKind::Heading(_)) {
            heading = Some(&block.text);
        }
    }
    format!("Post dated {date}")
}

// --- Customers -------------------------------------------------------------------------

struct Customers {
    logos: usize,
    case_studies: usize,
    testimonials: usize,
    evidence: Vec<Evidence>,
}

impl Customers {
    fn points(&self) -> u32 {
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

    fn signal(self) -> Signal {
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
            file.rsplit_once('.').map_or(file.as_str(), |(stem, _)| stem).to_string()
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

    fn customers(&self) -> Option<Customers> {
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
            evidence_list.push(evidence(doc, &format!("Customer logos: {}", logos.join(", "))));
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

// --- Funding ---------------------------------------------------------------------------

struct Funding {
    amount: Option<String>,
    round: Option<String>,
    investors: Option<String>,
    evidence: Vec<Evidence>,
}

impl Funding {
    fn points(&self) -> u32 {
        FUNDING_FOUND + if self.amount.is_some() { FUNDING_AMOUNT } else { 0 }
    }

    fn signal(self) -> Signal {
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
fn money(captures: &regex_lite::Captures<'_>) -> Option<(f64, String)> {
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
    fn funding(&self) -> Option<Funding> {
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

// --- Team size -------------------------------------------------------------------------

struct Team {
    size: u32,
    label: String,
    evidence: Evidence,
}

impl Team {
    fn points(&self) -> u32 {
        TEAM_FOUND
            + if self.size >= 50 {
                TEAM_50
            } else if self.size >= 10 {
                TEAM_10
            } else {
                0
            }
    }

    fn signal(self) -> Signal {
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
fn team_in(sentence: &str) -> Option<(u32, String)> {
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
        let shown = if more || plus { format!("{n}+") } else { n.to_string() };
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
    fn team_size(&self) -> Option<Team> {
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

// --- Technology ------------------------------------------------------------------------

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
    tech("React", &["React", "React.js"], true, &["react.production", "react-dom"]),
    tech("Next.js", &["Next.js"], false, &["/_next/"]),
    tech("Vue", &["Vue", "Vue.js"], true, &["vue.global", "vue.runtime", "/vue@"]),
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
    tech("Shopify", &["Shopify"], false, &["cdn.shopify.com", "shopify"]),
    tech("Salesforce", &["Salesforce"], false, &[]),
    tech("HubSpot", &["HubSpot"], false, &["hs-scripts.com", "hubspot"]),
    tech("SAP", &["SAP"], true, &[]),
    tech("Twilio", &["Twilio"], false, &[]),
    tech("Zendesk", &["Zendesk"], false, &["zdassets.com", "zendesk"]),
    tech("Intercom", &["Intercom"], true, &["intercom.io", "intercomcdn"]),
    tech("Segment", &["Segment"], true, &["cdn.segment.com", "segment.io"]),
    tech("Mixpanel", &["Mixpanel"], false, &["mxpnl.com", "mixpanel"]),
    tech("Slack", &["Slack"], true, &[]),
    tech("Zapier", &["Zapier"], false, &[]),
    tech("Cloudflare", &["Cloudflare"], false, &["cloudflareinsights.com"]),
    tech("Vercel", &["Vercel"], false, &[]),
    tech("Netlify", &["Netlify"], false, &[]),
    tech("Heroku", &["Heroku"], false, &[]),
    tech("Firebase", &["Firebase"], false, &["firebase"]),
    tech("Supabase", &["Supabase"], false, &[]),
    tech("WordPress", &["WordPress"], false, &["wp-content", "wp-includes", "wordpress"]),
    tech("Webflow", &["Webflow"], false, &["webflow"]),
    tech("Wix", &["Wix"], true, &["wix.com", "wixstatic"]),
    tech("Squarespace", &["Squarespace"], false, &["squarespace"]),
    tech("Drupal", &["Drupal"], false, &["drupal"]),
    tech("Ghost", &["Ghost"], true, &["ghost "]),
    tech("Hugo", &["Hugo"], true, &["hugo "]),
    tech("Gatsby", &["Gatsby"], true, &["gatsby"]),
    tech("Google Analytics", &["Google Analytics"], false, &["google-analytics.com", "gtag/js"]),
    tech("Google Tag Manager", &["Google Tag Manager"], false, &["googletagmanager.com/gtm"]),
    tech("Hotjar", &["Hotjar"], false, &["hotjar"]),
    tech("Plausible", &["Plausible"], true, &["plausible.io"]),
    tech("Datadog", &["Datadog"], false, &[]),
    tech("Sentry", &["Sentry"], true, &["sentry-cdn", "browser.sentry"]),
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

struct Technology {
    found: Vec<(&'static str, Evidence)>,
}

impl Technology {
    fn points(&self) -> u32 {
        let n = u32::try_from(self.found.len()).unwrap_or(u32::MAX);
        TECHNOLOGY_PER_ITEM.saturating_mul(n).min(TECHNOLOGY_MAX)
    }

    fn signal(self) -> Signal {
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
    fn technology(&self) -> Option<Technology> {
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

// --- Social ----------------------------------------------------------------------------

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

struct Social {
    found: BTreeMap<Network, Evidence>,
}

impl Social {
    fn points(&self) -> u32 {
        let n = u32::try_from(self.found.len()).unwrap_or(u32::MAX);
        SOCIAL_PER_NETWORK.saturating_mul(n).min(SOCIAL_MAX)
    }

    fn signal(self) -> Signal {
        let names: Vec<&str> = self.found.keys().map(|n| n.name()).collect();
        Signal {
            kind: SignalKind::Social,
            label: format!("Social: {}", names.join(", ")),
            evidence: self.found.into_values().collect(),
        }
    }
}

impl Site<'_> {
    fn social(&self) -> Option<Social> {
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

// --- Summary and bullets ---------------------------------------------------------------

/// Headings that name a section of the site rather than something the company does.
const GENERIC_HEADINGS: &[&str] = &[
    "about",
    "about us",
    "blog",
    "careers",
    "contact",
    "contact us",
    "customers",
    "faq",
    "features",
    "get in touch",
    "get started",
    "how it works",
    "latest",
    "latest news",
    "news",
    "our customers",
    "our story",
    "our team",
    "our values",
    "pricing",
    "products",
    "resources",
    "services",
    "team",
    "testimonials",
    "trusted by",
    "what we do",
    "why us",
    "open roles",
    "investors",
    "from the blog",
    "solutions",
    "the team",
    "how we build",
    "how we work",
    "our mission",
    "benefits",
    "life at",
];

fn is_generic_heading(text: &str) -> bool {
    let t = text
        .trim()
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    GENERIC_HEADINGS.contains(&t.as_str())
        || [
            "trusted by",
            "ready to",
            "join ",
            "meet ",
            "subscribe",
            "latest",
            "what our",
            "what customers",
            "frequently asked",
            "contact",
            "get started",
            "book a demo",
        ]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Adds a full stop when a sentence has no closing punctuation.
fn closed(sentence: &str) -> String {
    let s = sentence.trim();
    if s.ends_with(['.', '!', '?', '…']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Sentences sharing this share of words (of the shorter) say the same thing.
const SUMMARY_OVERLAP: f64 = 0.6;

/// The share of the shorter text's distinct words that the other text has too.
fn overlap(a: &str, b: &str) -> f64 {
    let a: HashSet<&str> = a.split_whitespace().collect();
    let b: HashSet<&str> = b.split_whitespace().collect();
    let shorter = a.len().min(b.len()).max(1);
    a.intersection(&b).count() as f64 / shorter as f64
}

fn normalised(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Site<'_> {
    fn summary(&self) -> String {
        let home = self.home();
        let about = self.of_kind(PageKind::About).first().copied();
        let mut candidates: Vec<String> = Vec::new();
        if let Some(description) = home.and_then(|h| h.description.as_ref())
            && word_count(description) >= 6
        {
            candidates.push(collapse(description));
        }
        for doc in home.into_iter().chain(about) {
            for block in &doc.blocks {
                if block.kind != BlockKind::Paragraph {
                    continue;
                }
                for sentence in sentences(&block.text) {
                    if is_substantive(sentence) && sentence.chars().count() <= 300 {
                        candidates.push(sentence.to_string());
                    }
                }
            }
        }

        let mut summary = String::new();
        let mut taken: Vec<String> = Vec::new();
        for candidate in candidates {
            let key = normalised(&candidate);
            if taken.iter().any(|t| overlap(t, &key) >= SUMMARY_OVERLAP) {
                continue;
            }
            let next = if summary.is_empty() {
                closed(&candidate)
            } else {
                format!("{summary} {}", closed(&candidate))
            };
            if next.chars().count() > SUMMARY_MAX {
                if summary.is_empty() {
                    summary = clip(&candidate, SUMMARY_MAX);
                }
                break;
            }
            summary = next;
            taken.push(key);
            if taken.len() >= 3 || (taken.len() >= 2 && summary.chars().count() >= 150) {
                break;
            }
        }
        if summary.is_empty() {
            summary = home
                .and_then(|h| h.title.clone().or_else(|| h.headings.first().cloned()))
                .map(|t| clip(&t, SUMMARY_MAX))
                .unwrap_or_default();
        }
        summary
    }

    fn what_they_do(&self) -> Vec<String> {
        let home = self.home();
        let about = self.of_kind(PageKind::About).first().copied();
        let pages: Vec<&Document> = home.into_iter().chain(about).collect();
        let mut bullets: Vec<String> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        let mut add = |text: String, bullets: &mut Vec<String>| {
            let key = normalised(&text);
            if bullets.len() < 5 && !key.is_empty() && !keys.contains(&key) {
                keys.push(key);
                bullets.push(text);
            }
        };

        // A feature: a heading (h2–h4) followed by a paragraph describing it; from the
        // home page, and the about page when the home page has too few.
        for doc in &pages {
            if bullets.len() >= 3 {
                break;
            }
            for pair in doc.blocks.windows(2) {
                let [heading, paragraph] = pair else { continue };
                if !matches!(heading.kind, BlockKind::Heading(2..=4))
                    || paragraph.kind != BlockKind::Paragraph
                    || is_generic_heading(&heading.text)
                    || word_count(&heading.text) > 8
                    || heading.text.ends_with('?')
                {
                    continue;
                }
                let Some(first) = sentences(&paragraph.text).into_iter().next() else {
                    continue;
                };
                if word_count(first) < 5 || !is_substantive(&format!("{first} x x x")) {
                    continue;
                }
                let title = heading.text.trim_end_matches(['.', ':']);
                let combined = format!("{title}: {}", lower_first(first));
                let clause = first_clause(first).map(|c| format!("{title}: {}", lower_first(c)));
                let bullet = if combined.chars().count() <= BULLET_MAX {
                    combined
                } else if let Some(clause) = clause.filter(|c| c.chars().count() <= BULLET_MAX) {
                    clause
                } else if first.chars().count() <= BULLET_MAX {
                    first.to_string()
                } else {
                    clip(&combined, BULLET_MAX)
                };
                add(bullet, &mut bullets);
            }
        }
        // Else feature lists.
        if bullets.len() < 3 {
            for doc in &pages {
                for block in &doc.blocks {
                    if block.kind == BlockKind::ListItem
                        && word_count(&block.text) >= 4
                        && !looks_like_job_title(&block.text)
                    {
                        add(clip(&block.text, BULLET_MAX), &mut bullets);
                    }
                }
            }
        }
        // Else sentences.
        if bullets.len() < 3 {
            for doc in &pages {
                for block in &doc.blocks {
                    if block.kind != BlockKind::Paragraph {
                        continue;
                    }
                    for sentence in sentences(&block.text) {
                        if is_substantive(sentence) {
                            add(clip(sentence, BULLET_MAX), &mut bullets);
                        }
                    }
                }
            }
        }
        bullets
    }
}

/// A sentence up to its first comma, semicolon, dash or "and", when that is a clause of its own
/// (four words or more), without closing punctuation.
fn first_clause(sentence: &str) -> Option<&str> {
    let end = [", ", "; ", " — ", " – ", " - ", " and "]
        .iter()
        .filter_map(|sep| sentence.find(sep))
        .min()?;
    let clause = sentence[..end].trim();
    (word_count(clause) >= 4).then_some(clause)
}

/// "Plan routes" → "plan routes", but "AWS" stays.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Keywords
// ---------------------------------------------------------------------------------------

/// The bundled background: the share of generic web pages using each word.
static BACKGROUND: LazyLock<HashMap<&'static str, f64>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    let mut df = None;
    for line in include_str!("background.txt").lines() {
        let line = line.trim();
        if let Some(value) = line.strip_prefix("## ") {
            df = value.trim().parse::<f64>().ok().filter(|d| *d > 0.0 && *d < 1.0);
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(df) = df {
            for word in line.split_whitespace() {
                let entry = table.entry(word).or_insert(df);
                *entry = entry.max(df);
            }
        }
    }
    table
});

const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "across", "after", "again", "against", "all", "almost", "along",
    "also", "although", "always", "am", "among", "an", "and", "another", "any", "anyone",
    "anything", "are", "around", "as", "at", "away", "back", "be", "because", "been", "before",
    "being", "below", "best", "better", "between", "both", "but", "by", "can", "cannot",
    "could", "did", "do", "does", "doing", "done", "down", "during", "each", "either", "else",
    "enough", "etc", "even", "ever", "every", "everything", "few", "first", "for", "from",
    "further", "get", "gets", "getting", "give", "go", "going", "good", "got", "great", "had",
    "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "however", "i",
    "if", "in", "inc", "into", "is", "it", "its", "itself", "just", "keep", "know", "last",
    "least", "less", "let", "like", "llc", "ltd", "made", "make", "makes", "making", "many",
    "may", "me", "might", "more", "most", "much", "must", "my", "need", "needs", "never", "new",
    "next", "no", "none", "nor", "not", "now", "of", "off", "often", "on", "once", "one",
    "only", "onto", "or", "other", "others", "our", "ours", "ourselves", "out", "over", "own",
    "per", "perhaps", "please", "put", "rather", "really", "right", "same", "see", "seen",
    "several", "shall", "she", "should", "since", "so", "some", "something", "still", "such",
    "take", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there",
    "these", "they", "thing", "things", "this", "those", "though", "through", "thus", "to",
    "today", "together", "too", "toward", "towards", "two", "three", "under", "until", "up",
    "upon", "us", "use", "used", "uses", "using", "very", "via", "want", "was", "way", "ways",
    "we", "well", "were", "what", "whatever", "when", "where", "whether", "which", "while",
    "who", "whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet",
    "you", "your", "yours", "yourself", "we're", "you're", "it's", "don't", "can't", "won't",
    "let's", "we've", "you'll", "we'll", "i'm", "isn't", "didn't", "doesn't", "that's",
    "there's", "here's", "what's", "able", "ago", "already", "came", "come", "comes", "day",
    "days", "each", "lot", "lots", "mr", "ms", "said", "say", "says", "soon", "sure", "year",
    "years", "month", "months", "week", "weeks", "time", "times", "help", "helps", "work",
    "works", "start", "started", "yes", "zero", "four", "five", "six", "seven", "eight",
    "nine", "ten", "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty",
    "hundred", "hundreds", "thousand", "thousands", "million", "millions", "dozen", "half",
    "twice", "coming", "hello", "welcome", "posted", "soon", "anyway", "everyone",
];

/// Words of the site's furniture, never characteristic of a company.
const BOILERPLATE_WORDS: &[&str] = &[
    "cookie", "cookies", "privacy", "policy", "terms", "conditions", "login", "log", "logout",
    "sign", "signup", "sign-in", "sign-up", "account", "password", "copyright", "reserved",
    "rights", "menu", "skip", "navigation", "javascript", "browser", "newsletter", "subscribe",
    "unsubscribe", "email", "e-mail", "contact", "home", "page", "click", "website", "site",
    "homepage", "follow", "share", "tweet", "facebook", "twitter", "linkedin", "instagram",
    "youtube", "github", "careers", "career", "blog", "faq", "read", "learn", "view", "demo",
    "book", "request", "free", "trial", "pricing", "price", "plan", "plans", "month", "mo",
    "annual", "annually", "billed", "apply", "job", "jobs", "role", "roles", "remote",
    "full-time", "part-time", "hybrid", "post", "posts", "min", "minute", "minutes", "cta",
];

const SHORT_WORDS: &[&str] = &["ai", "ml", "ar", "vr", "3d", "ev", "hr", "ux", "ui", "qa", "bi"];

/// Words ending in "s" that are not plurals.
const NOT_PLURAL: &[&str] = &[
    "news",
    "series",
    "species",
    "sales",
    "kubernetes",
    "aws",
    "always",
    "perhaps",
    "whereas",
    "canvas",
    "atlas",
    "alias",
    "bias",
    "gas",
    "christmas",
    "chaos",
    "kudos",
    "macos",
    "ios",
    "lens",
    "thanks",
    "sometimes",
    "besides",
    "towards",
    "afterwards",
    "unless",
    "yes",
    "ops",
    "devops",
    "mlops",
    "finops",
    "gitops",
    "dataops",
    "texas",
    "vegas",
    "paris",
    "athens",
    "wales",
    "mars",
    "physics",
    "economics",
    "ethics",
];

fn is_stop(word: &str) -> bool {
    STOP_WORDS.contains(&word) || BOILERPLATE_WORDS.contains(&word)
}

/// A word of a line.
#[derive(Clone, Debug)]
struct Token {
    /// Lowercased, possessive "'s" dropped.
    word: String,
    /// Directly follows the previous word (only spaces between): they can form a phrase.
    adjacent: bool,
    /// Written with a capital (not all capitals: acronyms are not names).
    capital: bool,
    /// First word of its line or sentence, where a capital says nothing.
    initial: bool,
}

fn tokenize(line: &str) -> Vec<Token> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut adjacent = false;
    let mut initial = true;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_alphanumeric() {
            if !c.is_whitespace() {
                adjacent = false;
                if matches!(
                    c,
                    '.' | '!' | '?' | ':' | '“' | '"' | '(' | '—' | '–' | '•' | '·' | '|'
                ) {
                    initial = true;
                }
            }
            i += 1;
            continue;
        }
        let mut word = String::new();
        while i < chars.len() {
            let c = chars[i];
            let joins = matches!(c, '-' | '\'' | '’' | '.')
                && !word.is_empty()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
            if c.is_alphanumeric() || joins {
                word.push(if c == '’' { '\'' } else { c });
                i += 1;
            } else {
                break;
            }
        }
        let capital = word.chars().next().is_some_and(char::is_uppercase)
            && word.chars().any(char::is_lowercase);
        let mut word = word.to_lowercase();
        if let Some(stem) = word.strip_suffix("'s") {
            word = stem.to_string();
        }
        tokens.push(Token {
            word,
            adjacent,
            capital,
            initial,
        });
        adjacent = true;
        initial = false;
    }
    tokens
}

/// Could be a keyword: not a stop word, not a number, long enough.
fn is_term(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let digits = word.chars().filter(|c| c.is_ascii_digit()).count();
    (word.chars().count() >= 3 || SHORT_WORDS.contains(&word))
        && letters > 0
        && digits * 2 <= letters
        && !word.contains('.')
        && !is_stop(word)
}

/// The singular of a regular plural, when the singular is a known word (used on the site
/// or in the background table); else the word.
fn singular(word: &str, known: &dyn Fn(&str) -> bool) -> String {
    if word.chars().count() <= 3
        || NOT_PLURAL.contains(&word)
        || !word.ends_with('s')
        || ["ss", "us", "is", "ics", "ous"].iter().any(|e| word.ends_with(e))
    {
        return word.to_string();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        let y = format!("{stem}y");
        if known(&y) {
            return y;
        }
    }
    if ["sses", "xes", "zes", "ches", "shes"]
        .iter()
        .any(|e| word.ends_with(e))
        && let Some(stem) = word.strip_suffix("es")
        && known(stem)
    {
        return stem.to_string();
    }
    let stem = &word[..word.len() - 1];
    if known(stem) || !word.ends_with("es") {
        return stem.to_string();
    }
    word.to_string()
}

fn name_tokens(company_name: &str) -> HashSet<String> {
    tokenize(company_name)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// The idf of a word: `ln(1 / df)`. A word the table lacks may be an inflection of one it
/// has ("doubled", "walking"): then half the frequency of that word, else [`UNSEEN_DF`].
fn idf(word: &str) -> f64 {
    let df = BACKGROUND.get(word).copied().unwrap_or_else(|| {
        inflection_stems(word)
            .iter()
            .find_map(|stem| BACKGROUND.get(stem.as_str()))
            .map_or(UNSEEN_DF, |df| (df * INFLECTION_DF).max(UNSEEN_DF))
    });
    (1.0 / df).ln()
}

/// The share of its base word's frequency an inflected form is given.
pub const INFLECTION_DF: f64 = 0.5;

/// The words `word` may be an inflection of, most likely first.
fn inflection_stems(word: &str) -> Vec<String> {
    let mut stems = Vec::new();
    for (suffix, replacement) in [
        ("ing", ""),
        ("ing", "e"),
        ("ed", ""),
        ("ed", "e"),
        ("ied", "y"),
        ("ly", ""),
        ("s", ""),
    ] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 3
        {
            stems.push(format!("{stem}{replacement}"));
            // "shipping" → "ship", "planned" → "plan".
            let mut chars = stem.chars();
            if let (Some(last), Some(before)) = (chars.next_back(), chars.next_back())
                && last == before
                && replacement.is_empty()
            {
                stems.push(stem[..stem.len() - last.len_utf8()].to_string());
            }
        }
    }
    stems
}

/// Weight of a page's words in the term counts.
fn page_weight(kind: PageKind) -> f64 {
    match kind {
        PageKind::Careers | PageKind::Pricing => 0.5,
        _ => 1.0,
    }
}

fn tf_weight(tf: f64) -> f64 {
    if tf >= 1.0 { 1.0 + tf.ln() } else { tf }
}

/// The `n` terms that characterise the site most, by TF-IDF (see the module docs).
pub fn keywords(docs: &[Document], n: usize) -> Vec<String> {
    keywords_for("", docs, n)
}

/// [`keywords`] without the words of the company's own name.
pub fn keywords_for(company_name: &str, docs: &[Document], n: usize) -> Vec<String> {
    let excluded = name_tokens(company_name);

    // The site's distinct lines, each counted once, with its weight: headings, titles and
    // descriptions count double, careers and pricing pages half. A line on three or more
    // pages and on most of them is the site's template, not its content.
    struct Line {
        tokens: Vec<Token>,
        weight: f64,
        /// Running text, where a capital inside a sentence marks a name.
        prose: bool,
        pages: usize,
    }
    let mut lines: BTreeMap<String, Line> = BTreeMap::new();
    for doc in docs {
        let page = page_weight(page_kind(doc));
        let mut on_page: Vec<(&str, f64, bool)> = Vec::new();
        on_page.extend(doc.title.iter().map(|t| (t.as_str(), 2.0 * page, false)));
        on_page.extend(doc.description.iter().map(|t| (t.as_str(), 2.0 * page, true)));
        for block in &doc.blocks {
            let heading = matches!(block.kind, BlockKind::Heading(_));
            let weight = if heading { 2.0 * page } else { page };
            on_page.push((block.text.as_str(), weight, !heading));
        }
        let mut seen_here = HashSet::new();
        for (text, weight, prose) in on_page {
            let key = normalised(text);
            if key.is_empty() {
                continue;
            }
            let first_here = seen_here.insert(key.clone());
            let line = lines.entry(key).or_insert_with(|| Line {
                tokens: tokenize(text),
                weight,
                prose,
                pages: 0,
            });
            line.weight = line.weight.max(weight);
            if first_here {
                line.pages += 1;
            }
        }
    }
    let template = |pages: usize| pages >= 3 && pages * 2 > docs.len();
    let lines: Vec<Line> = lines.into_values().filter(|l| !template(l.pages)).collect();

    let vocabulary: HashSet<String> = lines
        .iter()
        .flat_map(|l| l.tokens.iter().map(|t| t.word.clone()))
        .collect();
    let known = |w: &str| vocabulary.contains(w) || BACKGROUND.contains_key(w);
    let canonical: HashMap<&str, String> = vocabulary
        .iter()
        .map(|w| (w.as_str(), singular(w, &known)))
        .collect();
    let canonical_of = |w: &str| canonical.get(w).cloned().unwrap_or_else(|| w.to_string());

    // Names (people, places, customers): never written in lower case, and capitalised
    // inside a sentence of running text, or inside a heading when the word is not in the
    // background table (Title Case headings capitalise ordinary words too).
    #[derive(Default)]
    struct Case {
        lower: u32,
        capital_in_prose: u32,
        capital_in_heading: u32,
    }
    let mut cases: HashMap<String, Case> = HashMap::new();
    for line in &lines {
        for token in &line.tokens {
            let case = cases.entry(canonical_of(&token.word)).or_default();
            if !token.capital {
                case.lower += 1;
            } else if !token.initial && line.prose {
                case.capital_in_prose += 1;
            } else if !token.initial {
                case.capital_in_heading += 1;
            }
        }
    }
    let is_name = |w: &str| {
        cases.get(w).is_some_and(|c| {
            c.lower == 0
                && (c.capital_in_prose > 0
                    || (c.capital_in_heading > 0 && !BACKGROUND.contains_key(w)))
        })
    };

    let mut unigrams: BTreeMap<String, f64> = BTreeMap::new();
    let mut bigrams: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut total_tokens = 0usize;
    for line in &lines {
        let mut previous: Option<String> = None;
        for token in &line.tokens {
            total_tokens += 1;
            let word = canonical_of(&token.word);
            let term = is_term(&token.word)
                && !excluded.contains(&token.word)
                && !excluded.contains(&word)
                && !is_stop(&word)
                && !is_name(&word);
            if !term {
                previous = None;
                continue;
            }
            *unigrams.entry(word.clone()).or_default() += line.weight;
            if token.adjacent
                && let Some(prev) = previous.take()
            {
                *bigrams.entry((prev, word.clone())).or_default() += line.weight;
            }
            previous = Some(word);
        }
    }

    // A term must come up twice, unless the site has little text.
    let min_tf = if total_tokens >= 300 { 2.0 } else { 1.0 };
    let round = |x: f64| (x * 1e6).round() / 1e6;
    // (weight, term, the two words of a phrase)
    type Candidate = (f64, String, Option<(String, String)>);
    let mut candidates: Vec<Candidate> = Vec::new();
    for (word, tf) in &unigrams {
        if *tf >= min_tf {
            candidates.push((round(tf_weight(*tf) * idf(word)), word.clone(), None));
        }
    }
    // Phrases are noun phrases: not "doubled picks" (an unknown "-ed" word is a verb).
    let verb_like = |w: &str| w.ends_with("ed") && !BACKGROUND.contains_key(w);
    for ((a, b), tf) in &bigrams {
        if *tf >= 2.0 && a != b && !verb_like(a) {
            let weight = tf_weight(*tf) * (idf(a) + idf(b)) / 2.0 * PHRASE_BOOST;
            candidates.push((
                round(weight),
                format!("{a} {b}"),
                Some((a.clone(), b.clone())),
            ));
        }
    }
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1)));

    let mut picked: Vec<String> = Vec::new();
    let mut picked_words: HashSet<String> = HashSet::new();
    let mut phrase_uses: HashMap<String, f64> = HashMap::new();
    for (_, term, parts) in candidates {
        if picked.len() >= n {
            break;
        }
        match parts {
            Some((a, b)) => {
                if picked_words.contains(&a) && picked_words.contains(&b) {
                    continue;
                }
                let tf = bigrams.get(&(a.clone(), b.clone())).copied().unwrap_or(0.0);
                *phrase_uses.entry(a).or_default() += tf;
                *phrase_uses.entry(b).or_default() += tf;
                picked.push(term);
            }
            None => {
                // A word used almost only inside a phrase already picked adds nothing.
                let tf = unigrams.get(&term).copied().unwrap_or(0.0);
                let inside = phrase_uses.get(&term).copied().unwrap_or(0.0);
                if inside > 0.0 && tf - inside < min_tf {
                    continue;
                }
                picked_words.insert(term.clone());
                picked.push(term);
            }
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for re in [
            &ISO_DATE,
            &MONTH_DAY_YEAR,
            &DAY_MONTH_YEAR,
            &MONEY,
            &PRICE,
            &PRICE_PER,
            &ROUND,
            &BACKED_BY,
            &FUNDING_WORDS,
            &OPEN_ROLES,
            &HIRING_WORDS,
            &TEAM_COUNT,
            &TEAM_OF,
            &TEAM_CONTEXT,
            &TECH_CONTEXT,
            &CUSTOMER_WORDS,
        ] {
            assert!(re.is_some());
        }
    }

    #[test]
    fn rubric_maxima_add_up_to_100() {
        let total = HIRING_MAX
            + PRICING_PAGE
            + PRICING_TIERS
            + BLOG_MAX
            + CUSTOMERS_MAX
            + FUNDING_FOUND
            + FUNDING_AMOUNT
            + TEAM_FOUND
            + TEAM_50
            + TECHNOLOGY_MAX
            + SOCIAL_MAX
            + SUBSTANCE_WORDS_MAX
            + SUBSTANCE_PAGES;
        assert_eq!(total, 100);
    }

    #[test]
    fn the_background_table_loads() {
        assert!(BACKGROUND.len() > 1000);
        assert!(idf("the") < idf("warehouse"));
    }

    #[test]
    fn dates_round_trip() {
        for days in [-1000, 0, 1, 365, 20_000, 20_729] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        let date = Date::new(2026, 10, 3).unwrap();
        assert_eq!(Date::from_unix_seconds(date.days() * 86_400 + 3600), date);
        assert_eq!(Date::parse_iso("2026-10-03T09:00:00Z"), Some(date));
        assert_eq!(Date::new(2026, 2, 29), None);
        assert_eq!(
            dates_in("Posted Oct 3, 2026 and 3 October 2026, or 2026-10-03."),
            vec![date, date, date]
        );
    }

    #[test]
    fn sentences_split_at_ends_not_amounts() {
        assert_eq!(
            sentences("We raised $1.5M. Acme Inc. builds robots! Why? Because."),
            vec!["We raised $1.5M.", "Acme Inc. builds robots!", "Why?", "Because."]
        );
    }

    #[test]
    fn plurals_merge_when_the_singular_is_known() {
        let known = |w: &str| matches!(w, "robot" | "company" | "process" | "box" | "case");
        assert_eq!(singular("robots", &known), "robot");
        assert_eq!(singular("companies", &known), "company");
        assert_eq!(singular("processes", &known), "process");
        assert_eq!(singular("boxes", &known), "box");
        assert_eq!(singular("cases", &known), "case");
        assert_eq!(singular("analytics", &known), "analytics");
        assert_eq!(singular("business", &known), "business");
        assert_eq!(singular("kubernetes", &known), "kubernetes");
        assert_eq!(singular("news", &known), "news");
    }

    #[test]
    fn amounts_and_team_sizes() {
        let re = MONEY.as_ref().unwrap();
        let shown = |s: &str| money(&re.captures(s).unwrap()).unwrap().1;
        assert_eq!(shown("raised $12M"), "$12M");
        assert_eq!(shown("raised $12 million"), "$12M");
        assert_eq!(shown("€1.5bn"), "€1.5B");
        assert_eq!(shown("$12,000,000"), "$12M");
        assert_eq!(shown("$500K"), "$500K");
        assert_eq!(team_in("We're 50+ people across three offices"), Some((50, "50+".into())));
        assert_eq!(team_in("a team of 25 engineers"), Some((25, "25".into())));
        assert_eq!(team_in("Our 12-person team"), Some((12, "12".into())));
        assert_eq!(team_in("11-50 employees"), Some((11, "11–50".into())));
        assert_eq!(team_in("Over 10,000 people use it"), None);
    }

    #[test]
    fn clip_keeps_within_the_limit() {
        let long = "word ".repeat(100);
        let clipped = clip(&long, 50);
        assert!(clipped.chars().count() <= 50);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip("short", 50), "short");
    }
}
