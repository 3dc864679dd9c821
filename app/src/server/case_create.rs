//! Creating a case: the one door every channel goes through (the New case form now,
//! the public inquiry form, the API and CSV import later), so a case is numbered,
//! audited, counted on the dashboards and announced the same way whoever makes it.
//! One transaction: take the tenant's next number, insert the case, its first comment
//! and their audit rows (one statement), announce it; the dashboards' counters follow
//! by trigger.

use serde_json::json;
use sqlx::PgConnection;
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{self, Actor};
use super::case_edit::may_assign;
use super::db;
use super::live::{self, Announced};
use crate::model::{AppError, CaseSource, NewCase, Viewer};

/// Who is creating the case, which decides its source and who may be its assignee.
#[derive(Debug, Clone, Copy)]
pub enum Channel<'a> {
    /// A signed-in employee or admin, with the New case form.
    Person(&'a Viewer),
    /// An API key's service identity (`POST /api/v1/cases`).
    Api(&'a Viewer),
    /// A stranger, through the workspace's public inquiry form (`sender`: the name
    /// they gave). Its assignee was chosen by the form's own rules, under its lock.
    WebForm { tenant_id: Uuid, sender: &'a str },
}

impl Channel<'_> {
    fn tenant_id(&self) -> Uuid {
        match self {
            Channel::Person(viewer) | Channel::Api(viewer) => viewer.tenant_id,
            Channel::WebForm { tenant_id, .. } => *tenant_id,
        }
    }

    fn source(&self) -> CaseSource {
        match self {
            Channel::Person(_) => CaseSource::Manual,
            Channel::Api(_) => CaseSource::Api,
            Channel::WebForm { .. } => CaseSource::WebForm,
        }
    }

    fn actor(&self) -> Actor {
        match self {
            Channel::Person(viewer) | Channel::Api(viewer) => Actor::from(*viewer),
            Channel::WebForm { tenant_id, .. } => Actor::system(*tenant_id),
        }
    }

    /// Who the thread and the audit trail name when the author is not a member.
    fn outside_author(&self) -> Option<String> {
        match self {
            Channel::Person(_) | Channel::Api(_) => None,
            Channel::WebForm { sender, .. } => Some(format!("{sender} (web form)")),
        }
    }
}

/// What a created case is known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    pub number: i32,
}

/// Creates `new` (already parsed, see [`NewCase::parse`]) through `channel`.
pub async fn create(
    pool: &PgPool,
    channel: Channel<'_>,
    new: &NewCase,
) -> Result<Created, AppError> {
    db::write(pool, channel.tenant_id(), |mut tx| {
        Box::pin(async move {
            match channel {
                Channel::Person(viewer) | Channel::Api(viewer) => {
                    may_assign(&mut tx, viewer, new.assignee_id).await?
                }
                // The form's assignee comes from its own choice (server/inquiry.rs).
                Channel::WebForm { .. } => {}
            }
            Ok(insert(&mut tx, channel, new).await?)
        })
    })
    .await
}

/// The statement [`insert`] runs: number, case, first comment and their audit rows.
static CREATE_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH number AS (
             INSERT INTO tenant_case_counters AS t (tenant_id, last_number) VALUES ($1, 1)
             ON CONFLICT (tenant_id) DO UPDATE SET last_number = t.last_number + 1
             RETURNING last_number
         ), created AS (
             INSERT INTO cases (tenant_id, number, title, customer_name, customer_email,
                                customer_phone, customer_company, priority, assignee_id, source)
             SELECT $1, last_number, $2, $3, $4, $5, $6, $7, $8, $9 FROM number
             RETURNING id, number
         ), comment AS (
             INSERT INTO case_comments (tenant_id, case_id, author_id, author_label, body)
             SELECT $1, id, $10, $11, $12 FROM created WHERE $12 <> ''
             RETURNING id
         ), actions AS (
             {}
             SELECT $1, $10, a.kind::case_action_kind, NULL, a.after, created.id
             FROM created CROSS JOIN LATERAL (
                 SELECT 1 AS ord, 'create' AS kind, $13::jsonb AS after
                 UNION ALL
                 SELECT 2, 'comment', $14::jsonb || jsonb_build_object('comment_id', comment.id)
                 FROM comment
             ) a
             ORDER BY a.ord
             RETURNING id, kind
         )
         SELECT created.id, created.number, actions.id
         FROM created JOIN actions ON actions.kind = 'create'",
        audit::CASE_ACTIONS_INSERT
    )
});

/// The writes, in the caller's transaction (the inquiry form's, which holds its lock
/// while it chooses the assignee).
pub(super) async fn insert(
    tx: &mut PgConnection,
    channel: Channel<'_>,
    new: &NewCase,
) -> Result<Created, sqlx::Error> {
    let tenant_id = channel.tenant_id();
    let actor = channel.actor();
    let source = channel.source();
    let outside_author = channel.outside_author();
    let mut after = json!(new.fields());
    after["source"] = json!(source);
    let mut posted = json!({ "event": "posted" });
    if let Some(label) = &outside_author {
        after["actor_label"] = json!(label);
        posted["actor_label"] = json!(label);
    }
    // One statement: the number, the case, its first comment and their audit rows (the
    // rows `audit::record` writes, in one INSERT whose order gives "create" the lower
    // id). The counter row is the tenant's lock on numbering — two cases created at
    // once get consecutive numbers, never the same one — and it is held to the commit,
    // so every round trip after it is time nobody else in the workspace can create a
    // case: five round trips made the public form top out near 480 cases a second
    // (bench/RESULTS.md).
    let (id, number, action_id): (i64, i32, i64) = sqlx::query_as(CREATE_SQL.as_str())
        .bind(tenant_id)
        .bind(&new.title)
        .bind(&new.customer_name)
        .bind(&new.customer_email)
        .bind(&new.customer_phone)
        .bind(&new.customer_company)
        .bind(new.priority)
        .bind(new.assignee_id)
        .bind(source)
        .bind(actor.user_id)
        .bind(&outside_author)
        .bind(&new.comment)
        .bind(after)
        .bind(posted)
        .fetch_one(&mut *tx)
        .await?;
    live::announce(
        tx,
        tenant_id,
        actor.user_id,
        "create",
        &[Announced {
            case_id: id,
            action_id,
            assignee_before: None,
            assignee_after: new.assignee_id,
        }],
    )
    .await?;
    Ok(Created { id, number })
}
