//! Unit tests of the analyser's parts; tests/heuristic.rs runs it on whole sites.

use super::dates::dates_in;
use super::keywords::{BACKGROUND, idf, singular};
use super::patterns::{
    BACKED_BY, CUSTOMER_WORDS, DAY_MONTH_YEAR, FUNDING_WORDS, HIRING_WORDS, ISO_DATE, MONEY,
    MONTH_DAY_YEAR, OPEN_ROLES, PRICE, PRICE_PER, ROUND, TEAM_CONTEXT, TEAM_COUNT, TEAM_OF,
    TECH_CONTEXT,
};
use super::signals::{money, team_in};
use super::text::{clip, sentences};
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
        vec![
            "We raised $1.5M.",
            "Acme Inc. builds robots!",
            "Why?",
            "Because."
        ]
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
    assert_eq!(
        team_in("We're 50+ people across three offices"),
        Some((50, "50+".into()))
    );
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
