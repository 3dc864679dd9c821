//! The analyst's dashboard: the score histogram and the sector × stage table from the
//! companies' counters (`company_tallies`, kept by the companies' own writes: a few
//! hundred rows, not 100,000 companies), and short lists read through their indexes.

use std::collections::HashMap;

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::model::{
    AnalystDashboard, AppError, CompanyLine, CompanyStage, OwnList, SECTOR_ROWS, SectorCell,
    SectorRow, Viewer,
};
use crate::server::db::{self, internal};

/// How many companies the dashboard's lists show.
const LIST_LENGTH: i64 = 5;
/// How many of the analyst's lists it shows.
const OWN_LISTS: i64 = 10;

type TallyRow = (String, Option<CompanyStage>, Option<i16>, i32, i64);
type LineRow = (
    i64,
    String,
    Option<i16>,
    Option<i16>,
    Option<OffsetDateTime>,
);

/// What every analyst of the viewer's workspace sees alike (`own_lists` left empty).
pub async fn analyst(pool: &sqlx::PgPool, viewer: &Viewer) -> Result<AnalystDashboard, AppError> {
    let mut tx = db::tenant_tx(pool, viewer.tenant_id).await?;
    let tallies: Vec<TallyRow> = sqlx::query_as(
        "SELECT sector, stage, band, n, score_sum FROM company_tallies
         WHERE tenant_id = $1 AND n <> 0",
    )
    .bind(viewer.tenant_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let recently_enriched = lines(
        &mut tx,
        "SELECT c.id, c.name, c.score, e.previous_score, c.enriched_at
         FROM companies c LEFT JOIN enrichments e ON e.company_id = c.id
         WHERE c.tenant_id = $1 AND c.enriched_at IS NOT NULL
         ORDER BY c.enriched_at DESC LIMIT $2",
        viewer,
    )
    .await?;
    // Along `enrichments_score_change_idx`, already in this order.
    let biggest_changes = lines(
        &mut tx,
        "SELECT c.id, c.name, e.score, e.previous_score, e.enriched_at
         FROM enrichments e JOIN companies c ON c.id = e.company_id
         WHERE e.tenant_id = $1 AND e.previous_score IS NOT NULL AND e.score IS NOT NULL
           AND e.score <> e.previous_score
         ORDER BY abs(e.score - e.previous_score) DESC, e.enriched_at DESC LIMIT $2",
        viewer,
    )
    .await?;
    db::end_read(tx);
    let mut dashboard = summarise(tallies);
    dashboard.recently_enriched = recently_enriched;
    dashboard.biggest_changes = biggest_changes;
    Ok(dashboard)
}

/// The viewer's own lists (at most [`OWN_LISTS`]) and their sizes: read on every view,
/// so that the figures above can be one value for the whole workspace.
pub async fn own_lists(pool: &sqlx::PgPool, viewer: &Viewer) -> Result<Vec<OwnList>, AppError> {
    let mut tx = db::tenant_tx(pool, viewer.tenant_id).await?;
    let own_lists: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT l.id, l.name, (SELECT count(*) FROM company_list_items i WHERE i.list_id = l.id)
         FROM company_lists l WHERE l.tenant_id = $1 AND l.owner_id = $2
         ORDER BY lower(l.name), l.id LIMIT $3",
    )
    .bind(viewer.tenant_id)
    .bind(viewer.user_id)
    .bind(OWN_LISTS)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    Ok(own_lists
        .into_iter()
        .map(|(id, name, companies)| OwnList {
            id,
            name,
            companies,
        })
        .collect())
}

async fn lines(
    conn: &mut PgConnection,
    sql: &str,
    viewer: &Viewer,
) -> Result<Vec<CompanyLine>, AppError> {
    let rows: Vec<LineRow> = sqlx::query_as(sql)
        .bind(viewer.tenant_id)
        .bind(LIST_LENGTH)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, score, previous_score, at)| CompanyLine {
            id,
            name,
            score,
            previous_score,
            at,
        })
        .collect())
}

/// Sums (count, scored count, score sum).
#[derive(Default, Clone, Copy)]
struct Sums {
    companies: i64,
    scored: i64,
    score_sum: i64,
}

impl Sums {
    fn add(&mut self, band: Option<i16>, n: i64, score_sum: i64) {
        self.companies += n;
        if band.is_some() {
            self.scored += n;
            self.score_sum += score_sum;
        }
    }

