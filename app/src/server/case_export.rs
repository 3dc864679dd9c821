//! The cases of a queue's filter, whole rows in the queue's order, for the CSV export
//! (`/work.csv`, `/cases.csv`): the same conditions as the page (server/cases.rs), so
//! the file holds exactly what the table pages through.

use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::cases::{Scope, push_conditions};
use super::db::{end_read, internal, tenant_tx};
use crate::model::{AppError, CaseFilter, CasePriority, CaseSort, CaseSource, CaseStatus, Viewer};

/// One case as the export writes it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportedCase {
    pub number: i32,
    pub title: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub customer_company: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub source: CaseSource,
    pub assignee_email: Option<String>,
    pub assignee_name: Option<String>,
    pub archived: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

/// Up to `limit` cases of `scope` matching `filter` (from the first: its page marker
/// is ignored), in the filter's order.
pub async fn export(
    pool: &PgPool,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
    limit: usize,
) -> Result<Vec<ExportedCase>, AppError> {
    let mut query = QueryBuilder::<Postgres>::new(
        "SELECT c.number, c.title, c.customer_name, c.customer_email, c.customer_phone,
                c.customer_company, c.status, c.priority, c.source, u.email AS assignee_email,
                u.display_name AS assignee_name, c.archived, c.created_at, c.updated_at,
                c.closed_at
         FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE ",
    );
    push_conditions(&mut query, viewer, scope, filter);
    query.push(match filter.sort {
        CaseSort::Updated => " ORDER BY c.updated_at DESC, c.id DESC",
        CaseSort::Created => " ORDER BY c.created_at DESC, c.id DESC",
        CaseSort::Priority => " ORDER BY c.priority DESC, c.updated_at DESC, c.id DESC",
    });
    query.push(" LIMIT ").push_bind(limit as i64);
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let rows = query
        .build_query_as()
        .fetch_all(&mut *tx)
        .await
        .map_err(internal)?;
    end_read(tx);
    Ok(rows)
}
