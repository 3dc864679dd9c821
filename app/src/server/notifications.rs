//! Notifications, written in the transaction of the change that causes them (so one
//! exists exactly when its change committed, whichever door the change came through)
//! and announced on [`CHANNEL`] for the bell to update live in every tab.
//!
//! Who hears of what:
//! - a case handed to someone by someone else (a save, a bulk action, a new case, the
//!   public form's choice): the new assignee — one notification per person for many
//!   cases at once, added up while unread;
//! - a comment on a case: its assignee, unless they wrote it or it mentions them;
//! - a mention (`@` and a whole name) of a person who can open the case (its assignee
//!   and the workspace's admins), not the author; an edit notifies only the newly
//!   mentioned;
//! - an enrichment that finished or failed: the person who asked for it.
//!
//! Never someone inactive, of another workspace (row-level security hides them from the
//! statement that writes), or who muted that kind.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::db::{self, internal, tenant_tx};
use super::live::Announced;
use crate::model::{
    AppError, CaseRecord, Inbox, Mentionable, Notification, NotificationKind, NotificationSettings,
    Viewer, excerpt, mentioned,
};

/// The channel a person's notifications changing is announced on (payload:
/// `<workspace>:<person>`).
pub const CHANNEL: &str = "notifications";

/// Many cases handed over by one person within this long add up in one notification
/// (a bulk action writes in chunks; an import in batches).
const ADD_UP_WITHIN: &str = "10 minutes";

/// One notification to write.
#[derive(Debug, Clone)]
struct New {
    user_id: Uuid,
    kind: NotificationKind,
    actor_id: Option<Uuid>,
    case_id: Option<i64>,
    company_id: Option<i64>,
    cases: i32,
    excerpt: String,
    failed: bool,
}

impl New {
    fn about_case(
        user_id: Uuid,
        kind: NotificationKind,
        actor_id: Option<Uuid>,
        case_id: i64,
    ) -> Self {
        New {
            user_id,
            kind,
            actor_id,
            case_id: Some(case_id),
            company_id: None,
            cases: 1,
            excerpt: String::new(),
            failed: false,
        }
    }
}

/// Writes `rows` (skipping the muted, the inactive and anyone not of this workspace)
/// and announces each person's change.
async fn write(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    rows: Vec<New>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&New) -> Option<Uuid>| rows.iter().map(f).collect::<Vec<_>>();
    let written: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO notifications (tenant_id, user_id, kind, actor_id, case_id, company_id,
                                    cases, excerpt, failed)
         SELECT $1, n.user_id, n.kind::notification_kind, n.actor_id, n.case_id, n.company_id,
                n.cases, n.excerpt, n.failed
         FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::int8[], $6::int8[], $7::int4[],
                     $8::text[], $9::bool[])
              AS n (user_id, kind, actor_id, case_id, company_id, cases, excerpt, failed)
         JOIN users u ON u.id = n.user_id AND u.active
         WHERE NOT EXISTS (SELECT 1 FROM notification_settings s
                           WHERE s.user_id = n.user_id
                             AND n.kind::notification_kind = ANY (s.muted))
         RETURNING user_id",
    )
    .bind(tenant_id)
    .bind(column(|n| Some(n.user_id)))
    .bind(rows.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>())
    .bind(column(|n| n.actor_id))
    .bind(rows.iter().map(|n| n.case_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|n| n.company_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|n| n.cases).collect::<Vec<_>>())
    .bind(rows.iter().map(|n| n.excerpt.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|n| n.failed).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    announce(conn, tenant_id, written).await
}

/// Tells every process (and so every open tab) that these people's notifications
/// changed.
async fn announce(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    mut people: Vec<Uuid>,
) -> Result<(), sqlx::Error> {
    people.sort_unstable();
    people.dedup();
    if people.is_empty() {
        return Ok(());
    }
    let payloads: Vec<String> = people.iter().map(|p| format!("{tenant_id}:{p}")).collect();
    sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
        .bind(CHANNEL)
        .bind(payloads)
        .execute(conn)
        .await
        .map(drop)
}

