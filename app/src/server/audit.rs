//! The audit trail, written in one place. Every change a person (or the system on their
//! behalf) makes leaves a row in the same transaction as the change: `case_actions` for
//! cases, `company_actions` for companies, lists and saved searches, `user_audit` for
//! people, `integration_actions` for integrations. The subject decides the table; the
//! kind is checked by the table's enum (or `CHECK`), so a misspelt kind fails the write
//! instead of recording nonsense.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::Viewer;

/// Who made a change, in which tenant. `user_id` is `None` for what the system does by
/// itself (a Google sign-in creating its own account).
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub tenant_id: Uuid,
    pub user_id: Option<Uuid>,
}

impl Actor {
    pub fn system(tenant_id: Uuid) -> Self {
        Actor {
            tenant_id,
            user_id: None,
        }
    }
}

impl From<&Viewer> for Actor {
    fn from(viewer: &Viewer) -> Self {
        Actor {
            tenant_id: viewer.tenant_id,
            user_id: Some(viewer.user_id),
        }
    }
}

/// What a change was made to.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Case(i64),
    Company(i64),
    List(i64),
    /// Saved searches belong to no company or list: their rows carry neither.
    SavedSearch,
    User(Uuid),
    /// The workspace's integrations (the Zoho connection, its runs and webhooks).
    Integration,
}

/// A case's audit rows as every writer inserts them, for a statement that writes them
/// with the change itself (the new case's: server/case_create.rs) followed by its
/// `SELECT` of (tenant, actor, kind, before, after, case). [`record`] writes the same
/// columns.
pub const CASE_ACTIONS_INSERT: &str =
    "INSERT INTO case_actions (tenant_id, actor_id, kind, before, after, case_id)";

/// Companies' audit rows as a set-based writer inserts them (an import's batch:
/// server/imports/write.rs), followed by its `SELECT` of (tenant, actor, kind, before,
/// after, company). [`record`] writes the same columns.
pub const COMPANY_ACTIONS_INSERT: &str =
    "INSERT INTO company_actions (tenant_id, actor_id, kind, before, after, company_id)";

/// Records one change; returns the row's id (live updates carry it for cases, so a
/// page can tell which changes it has already seen).
pub async fn record(
    conn: &mut PgConnection,
    actor: impl Into<Actor>,
    subject: Subject,
    kind: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<i64, sqlx::Error> {
    let actor = actor.into();
    // The columns every table shares, bound first ($1–$5); the subject's come after.
    let query = |sql| {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(actor.tenant_id)
            .bind(actor.user_id)
            .bind(kind)
            .bind(before)
            .bind(after)
    };
    let query = match subject {
        Subject::Case(id) => query(
            "INSERT INTO case_actions (tenant_id, actor_id, kind, before, after, case_id)
             VALUES ($1, $2, $3::case_action_kind, $4, $5, $6) RETURNING id",
        )
        .bind(id),
        Subject::User(id) => query(
            "INSERT INTO user_audit (tenant_id, actor_id, action, before, after, user_id)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id),
        Subject::Integration => query(
            "INSERT INTO integration_actions (tenant_id, actor_id, kind, before, after)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        ),
        Subject::Company(_) | Subject::List(_) | Subject::SavedSearch => {
            let (company, list) = match subject {
                Subject::Company(id) => (Some(id), None),
                Subject::List(id) => (None, Some(id)),
                _ => (None, None),
            };
            query(
                "INSERT INTO company_actions (tenant_id, actor_id, kind, before, after, company_id, list_id)
                 VALUES ($1, $2, $3::company_action_kind, $4, $5, $6, $7) RETURNING id",
            )
            .bind(company)
            .bind(list)
        }
    };
    query.fetch_one(conn).await
}

/// Records one change of the same kind to many cases at once (a bulk action), each with
/// its own `before` (JSON text); returns `(case_id, action_id)` per row.
pub async fn record_cases(
    conn: &mut PgConnection,
    actor: impl Into<Actor>,
    kind: &str,
    case_ids: &[i64],
    befores: &[String],
    after: &Value,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let actor = actor.into();
    sqlx::query_as(
        "INSERT INTO case_actions (tenant_id, case_id, actor_id, kind, before, after)
         SELECT $1, changed.id, $2, $3::case_action_kind, changed.before::jsonb, $4
         FROM unnest($5::bigint[], $6::text[]) AS changed (id, before)
         RETURNING case_id, id",
    )
    .bind(actor.tenant_id)
    .bind(actor.user_id)
    .bind(kind)
    .bind(after)
    .bind(case_ids)
    .bind(befores)
    .fetch_all(conn)
    .await
}

/// Records companies put on or taken off list `list_id`: one row per company.
pub async fn record_list_entries(
    conn: &mut PgConnection,
    actor: impl Into<Actor>,
    kind: &str,
    list_id: i64,
    company_ids: &[i64],
    before: Value,
    after: Value,
) -> Result<(), sqlx::Error> {
    if company_ids.is_empty() {
        return Ok(());
    }
    let actor = actor.into();
    sqlx::query(
        "INSERT INTO company_actions (tenant_id, company_id, list_id, actor_id, kind, before, after)
         SELECT $1, company_id, $2, $3, $4::company_action_kind, $5, $6
         FROM unnest($7::bigint[]) AS company_id",
    )
    .bind(actor.tenant_id)
    .bind(list_id)
    .bind(actor.user_id)
    .bind(kind)
    .bind(before)
    .bind(after)
    .bind(company_ids)
    .execute(conn)
    .await
    .map(|_| ())
}
