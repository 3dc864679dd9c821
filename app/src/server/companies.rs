//! Companies: one page of the list for a filter (keyset, capped count), and adding one
//! with duplicate detection by normalised website.

use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::audit::{self, Subject};
use super::conditions::{Conditions, capped, push_capped_count};
use super::db::{self, end_read, internal, tenant_tx};
use crate::model::{
    AppError, CompanyCursor, CompanyFilter, CompanyPage, CompanyRow, CompanySort, NewCompany,
    Viewer,
};

pub const PAGE_SIZE: usize = 50;

const COLUMNS: &str =
    "c.id, c.name, c.name_key, c.website, c.website_url, c.sector, c.stage, c.location,
    c.score, c.confidence, c.enriched_at, e.status AS enrichment_status, c.created_at";

pub async fn list(
    pool: &PgPool,
    viewer: &Viewer,
    filter: &CompanyFilter,
) -> Result<CompanyPage, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let mut rows = fetch_rows(&mut tx, viewer, filter, Some(PAGE_SIZE + 1)).await?;

    let mut count_query = QueryBuilder::<Postgres>::new("SELECT ");
    push_capped_count(&mut count_query, "companies", |query| {
        push_conditions(query, viewer, filter)
    });
    let counted: i64 = count_query
        .build_query_scalar()
        .fetch_one(&mut *tx)
        .await
        .map_err(internal)?;
    // The distinct sectors, one index probe each (a DISTINCT would read every company).
    let sectors: Vec<String> = sqlx::query_scalar(
        "WITH RECURSIVE sectors AS (
             (SELECT sector FROM companies WHERE tenant_id = $1 AND sector > ''
              ORDER BY sector LIMIT 1)
             UNION ALL
             SELECT (SELECT c.sector FROM companies c
                     WHERE c.tenant_id = $1 AND c.sector > s.sector
                     ORDER BY c.sector LIMIT 1)
             FROM sectors s WHERE s.sector IS NOT NULL
         )
         SELECT sector FROM sectors WHERE sector IS NOT NULL LIMIT 200",
    )
    .bind(viewer.tenant_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;

    let next = if rows.len() > PAGE_SIZE {
        rows.truncate(PAGE_SIZE);
        rows.last().map(|row| cursor_of(row, filter.sort))
    } else {
        None
    };
    Ok(CompanyPage {
        rows,
        count: capped(counted),
        next,
        sectors,
    })
}

/// Every company matching the filter, in its order, for the CSV export (`limit` bounds
/// it).
pub async fn export(
    pool: &PgPool,
    viewer: &Viewer,
    filter: &CompanyFilter,
    limit: usize,
) -> Result<Vec<CompanyRow>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let mut filter = filter.clone();
    filter.after = None;
    let rows = fetch_rows(&mut tx, viewer, &filter, Some(limit)).await?;
    tx.commit().await.map_err(internal)?;
    Ok(rows)
}

async fn fetch_rows(
    tx: &mut sqlx::PgConnection,
    viewer: &Viewer,
    filter: &CompanyFilter,
    limit: Option<usize>,
) -> Result<Vec<CompanyRow>, AppError> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT ");
    query
        .push(COLUMNS)
        .push(" FROM companies c LEFT JOIN enrichments e ON e.company_id = c.id WHERE ");
    push_conditions(&mut query, viewer, filter);
    if let Some(after) = &filter.after {
        push_after(&mut query, after)?;
    }
    query.push(match filter.sort {
        CompanySort::Score => " ORDER BY c.score_rank DESC, c.id DESC",
        CompanySort::Name => " ORDER BY c.name_key, c.id",
        CompanySort::Added => " ORDER BY c.created_at DESC, c.id DESC",
    });
    if let Some(limit) = limit {
        query.push(" LIMIT ").push_bind(limit as i64);
    }
    query
        .build_query_as()
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)
}

fn push_conditions(
    query: &mut QueryBuilder<'_, Postgres>,
    viewer: &Viewer,
    filter: &CompanyFilter,
) {
    let mut conditions = Conditions::for_tenant(query, viewer.tenant_id);
    conditions
        .and_text("c.sector_key = lower({})", &filter.sector)
        .and_some("c.stage = {}", filter.stage)
        .and_some(
            "c.location ILIKE {}",
            (!filter.location.is_empty()).then(|| super::db::contains_pattern(&filter.location)),
        )
        .and_some("c.score_rank >= {}", filter.min_score.map(i16::from))
        // Unscored companies rank -1: a maximum alone would take them in, so it keeps
        // to scored ones.
        .and_some("c.score_rank BETWEEN 0 AND {}", filter.max_score.map(i16::from))
        // Names and websites are indexed as written ('simple'), sector, location and
        // the enrichment's words stemmed ('english'): match the text either way.
        .and_text(
            "c.search @@ (websearch_to_tsquery('simple', {}) || websearch_to_tsquery('english', {}))",
            &filter.q,
        );
    if let Some(list) = filter.list {
        // Only a list the viewer can see: a shared one, or their own.
        conditions
            .and_raw()
            .push(
                "EXISTS (SELECT 1 FROM company_list_items i JOIN company_lists l ON l.id = i.list_id
                  WHERE i.company_id = c.id AND i.list_id = ",
            )
            .push_bind(list)
            .push(" AND (l.owner_id IS NULL OR l.owner_id = ")
            .push_bind(viewer.user_id)
            .push("))");
    }
}