/// Cases that changed hands (every case write announces through `live::announce`,
/// which calls this): each new assignee other than the actor hears of it.
pub async fn assignments(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    actor_id: Option<Uuid>,
    changes: &[Announced],
) -> Result<(), sqlx::Error> {
    let mut by_person: Vec<(Uuid, Vec<i64>)> = Vec::new();
    for change in changes {
        let Some(to) = change.assignee_after else {
            continue;
        };
        if change.assignee_before == Some(to) || actor_id == Some(to) {
            continue;
        }
        match by_person.iter_mut().find(|(person, _)| *person == to) {
            Some((_, cases)) => cases.push(change.case_id),
            None => by_person.push((to, vec![change.case_id])),
        }
    }
    let mut single = Vec::new();
    for (person, cases) in by_person {
        if let [case_id] = cases[..] {
            single.push(New::about_case(
                person,
                NotificationKind::Assigned,
                actor_id,
                case_id,
            ));
        } else {
            many_assigned(conn, tenant_id, person, actor_id, cases.len()).await?;
        }
    }
    write(conn, tenant_id, single).await
}

/// `count` cases handed to `person` at once: added to their unread notification of the
/// same kind from the same actor of the last few minutes, or a new one.
pub async fn many_assigned(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    person: Uuid,
    actor_id: Option<Uuid>,
    count: usize,
) -> Result<(), sqlx::Error> {
    let count = i32::try_from(count).unwrap_or(i32::MAX);
    let added: Option<i64> = sqlx::query_scalar(&format!(
        "UPDATE notifications SET cases = cases + $3, created_at = now()
         WHERE id = (SELECT id FROM notifications
                     WHERE user_id = $1 AND kind = 'assigned' AND case_id IS NULL
                       AND actor_id IS NOT DISTINCT FROM $2 AND read_at IS NULL
                       AND created_at > now() - interval '{ADD_UP_WITHIN}'
                     ORDER BY id DESC LIMIT 1)
         RETURNING id"
    ))
    .bind(person)
    .bind(actor_id)
    .bind(count)
    .fetch_optional(&mut *conn)
    .await?;
    if added.is_some() {
        return announce(conn, tenant_id, vec![person]).await;
    }
    let new = New {
        user_id: person,
        kind: NotificationKind::Assigned,
        actor_id,
        case_id: None,
        company_id: None,
        cases: count,
        excerpt: String::new(),
        failed: false,
    };
    write(conn, tenant_id, vec![new]).await
}

/// The people who may be mentioned on `case`: those who can open it (its assignee and
/// the workspace's admins, active), by name.
pub async fn mentionable(
    conn: &mut PgConnection,
    case: &CaseRecord,
) -> Result<Vec<Mentionable>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, display_name FROM users
         WHERE active AND (role = 'admin' OR (id = $1 AND role = 'employee'))
         ORDER BY lower(display_name), id",
    )
    .bind(case.fields.assignee_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, display_name)| Mentionable { id, display_name })
        .collect())
}

/// Who may be mentioned on case `number`, if the viewer may open it (404 otherwise).
pub async fn mentionable_on(
    pool: &PgPool,
    viewer: &Viewer,
    number: i32,
) -> Result<Vec<Mentionable>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let case = super::case_detail::find(&mut tx, viewer, number, false)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let people = mentionable(&mut tx, &case).await.map_err(internal)?;
    db::end_read(tx);
    Ok(people)
}

