//! The rubric's points (see the tables in the [module docs](super)) and the confidence:
//! the constants each signal scores with, and what the amount of text read adds.

use crate::types::Confidence;

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

/// Points for the amount of text read (see the rubric).
pub(super) fn substance_points(words: usize, pages: usize) -> u32 {
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
pub(super) fn confidence(pages: usize, words: usize, signals: usize) -> Confidence {
    if pages >= 4 && words >= 800 && signals >= 5 {
        Confidence::High
    } else if (pages >= 2 && words >= 250 && signals >= 2) || (words >= 600 && signals >= 3) {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}
