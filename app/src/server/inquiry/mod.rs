//! The public inquiry form, `/contact/{slug}`: a stranger's message becomes a case of
//! that workspace, through the one door every case goes through (`case_create`).
//!
//! What protects it, cheapest first: the route's own rate limit (5 a minute per
//! address, `RATE_LIMIT_FORM`, in the middleware) and body limit; then here a honeypot
//! field, the signed minimum fill time, and the workspace's daily cap. The cap, the
//! round-robin cursor and the choice of the person are decided under the form row's
//! lock, so concurrent inquiries are counted and assigned one at a time. A refusal
//! writes nothing.

mod fill_time;
pub mod settings;

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::case_create::{self, Channel};
use super::db::{self, internal};
use crate::model::{AppError, Inquiry, InquiryAssignment, PublicInquiryForm, TenantSlug};

pub use fill_time::{MAX_AGE_SECONDS, sign as sign_started};

/// The form as the public look-up finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct FoundForm {
    tenant_id: Uuid,
    workspace: String,
    enabled: bool,
    intro: String,
    signing_key: Uuid,
}

/// The workspace's form, if it has one that is switched on. An unknown workspace and a
/// form switched off look the same from outside (404): the page does not tell
/// strangers which workspaces exist.
async fn find(pool: &PgPool, slug: &str) -> Result<(TenantSlug, FoundForm), AppError> {
    let slug = TenantSlug::parse(slug).map_err(|_| AppError::NotFound)?;
    let found: Option<FoundForm> = sqlx::query_as("SELECT * FROM inquiry_form_by_slug($1)")
        .bind(slug.as_str())
        .fetch_optional(pool)
        .await
        .map_err(internal)?;
    match found {
        Some(form) if form.enabled => Ok((slug, form)),
        _ => Err(AppError::NotFound),
    }
}

/// The public page's content, with the moment it was handed out signed.
pub async fn public_form(pool: &PgPool, slug: &str) -> Result<PublicInquiryForm, AppError> {
    let (slug, form) = find(pool, slug).await?;
    Ok(PublicInquiryForm {
        started: fill_time::sign_now(form.signing_key, slug.as_str()),
        slug: slug.as_str().to_string(),
        workspace: form.workspace,
        intro: form.intro,
    })
}

/// What the form sends, as it sends it.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub company: &'a str,
    pub subject: &'a str,
    pub message: &'a str,
    /// The honeypot: a field people never see, which must come back empty.
    pub website: &'a str,
    /// The signed moment the page was opened.
    pub started: &'a str,
}

/// The case an inquiry became: its number is the sender's reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub number: i32,
    pub assignee_id: Option<Uuid>,
}

/// Takes one inquiry for the workspace `slug`. `min_fill_seconds` is the
/// `INQUIRY_MIN_FILL_SECONDS` setting.
pub async fn submit(
    pool: &PgPool,
    slug: &str,
    sent: Submission<'_>,
    min_fill_seconds: u64,
) -> Result<Received, AppError> {
    let (slug, form) = find(pool, slug).await?;
    let inquiry = Inquiry::parse(
        sent.name,
        sent.email,
        sent.company,
        sent.subject,
        sent.message,
    )?;
    if !sent.website.trim().is_empty() {
        return Err(AppError::invalid(
            "website",
            "must be left empty (it is there to catch programs that fill in every field)",
        ));
    }
    fill_time::verify(
        form.signing_key,
        slug.as_str(),
        sent.started,
        min_fill_seconds,
    )?;
    let tenant_id = form.tenant_id;
    let received = db::write(pool, tenant_id, |mut tx| {
        let inquiry = inquiry.clone();
        Box::pin(async move {
            let assignee_id = take_turn(&mut tx, tenant_id).await?;
            let sender = inquiry.name.clone();
            let case = inquiry.into_case(assignee_id);
            let created = case_create::insert(
                &mut tx,
                Channel::WebForm {
                    tenant_id,
                    sender: &sender,
                },
                &case,
            )
            .await?;
            Ok(Received {
                number: created.number,
                assignee_id,
            })
        })
    })
    .await?;
    metrics::counter!("casework_inquiries_received_total").increment(1);
    Ok(received)
}

/// The form row's state for one submission, read under its lock.
#[derive(sqlx::FromRow)]
struct Turn {
    enabled: bool,
    daily_cap: i32,
    assignment: InquiryAssignment,
    last_assignee: Option<Uuid>,
    taken_today: i32,
    seconds_to_midnight: i64,
    wip_limit: Option<i32>,
}

/// Under the form row's lock: refuses past the daily cap, counts this inquiry, and
/// chooses its person (round robin: the first chosen person after the last one, in id
/// order, who is active, works cases and is under the WIP limit; nobody eligible
/// leaves it in the pool). Loads are read after the lock is held, so they include
/// every inquiry assigned before this one.
async fn take_turn(tx: &mut PgConnection, tenant_id: Uuid) -> Result<Option<Uuid>, db::Abort> {
    let turn: Option<Turn> = sqlx::query_as(
        "SELECT f.enabled, f.daily_cap, f.assignment, f.last_assignee,
                CASE WHEN f.day = (now() AT TIME ZONE 'UTC')::date THEN f.day_count ELSE 0 END
                    AS taken_today,
                ceil(extract(epoch FROM (date_trunc('day', now() AT TIME ZONE 'UTC')
                    + interval '1 day' - now() AT TIME ZONE 'UTC')))::bigint
                    AS seconds_to_midnight,
                t.wip_limit
         FROM inquiry_forms f JOIN tenants t ON t.id = f.tenant_id
         WHERE f.tenant_id = $1
         FOR UPDATE OF f",
    )
    .bind(tenant_id)
    .fetch_optional(&mut *tx)
    .await?;
    // Switched off between the look-up and the lock: as if it never was on.
    let turn = match turn {
        Some(turn) if turn.enabled => turn,
        _ => return Err(AppError::NotFound.into()),
    };
    if turn.taken_today >= turn.daily_cap {
        tracing::info!(%tenant_id, cap = turn.daily_cap, "inquiry refused: daily cap reached");
        return Err(AppError::RateLimited {
            retry_after: u64::try_from(turn.seconds_to_midnight.max(1)).unwrap_or(1),
        }
        .into());
    }
    let assignee = match turn.assignment {
        InquiryAssignment::Pool => None,
        InquiryAssignment::RoundRobin => {
            sqlx::query_scalar::<_, Uuid>(
                "SELECT u.id
                 FROM inquiry_assignees a
                 JOIN users u ON u.id = a.user_id
                 LEFT JOIN case_loads l ON l.tenant_id = a.tenant_id AND l.assignee_id = u.id
                 WHERE a.tenant_id = $1 AND u.active AND u.role IN ('employee', 'admin')
                   AND ($3::integer IS NULL OR coalesce(l.open, 0) < $3)
                 ORDER BY u.id <= $2 NULLS FIRST, u.id
                 LIMIT 1",
            )
            .bind(tenant_id)
            .bind(turn.last_assignee)
            .bind(turn.wip_limit)
            .fetch_optional(&mut *tx)
            .await?
        }
    };
    sqlx::query(
        "UPDATE inquiry_forms
         SET day = (now() AT TIME ZONE 'UTC')::date, day_count = $2 + 1,
             last_assignee = coalesce($3, last_assignee)
         WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(turn.taken_today)
    .bind(assignee)
    .execute(&mut *tx)
    .await?;
    Ok(assignee)
}