/// A comment posted (`before` is `None`) or edited on `case` by `author`.
pub async fn commented(
    conn: &mut PgConnection,
    author: &Viewer,
    case: &CaseRecord,
    body: &str,
    before: Option<&str>,
) -> Result<(), sqlx::Error> {
    let people = mentionable(&mut *conn, case).await?;
    let now = mentioned(body, &people);
    let earlier = before.map(|b| mentioned(b, &people)).unwrap_or_default();
    let short = excerpt(body);
    let mut rows: Vec<New> = now
        .iter()
        .filter(|person| **person != author.user_id && !earlier.contains(person))
        .map(|person| New {
            excerpt: short.clone(),
            ..New::about_case(
                *person,
                NotificationKind::Mention,
                Some(author.user_id),
                case.id,
            )
        })
        .collect();
    if before.is_none()
        && let Some(assignee) = case.fields.assignee_id
        && assignee != author.user_id
        && !now.contains(&assignee)
    {
        rows.push(New {
            excerpt: short,
            ..New::about_case(
                assignee,
                NotificationKind::Comment,
                Some(author.user_id),
                case.id,
            )
        });
    }
    write(conn, author.tenant_id, rows).await
}

/// The enrichment `request_id` of `company_id` finished (or failed, saying why): the
/// person who asked for it hears of it.
pub async fn enrichment_finished(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    company_id: i64,
    request_id: i64,
    failed: bool,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    let asked_by: Option<Uuid> = sqlx::query_scalar(
        "SELECT requested_by FROM enrichments WHERE company_id = $1 AND request_id = $2",
    )
    .bind(company_id)
    .bind(request_id)
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    let Some(person) = asked_by else {
        return Ok(());
    };
    let new = New {
        user_id: person,
        kind: NotificationKind::Enrichment,
        actor_id: None,
        case_id: None,
        company_id: Some(company_id),
        cases: 1,
        excerpt: excerpt(outcome),
        failed,
    };
    write(conn, tenant_id, vec![new]).await
}

/// A page of the viewer's notifications, newest first, below `before` (an id).
pub async fn inbox(
    pool: &PgPool,
    viewer: &Viewer,
    before: Option<i64>,
    unread_only: bool,
    limit: i64,
) -> Result<Inbox, AppError> {
    let limit = limit.clamp(1, crate::model::NOTIFICATIONS_PER_PAGE);
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    // A case's or company's name only while the person may still open it (a case
    // handed on since, a role changed): otherwise the number alone.
    let mut items: Vec<Notification> = sqlx::query_as(
        "SELECT n.id, n.kind, a.display_name AS actor_name, c.number AS case_number,
                CASE WHEN $5 OR c.assignee_id = $1 THEN c.title END AS case_title,
                n.company_id, CASE WHEN $6 THEN co.name END AS company_name,
                n.cases, n.excerpt, n.failed, n.created_at, n.read_at IS NOT NULL AS read
         FROM notifications n
         LEFT JOIN users a ON a.id = n.actor_id
         LEFT JOIN cases c ON c.id = n.case_id
         LEFT JOIN companies co ON co.id = n.company_id
         WHERE n.user_id = $1 AND n.id < coalesce($2, 9223372036854775807)
           AND (NOT $3 OR n.read_at IS NULL)
         ORDER BY n.id DESC LIMIT $4",
    )
    .bind(viewer.user_id)
    .bind(before)
    .bind(unread_only)
    .bind(limit + 1)
    .bind(super::authz::allows(
        viewer,
        super::authz::Capability::ManageAllCases,
    ))
    .bind(super::authz::allows(
        viewer,
        super::authz::Capability::UseCompanies,
    ))
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let unread = count_unread(&mut tx, viewer.user_id)
        .await
        .map_err(internal)?;
    db::end_read(tx);
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|n| n.id)
    } else {
        None
    };
    Ok(Inbox {
        items,
        unread,
        next,
    })
}

async fn count_unread(conn: &mut PgConnection, person: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(person)
        .fetch_one(conn)
        .await
}

