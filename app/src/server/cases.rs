//! The work queue: one page of cases for a filter, by keyset, with a capped count.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::conditions::{self, Conditions, capped};
use super::db::{end_read, internal, tenant_tx};
use crate::model::{AppError, CaseFilter, CasePage, CaseRow, CaseSort, Cursor, Viewer};

pub const PAGE_SIZE: usize = 100;

/// Whose cases a queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The viewer's own queue.
    Mine,
    /// Every case of the tenant (admins).
    Everyone,
    Unassigned,
    AssignedTo(Uuid),
}

impl Scope {
    /// The team view's `assignee` URL parameter: empty for everyone, `unassigned`, or a
    /// user id.
    pub fn from_assignee_param(value: Option<&str>) -> Result<Self, AppError> {
        match value.map(str::trim) {
            None | Some("") => Ok(Self::Everyone),
            Some("unassigned") => Ok(Self::Unassigned),
            Some(id) => Uuid::parse_str(id)
                .map(Self::AssignedTo)
                .map_err(|_| AppError::invalid("assignee", "is not someone in this workspace")),
        }
    }
}

/// Active people who work cases, by name, for the assignee filter (kept per
/// workspace until someone joins, leaves or is renamed: server::caches).
pub async fn assignees(
    pool: &PgPool,
    caches: &super::caches::Caches,
    viewer: &Viewer,
) -> Result<Vec<crate::model::Assignee>, AppError> {
    caches
        .people(viewer.tenant_id, async {
            let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
            let people = sqlx::query_as(
                "SELECT id, display_name FROM users
                 WHERE active AND role IN ('employee', 'admin')
                 ORDER BY lower(display_name), id",
            )
            .fetch_all(&mut *tx)
            .await
            .map_err(internal)?;
            end_read(tx);
            Ok(people)
        })
        .await
}

pub async fn queue(
    pool: &PgPool,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) -> Result<CasePage, AppError> {
    let mut query = page_statement("", viewer, scope, filter)?;
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let found = query.build().fetch_all(&mut *tx).await.map_err(internal)?;

    let (counted, as_of): (i64, OffsetDateTime) = match found.first() {
        Some(first) => (
            first.try_get(MATCHING).map_err(internal)?,
            first.try_get(MATCHING + 1).map_err(internal)?,
        ),
        // No row to carry the count: a filter matching nothing, or a page marker past
        // the end of a list that still has matches.
        None => {
            let mut count_query = QueryBuilder::<Postgres>::new("SELECT ");
            push_capped_count(&mut count_query, viewer, scope, filter);
            count_query.push(", now()");
            count_query
                .build_query_as()
                .fetch_one(&mut *tx)
                .await
                .map_err(internal)?
        }
    };
    end_read(tx);

    let mut rows = found
        .iter()
        .map(case_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    let next = if rows.len() > PAGE_SIZE {
        rows.truncate(PAGE_SIZE);
        rows.last().map(|row| cursor_of(row, filter.sort))
    } else {
        None
    };
    let count = capped(counted);
    Ok(CasePage {
        rows: rows.into(),
        count,
        next,
        as_of_micros: (as_of.unix_timestamp_nanos() / 1_000) as i64,
    })
}

/// The statement [`queue`] runs for a page: its rows, one more to tell whether a next
/// page exists, the capped count and the database's clock. `prefix` goes before it, so
/// that the tests can `EXPLAIN` exactly this statement (the query plans it relies on are
/// in bench/EXPLAIN.md); [`queue`] passes "".
pub fn page_statement(
    prefix: &str,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) -> Result<QueryBuilder<'static, Postgres>, AppError> {
    // One statement for the page and its count: the count is an uncorrelated subquery,
    // which PostgreSQL runs once (an InitPlan) and repeats on every row. Asking for it
    // separately cost the page a round trip (bench/RESULTS.md).
    let mut query = QueryBuilder::<Postgres>::new(prefix);
    query.push(
        "SELECT c.id, c.number, c.title, c.customer_name, c.status, c.priority, c.updated_at, c.created_at,
                c.version, c.last_comment, ",
    );
    push_capped_count(&mut query, viewer, scope, filter);
    // The database's clock for the page's "as of" (a bulk action on all matching skips
    // what changed after it), and for its relative times.
    query.push(" AS matching, now() AS as_of FROM cases c WHERE ");
    push_conditions(&mut query, viewer, scope, filter);
    if let Some(after) = &filter.after {
        push_after(&mut query, filter.sort, after)?;
    }
    query.push(match filter.sort {
        CaseSort::Updated => " ORDER BY c.updated_at DESC, c.id DESC",
        CaseSort::Created => " ORDER BY c.created_at DESC, c.id DESC",
        CaseSort::Priority => " ORDER BY c.priority DESC, c.updated_at DESC, c.id DESC",
    });
    // One extra row says whether there is a next page.
    query.push(" LIMIT ").push_bind((PAGE_SIZE + 1) as i64);
    Ok(query)
}

/// The column of the page query's count; the clock follows it.
const MATCHING: usize = 10;