fn push_after(
    query: &mut QueryBuilder<'_, Postgres>,
    after: &CompanyCursor,
) -> Result<(), AppError> {
    // With the tenant fixed by equality, each comparison is an index condition on the
    // sort's index (all columns ascending, see the migration): the scan starts at the
    // marker, so a deep page costs what the first does.
    match after {
        CompanyCursor::Score(score, id) => {
            query
                .push(" AND (c.score_rank, c.id) < (")
                .push_bind(*score)
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        CompanyCursor::Name(name, id) => {
            query
                .push(" AND (c.name_key, c.id) > (")
                .push_bind(name.clone())
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        CompanyCursor::Added(micros, id) => {
            let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(*micros) * 1_000)
                .map_err(|_| {
                    AppError::invalid(
                        "after",
                        "is not a page marker from this list; start from the first page",
                    )
                })?;
            query
                .push(" AND (c.created_at, c.id) < (")
                .push_bind(at)
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
    }
    Ok(())
}

fn cursor_of(row: &CompanyRow, sort: CompanySort) -> CompanyCursor {
    match sort {
        CompanySort::Score => CompanyCursor::Score(row.score.unwrap_or(-1), row.id),
        CompanySort::Name => CompanyCursor::Name(row.name_key.clone(), row.id),
        CompanySort::Added => CompanyCursor::Added(
            (row.created_at.unix_timestamp_nanos() / 1_000) as i64,
            row.id,
        ),
    }
}

/// A company already tracked under the same normalised website.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Existing {
    pub id: i64,
    pub name: String,
}

pub async fn find_by_website(
    pool: &PgPool,
    viewer: &Viewer,
    website_key: &str,
) -> Result<Option<Existing>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let existing = sqlx::query_as("SELECT id, name FROM companies WHERE website = $1")
        .bind(website_key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(existing)
}

/// Adds a company, audited. A website already tracked in the workspace is a 409
/// carrying the existing company (`{"id", "name"}`), also when two people add it at the
/// same moment: the unique index decides, not a look-up before the insert.
pub async fn create(pool: &PgPool, viewer: &Viewer, new: &NewCompany) -> Result<i64, AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO companies (tenant_id, name, website_url, website, sector, stage, location, added_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (tenant_id, website) DO NOTHING
             RETURNING id",
        )
        .bind(viewer.tenant_id)
        .bind(&new.name)
        .bind(&new.website.url)
        .bind(&new.website.key)
        .bind(&new.sector)
        .bind(new.stage)
        .bind(&new.location)
        .bind(viewer.user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            // Each statement sees what committed before it began, so the company that
            // won is visible here.
            let existing: Option<Existing> =
                sqlx::query_as("SELECT id, name FROM companies WHERE website = $1")
                    .bind(&new.website.key)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(existing.as_ref().map_or(AppError::Unavailable, duplicate).into());
        };
        let after = serde_json::json!({
            "name": new.name,
            "website": new.website.url,
            "sector": new.sector,
            "stage": new.stage,
            "location": new.location,
        });
        audit::record(&mut tx, viewer, Subject::Company(id), "create", None, Some(after)).await?;
        crate::server::live::announce_company(&mut tx, viewer.tenant_id, id, "create").await?;
        Ok(id)
    }))
    .await
}

pub fn duplicate(existing: &Existing) -> AppError {
    AppError::Conflict {
        current: serde_json::json!({ "id": existing.id, "name": existing.name }),
    }
}

/// Whether company `id` is one of the viewer's workspace.
pub async fn exists(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<bool, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM companies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(found.is_some())
}

/// One company for its page: details, notes and enrichment (the same for everyone of
/// the workspace, so kept until the company changes: server::caches), and the
/// viewer's own lists and quota.
pub async fn detail(
    pool: &PgPool,
    caches: &super::caches::Caches,
    viewer: &Viewer,
    id: i64,
    limits: &super::config::PlanLimits,
) -> Result<crate::model::CompanyDetail, AppError> {
    let shared = caches
        .company(viewer.tenant_id, id, async {
            let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
            let company = super::company_edit::record(&mut tx, id, false)
                .await
                .map_err(internal)?
                .ok_or(AppError::NotFound)?;
            let notes = super::company_edit::notes(&mut tx, id)
                .await
                .map_err(internal)?;
            let enrichment = super::enrichment::view(&mut tx, id).await?;
            end_read(tx);
            Ok(super::caches::CompanyShared {
                company,
                notes,
                enrichment,
            })
        })
        .await?;
    let super::caches::CompanyShared {
        company,
        notes,
        enrichment,
    } = std::sync::Arc::unwrap_or_clone(shared);
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let lists: Vec<crate::model::ListRef> = sqlx::query_as(
        "SELECT l.id, l.name, l.owner_id IS NULL AS shared
         FROM company_list_items i JOIN company_lists l ON l.id = i.list_id
         WHERE i.company_id = $1 AND (l.owner_id IS NULL OR l.owner_id = $2)
         ORDER BY l.owner_id IS NULL, lower(l.name), l.id",
    )
    .bind(id)
    .bind(viewer.user_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let quota = super::enrichment::quota(&mut tx, viewer, limits)
        .await
        .map_err(internal)?;
    end_read(tx);
    Ok(crate::model::CompanyDetail {
        company,
        notes,
        lists,
        enrichment,
        quota,
    })
}
