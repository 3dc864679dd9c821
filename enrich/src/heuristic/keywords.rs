//! Keywords: TF-IDF of the site's words and two-word phrases against the bundled
//! background table of generic web pages (see the [module docs](super)).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use super::pages::{PageKind, page_kind};
use super::text::normalised;
use crate::extract::{BlockKind, Document};

/// The document frequency assumed for a word the background table does not list.
pub const UNSEEN_DF: f64 = 0.005;
/// Two-word phrases: the factor on the mean idf of their words.
pub const PHRASE_BOOST: f64 = 1.5;
/// How many keywords [`analyse`](super::analyse) reports.
pub const KEYWORDS: usize = 10;

/// The bundled background: the share of generic web pages using each word.
pub(super) static BACKGROUND: LazyLock<HashMap<&'static str, f64>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    let mut df = None;
    for line in include_str!("background.txt").lines() {
        let line = line.trim();
        if let Some(value) = line.strip_prefix("## ") {
            df = value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|d| *d > 0.0 && *d < 1.0);
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

#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "across", "after", "again", "against", "all", "almost", "along",
    "also", "although", "always", "am", "among", "an", "and", "another", "any", "anyone",
    "anything", "are", "around", "as", "at", "away", "back", "be", "because", "been",
    "before", "being", "below", "best", "better", "between", "both", "but", "by", "can",
    "cannot", "could", "did", "do", "does", "doing", "done", "down", "during", "each",
    "either", "else", "enough", "etc", "even", "ever", "every", "everything", "few",
    "first", "for", "from", "further", "get", "gets", "getting", "give", "go", "going",
    "good", "got", "great", "had", "has", "have", "having", "he", "her", "here", "hers",
    "him", "his", "how", "however", "i", "if", "in", "inc", "into", "is", "it", "its",
    "itself", "just", "keep", "know", "last", "least", "less", "let", "like", "llc", "ltd",
    "made", "make", "makes", "making", "many", "may", "me", "might", "more", "most", "much",
    "must", "my", "need", "needs", "never", "new", "next", "no", "none", "nor", "not",
    "now", "of", "off", "often", "on", "once", "one", "only", "onto", "or", "other",
    "others", "our", "ours", "ourselves", "out", "over", "own", "per", "perhaps", "please",
    "put", "rather", "really", "right", "same", "see", "seen", "several", "shall", "she",
    "should", "since", "so", "some", "something", "still", "such", "take", "than", "that",
    "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they",
    "thing", "things", "this", "those", "though", "through", "thus", "to", "today",
    "together", "too", "toward", "towards", "two", "three", "under", "until", "up", "upon",
    "us", "use", "used", "uses", "using", "very", "via", "want", "was", "way", "ways", "we",
    "well", "were", "what", "whatever", "when", "where", "whether", "which", "while", "who",
    "whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet",
    "you", "your", "yours", "yourself", "we're", "you're", "it's", "don't", "can't",
    "won't", "let's", "we've", "you'll", "we'll", "i'm", "isn't", "didn't", "doesn't",
    "that's", "there's", "here's", "what's", "able", "ago", "already", "came", "come",
    "comes", "day", "days", "each", "lot", "lots", "mr", "ms", "said", "say", "says",
    "soon", "sure", "year", "years", "month", "months", "week", "weeks", "time", "times",
    "help", "helps", "work", "works", "start", "started", "yes", "zero", "four", "five",
    "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty",
    "thirty", "forty", "fifty", "hundred", "hundreds", "thousand", "thousands", "million",
    "millions", "dozen", "half", "twice", "coming", "hello", "welcome", "posted", "soon",
    "anyway", "everyone",
];

/// Words of the site's furniture, never characteristic of a company.
#[rustfmt::skip]
const BOILERPLATE_WORDS: &[&str] = &[
    "cookie", "cookies", "privacy", "policy", "terms", "conditions", "login", "log",
    "logout", "sign", "signup", "sign-in", "sign-up", "account", "password", "copyright",
    "reserved", "rights", "menu", "skip", "navigation", "javascript", "browser",
    "newsletter", "subscribe", "unsubscribe", "email", "e-mail", "contact", "home", "page",
    "click", "website", "site", "homepage", "follow", "share", "tweet", "facebook",
    "twitter", "linkedin", "instagram", "youtube", "github", "careers", "career", "blog",
    "faq", "read", "learn", "view", "demo", "book", "request", "free", "trial", "pricing",
    "price", "plan", "plans", "month", "mo", "annual", "annually", "billed", "apply", "job",
    "jobs", "role", "roles", "remote", "full-time", "part-time", "hybrid", "post", "posts",
    "min", "minute", "minutes", "cta",
];

#[rustfmt::skip]
const SHORT_WORDS: &[&str] = &[
    "ai", "ml", "ar", "vr", "3d", "ev", "hr", "ux", "ui", "qa", "bi",
];

/// Words ending in "s" that are not plurals.
#[rustfmt::skip]
const NOT_PLURAL: &[&str] = &[
    "news", "series", "species", "sales", "kubernetes", "aws", "always", "perhaps",
    "whereas", "canvas", "atlas", "alias", "bias", "gas", "christmas", "chaos", "kudos",
    "macos", "ios", "lens", "thanks", "sometimes", "besides", "towards", "afterwards",
    "unless", "yes", "ops", "devops", "mlops", "finops", "gitops", "dataops", "texas",
    "vegas", "paris", "athens", "wales", "mars", "physics", "economics", "ethics",
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
pub(super) fn singular(word: &str, known: &dyn Fn(&str) -> bool) -> String {
    if word.chars().count() <= 3
        || NOT_PLURAL.contains(&word)
        || !word.ends_with('s')
        || ["ss", "us", "is", "ics", "ous"]
            .iter()
            .any(|e| word.ends_with(e))
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

pub(super) fn name_tokens(company_name: &str) -> HashSet<String> {
    tokenize(company_name)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// The idf of a word: `ln(1 / df)`. A word the table lacks may be an inflection of one it
/// has ("doubled", "walking"): then half the frequency of that word, else [`UNSEEN_DF`].
pub(super) fn idf(word: &str) -> f64 {
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
        on_page.extend(
            doc.description
                .iter()
                .map(|t| (t.as_str(), 2.0 * page, true)),
        );
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
    // (weight, term, its two words when a phrase)
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