/// A page row, its columns read by position and without sqlx's per-value type check:
/// a page decodes a thousand values, and looking each up by name and comparing the
/// enum columns' type descriptions was an eighth of the request's instructions
/// (bench/RESULTS.md). The columns are the query's own, above; a value of another type
/// would still fail to decode (wrong length, unknown label), never be misread.
fn case_row(row: &PgRow) -> Result<CaseRow, sqlx::Error> {
    Ok(CaseRow {
        id: row.try_get_unchecked(0)?,
        number: row.try_get_unchecked(1)?,
        title: row.try_get_unchecked(2)?,
        customer_name: row.try_get_unchecked(3)?,
        status: row.try_get_unchecked(4)?,
        priority: row.try_get_unchecked(5)?,
        updated_at: row.try_get_unchecked(6)?,
        created_at: row.try_get_unchecked(7)?,
        version: row.try_get_unchecked(8)?,
        last_comment: row.try_get_unchecked(9)?,
    })
}

/// `(SELECT count(*) …)` of the filter's matches, stopping one past the cap; from the
/// tallies when they can answer it.
fn push_capped_count(
    query: &mut QueryBuilder<'_, Postgres>,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) {
    if tallied(filter) {
        push_tallied_count(query, viewer, scope, filter);
    } else {
        conditions::push_capped_count(query, "cases", |query| {
            push_conditions(query, viewer, scope, filter)
        });
    }
}

/// Whether the filter narrows by nothing but what `case_tallies` is kept by (assignee,
/// status, priority, archived). The page's `after` marker moves the page, not the count.
fn tallied(filter: &CaseFilter) -> bool {
    filter.source.is_none()
        && filter.opened.is_none()
        && filter.closed.is_none()
        && filter.q.is_empty()
}

/// The count as the sum of the tallies the triggers keep in every writing transaction
/// (migrations/20261208000001_case_tallies.sql): exact, in the statement's snapshot,
/// and a few index entries where counting the cases walks up to 10,001 of them (3 of
/// the team queue's 4 ms a page at a million cases, bench/RESULTS.md).
fn push_tallied_count(
    query: &mut QueryBuilder<'_, Postgres>,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) {
    query.push("(SELECT coalesce(sum(c.n), 0)::int8 FROM case_tallies c WHERE ");
    let mut conditions = Conditions::for_tenant(query, viewer.tenant_id);
    match scope {
        Scope::Mine => conditions
            .and_sql("c.per_assignee")
            .and("c.assignee_id = {}", viewer.user_id),
        Scope::AssignedTo(user) => conditions
            .and_sql("c.per_assignee")
            .and("c.assignee_id = {}", user),
        Scope::Unassigned => conditions.and_sql("c.per_assignee AND c.assignee_id IS NULL"),
        Scope::Everyone => conditions.and_sql("NOT c.per_assignee"),
    };
    if !filter.any_archived {
        conditions.and("c.archived = {}", filter.archived);
    }
    conditions
        .and_any("c.status", &filter.statuses)
        .and_some("c.priority = {}", filter.priority);
    query.push(")");
}

pub(super) fn push_conditions(
    query: &mut QueryBuilder<'_, Postgres>,
    viewer: &Viewer,
    scope: Scope,
    filter: &CaseFilter,
) {
    let mut conditions = Conditions::for_tenant(query, viewer.tenant_id);
    match scope {
        Scope::Mine => conditions.and("c.assignee_id = {}", viewer.user_id),
        Scope::AssignedTo(user) => conditions.and("c.assignee_id = {}", user),
        Scope::Unassigned => conditions.and_sql("c.assignee_id IS NULL"),
        Scope::Everyone => &mut conditions,
    };
    if !filter.any_archived {
        conditions.and("c.archived = {}", filter.archived);
    }
    conditions
        .and_any("c.status", &filter.statuses)
        .and_some("c.priority = {}", filter.priority)
        .and_some("c.source = {}", filter.source)
        .and_some("c.created_at >= {}", filter.opened.map(|r| r.bounds().0))
        .and_some("c.created_at < {}", filter.opened.map(|r| r.bounds().1))
        .and_some("c.closed_at >= {}", filter.closed.map(|r| r.bounds().0))
        .and_some("c.closed_at < {}", filter.closed.map(|r| r.bounds().1))
        .and_text("c.search @@ websearch_to_tsquery('english', {})", &filter.q);
}

fn push_after(
    query: &mut QueryBuilder<'_, Postgres>,
    sort: CaseSort,
    after: &Cursor,
) -> Result<(), AppError> {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(after.at_micros) * 1_000)
        .map_err(|_| {
            AppError::invalid(
                "after",
                "is not a page marker from this list; start from the first page",
            )
        })?;
    match (sort, after.priority) {
        (CaseSort::Updated, _) => {
            query
                .push(" AND (c.updated_at, c.id) < (")
                .push_bind(at)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        (CaseSort::Created, _) => {
            query
                .push(" AND (c.created_at, c.id) < (")
                .push_bind(at)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        (CaseSort::Priority, Some(priority)) => {
            query
                .push(" AND (c.priority, c.updated_at, c.id) < (")
                .push_bind(priority)
                .push(", ")
                .push_bind(at)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        (CaseSort::Priority, None) => {
            return Err(AppError::invalid(
                "after",
                "is not a page marker from this list; start from the first page",
            ));
        }
    }
    Ok(())
}

fn cursor_of(row: &CaseRow, sort: CaseSort) -> Cursor {
    let micros = |at: OffsetDateTime| (at.unix_timestamp_nanos() / 1_000) as i64;
    match sort {
        CaseSort::Updated => Cursor {
            priority: None,
            at_micros: micros(row.updated_at),
            id: row.id,
        },
        CaseSort::Created => Cursor {
            priority: None,
            at_micros: micros(row.created_at),
            id: row.id,
        },
        CaseSort::Priority => Cursor {
            priority: Some(row.priority),
            at_micros: micros(row.updated_at),
            id: row.id,
        },
    }
}
