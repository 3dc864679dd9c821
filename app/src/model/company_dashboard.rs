//! The analyst's dashboard: the companies' scores, sectors and stages, what was
//! enriched lately, whose score moved most, and the analyst's own lists.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::CompanyStage;

/// How many sectors the sector × stage table lists (the largest first).
pub const SECTOR_ROWS: usize = 12;

/// A score band of the histogram: tens, with 90–100 together.
pub fn score_band_range(band: usize) -> (u8, u8) {
    let low = (band.min(9) * 10) as u8;
    (low, if band >= 9 { 100 } else { low + 9 })
}

/// One cell of the sector × stage table: how many companies, and their mean score
/// (`None` when none of them is scored).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SectorCell {
    pub stage: Option<CompanyStage>,
    pub companies: i64,
    pub mean_score: Option<f64>,
}

/// A sector's row: its cells per stage (only those with companies) and its total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectorRow {
    /// As most of its companies spell it; empty: companies with no sector.
    pub sector: String,
    pub cells: Vec<SectorCell>,
    pub companies: i64,
    pub mean_score: Option<f64>,
}

/// A company in a dashboard list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyLine {
    pub id: i64,
    pub name: String,
    pub score: Option<i16>,
    /// The score before the last enrichment (the "biggest changes" list).
    pub previous_score: Option<i16>,
    pub at: Option<OffsetDateTime>,
}

/// One of the analyst's own lists, with its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnList {
    pub id: i64,
    pub name: String,
    pub companies: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalystDashboard {
    /// When these figures were read (a dashboard may be a few seconds old: the
    /// figures cache, server/dashboard/cache.rs).
    pub read_at: OffsetDateTime,
    /// Which read of the figures these are: unique within the process that read them
    /// (a dashboard served from the figures cache is the same read). The server draws
    /// each read's charts once (`components::reading_memo`).
    pub reading: u64,
    pub companies: i64,
    /// Scored companies per band, 0–9 … 90–100.
    pub bands: Vec<i64>,
    pub unscored: i64,
    /// The stages any company has, in the order companies grow (`None`: no stage
    /// given), as the sector table's columns.
    pub stages: Vec<Option<CompanyStage>>,
    /// The largest sectors (at most [`SECTOR_ROWS`]), and how many others there are.
    pub sectors: Vec<SectorRow>,
    pub other_sectors: i64,
    pub recently_enriched: Vec<CompanyLine>,
    pub biggest_changes: Vec<CompanyLine>,
    pub own_lists: Vec<OwnList>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_every_score_once() {
        let mut covered = vec![0; 101];
        for band in 0..10 {
            let (low, high) = score_band_range(band);
            for score in low..=high {
                covered[score as usize] += 1;
            }
        }
        assert!(covered.iter().all(|n| *n == 1), "{covered:?}");
    }
}