/// How many of the viewer's notifications are unread (the bell's figure), kept per
/// person until a change to their notifications is announced.
pub async fn unread(state: &super::AppState, viewer: &Viewer) -> Result<i64, AppError> {
    let pool = state.pool.clone();
    let (tenant, person) = (viewer.tenant_id, viewer.user_id);
    state
        .caches
        .unread(tenant, person, async move {
            let mut tx = tenant_tx(&pool, tenant).await?;
            let count = count_unread(&mut tx, person).await.map_err(internal)?;
            db::end_read(tx);
            Ok(count)
        })
        .await
}

/// Marks the viewer's notifications `ids` read (all of them up to `up_to` when `ids`
/// is empty and `up_to` is given: "Mark all as read" marks what the person saw, not
/// what arrived since). Another person's ids change nothing. Returns how many changed.
pub async fn mark_read(
    pool: &PgPool,
    viewer: &Viewer,
    ids: &[i64],
    up_to: Option<i64>,
) -> Result<u64, AppError> {
    if ids.is_empty() && up_to.is_none() {
        return Err(AppError::invalid(
            "ids",
            "choose the notifications to mark as read",
        ));
    }
    if ids.len() > crate::model::NOTIFICATIONS_PER_PAGE as usize {
        return Err(AppError::invalid("ids", "too many at once"));
    }
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let changed = sqlx::query(
                "UPDATE notifications SET read_at = now()
                 WHERE user_id = $1 AND read_at IS NULL
                   AND (id = ANY ($2) OR id <= $3)",
            )
            .bind(viewer.user_id)
            .bind(ids)
            .bind(up_to.unwrap_or(0))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed > 0 {
                announce(&mut tx, viewer.tenant_id, vec![viewer.user_id]).await?;
            }
            Ok(changed)
        })
    })
    .await
}

/// Opens notification `id` of the viewer: marks it read and says where it leads.
pub async fn open(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<String, AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let found: Option<(Option<i32>, Option<i64>, bool)> = sqlx::query_as(
                "UPDATE notifications n SET read_at = coalesce(n.read_at, now())
                 FROM notifications o LEFT JOIN cases c ON c.id = o.case_id
                 WHERE n.id = o.id AND o.id = $1 AND o.user_id = $2
                 RETURNING c.number, o.company_id, o.read_at IS NULL",
            )
            .bind(id)
            .bind(viewer.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let (case_number, company_id, was_unread) = found.ok_or(AppError::NotFound)?;
            if was_unread {
                announce(&mut tx, viewer.tenant_id, vec![viewer.user_id]).await?;
            }
            Ok(match (case_number, company_id) {
                (Some(number), _) => format!("/cases/{number}"),
                (None, Some(company)) => format!("/companies/{company}"),
                (None, None) => "/work".to_string(),
            })
        })
    })
    .await
}

/// The viewer's settings (no row: every kind heard).
pub async fn settings(pool: &PgPool, viewer: &Viewer) -> Result<NotificationSettings, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let muted: Option<Vec<String>> =
        sqlx::query_scalar("SELECT muted::text[] FROM notification_settings WHERE user_id = $1")
            .bind(viewer.user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
    db::end_read(tx);
    Ok(NotificationSettings {
        muted: muted
            .unwrap_or_default()
            .iter()
            .filter_map(|kind| NotificationKind::parse(kind))
            .collect(),
    })
}

/// Saves the viewer's settings.
pub async fn save_settings(
    pool: &PgPool,
    viewer: &Viewer,
    settings: &NotificationSettings,
) -> Result<NotificationSettings, AppError> {
    let muted: Vec<&str> = settings.muted.iter().map(|kind| kind.as_str()).collect();
    let muted = &muted;
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO notification_settings (user_id, tenant_id, muted)
                 VALUES ($1, $2, $3::notification_kind[])
                 ON CONFLICT (user_id) DO UPDATE SET muted = excluded.muted, updated_at = now()",
            )
            .bind(viewer.user_id)
            .bind(viewer.tenant_id)
            .bind(muted)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(settings.clone())
}