    fn mean(self) -> Option<f64> {
        (self.scored > 0).then(|| self.score_sum as f64 / self.scored as f64)
    }
}

/// The histogram and the sector table from the counters. Sectors that differ only in
/// case are one sector (the companies filter matches them so), named as most of its
/// companies spell it.
fn summarise(tallies: Vec<TallyRow>) -> AnalystDashboard {
    let mut bands = vec![0i64; 10];
    let mut unscored = 0;
    let mut companies = 0;
    let mut stages: Vec<Option<CompanyStage>> = Vec::new();
    struct Sector {
        spellings: HashMap<String, i64>,
        total: Sums,
        cells: HashMap<Option<CompanyStage>, Sums>,
    }
    let mut sectors: HashMap<String, Sector> = HashMap::new();
    for (sector, stage, band, n, score_sum) in tallies {
        let n = i64::from(n);
        companies += n;
        match band {
            Some(band) => bands[(band.clamp(0, 9)) as usize] += n,
            None => unscored += n,
        }
        if !stages.contains(&stage) {
            stages.push(stage);
        }
        let trimmed = sector.trim();
        let entry = sectors
            .entry(trimmed.to_lowercase())
            .or_insert_with(|| Sector {
                spellings: HashMap::new(),
                total: Sums::default(),
                cells: HashMap::new(),
            });
        *entry.spellings.entry(trimmed.to_string()).or_default() += n;
        entry.total.add(band, n, score_sum);
        entry
            .cells
            .entry(stage)
            .or_default()
            .add(band, n, score_sum);
    }
    // The order companies grow in; no stage last.
    stages.sort_by_key(|stage| (stage.is_none(), *stage));
    let mut rows: Vec<SectorRow> = sectors
        .into_values()
        .filter(|sector| sector.total.companies > 0)
        .map(|sector| {
            let name = sector
                .spellings
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(name, _)| name.clone())
                .unwrap_or_default();
            let mut cells: Vec<SectorCell> = sector
                .cells
                .into_iter()
                .filter(|(_, sums)| sums.companies > 0)
                .map(|(stage, sums)| SectorCell {
                    stage,
                    companies: sums.companies,
                    mean_score: sums.mean(),
                })
                .collect();
            cells.sort_by_key(|cell| (cell.stage.is_none(), cell.stage));
            SectorRow {
                sector: name,
                cells,
                companies: sector.total.companies,
                mean_score: sector.total.mean(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.companies
            .cmp(&a.companies)
            .then_with(|| a.sector.cmp(&b.sector))
    });
    let other_sectors = rows.len().saturating_sub(SECTOR_ROWS) as i64;
    rows.truncate(SECTOR_ROWS);
    AnalystDashboard {
        read_at: OffsetDateTime::now_utc(),
        reading: super::next_reading(),
        companies,
        bands,
        unscored,
        stages,
        sectors: rows,
        other_sectors,
        recently_enriched: Vec::new(),
        biggest_changes: Vec::new(),
        own_lists: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_merge_their_spellings_and_means_count_only_scored_companies() {
        let board = summarise(vec![
            ("Fintech".into(), Some(CompanyStage::Seed), Some(7), 3, 225),
            ("fintech".into(), Some(CompanyStage::Seed), None, 1, 0),
            ("Fintech".into(), None, Some(9), 1, 95),
            ("Health".into(), Some(CompanyStage::Growth), Some(4), 2, 90),
            ("".into(), None, None, 4, 0),
        ]);
        assert_eq!(board.companies, 11);
        assert_eq!(board.unscored, 5);
        assert_eq!(board.bands[7], 3);
        assert_eq!(board.bands[9], 1);
        assert_eq!(
            board.stages,
            [Some(CompanyStage::Seed), Some(CompanyStage::Growth), None]
        );
        let fintech = &board.sectors[0];
        assert_eq!(fintech.sector, "Fintech");
        assert_eq!(fintech.companies, 5);
        assert_eq!(fintech.mean_score, Some(80.0));
        assert_eq!(fintech.cells[0].companies, 4);
        assert_eq!(fintech.cells[0].mean_score, Some(75.0));
        let none = board
            .sectors
            .iter()
            .find(|s| s.sector.is_empty())
            .expect("no sector");
        assert_eq!(none.mean_score, None);
        assert_eq!(board.other_sectors, 0);
    }
}
