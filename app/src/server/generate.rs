//! The data generator: a realistic tenant for benchmarks and demos (seed 001's queue,
//! at MISSION.md's size: 2,000 employees with ~500 cases each, 1,000,000 cases,
//! 5,000,000 comments). Set-based SQL — `generate_series` and seeded `random()` —
//! inside one transaction: a failed run leaves nothing, and the same arguments give
//! the same data.

use std::time::{Duration, Instant};

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::password;
use super::seed::DEMO_PASSWORD;
use super::tenants::ensure_tenant;
use crate::model::{AppError, TenantSlug};

const FIRST: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Adams", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ivanova",
    "Jensen", "Kim", "Lopez", "Müller", "Nakamura", "Okafor", "Petrov", "Quint", "Rossi", "Silva",
    "Tanaka", "Umar", "Vogel", "Wang", "Yilmaz", "Zhang",
];
const COMPANIES: &[&str] = &[
    "Acme Logistics",
    "Blue Harbor Foods",
    "Cobalt Dental",
    "Dunmore Legal",
    "Evergreen Schools",
    "Fjord Analytics",
    "Granite Build",
    "Helios Solar",
    "Ironbridge Bank",
    "Juniper Health",
    "Kestrel Air",
    "Lumen Retail",
    "Meridian Travel",
    "Northwind Traders",
    "Orchid Spa",
    "Pioneer Farms",
];
const SUBJECTS: &[&str] = &[
    "Cannot sign in to",
    "Refund requested for",
    "Wrong amount on",
    "Question about",
    "Delay with",
    "Cancel",
    "Update billing details for",
    "Damaged item in",
    "Missing documents for",
    "Upgrade",
    "Complaint about",
    "Change the address on",
    "Duplicate charge on",
    "Need a copy of",
    "Error when paying",
];
const OBJECTS: &[&str] = &[
    "the customer portal",
    "invoice",
    "order",
    "subscription",
    "shipment",
    "the mobile app",
    "account",
    "contract",
    "delivery",
    "the annual plan",
    "payment",
    "booking",
];
const COMMENTS: &[&str] = &[
    "Thanks, looking into this now.",
    "Could you send a screenshot of the error?",
    "I have forwarded this to billing; expect an answer within a day.",
    "Customer called again, still waiting on the refund.",
    "Resolved on our side, please confirm it works for you.",
    "The courier says the parcel is at the depot.",
    "Escalated to the team lead because of the contract value.",
    "Sent the updated invoice by email.",
    "Waiting for the customer to reply.",
    "Closing this as the customer confirmed it is fixed.",
];

pub struct LoadSpec {
    pub tenant: TenantSlug,
    pub employees: u32,
    pub cases: u32,
    pub comments: u64,
    pub companies: u32,
}

pub struct Loaded {
    pub tenant_id: Uuid,
    pub employees: u64,
    pub cases: u64,
    pub comments: u64,
    pub companies: u64,
    pub elapsed: Duration,
}

/// A new tenant (`spec.tenant`) with an admin, `spec.employees` employees, and their
/// cases and comments. Everyone's password is the demo password. Refuses a tenant that
/// already has cases rather than doubling it.
pub async fn load(pool: &PgPool, spec: &LoadSpec) -> Result<Loaded, AppError> {
    if spec.employees == 0 {
        return Err(AppError::invalid("employees", "must be at least 1"));
    }
    let started = Instant::now();
    let hash = password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut tx = pool.begin().await.map_err(internal)?;
    let slug = spec.tenant.as_str();
    let tenant_id = ensure_tenant(&mut tx, &spec.tenant, &format!("Load test ({slug})")).await?;
    refuse_if_loaded(&mut tx, tenant_id, slug).await?;
    sqlx::query("UPDATE tenants SET plan = 'enterprise' WHERE id = $1")
        .bind(tenant_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    sqlx::query(
        "INSERT INTO users (tenant_id, email, display_name, role, password_hash)
         VALUES ($1, 'admin@' || $2 || '.test', 'Load Admin', 'admin', $3)",
    )
    .bind(tenant_id)
    .bind(slug)
    .bind(&hash)
    .execute(&mut *tx)
    .await
    .map_err(internal)?;
    let employees: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO users (tenant_id, email, display_name, role, password_hash)
         SELECT $1, 'employee' || g || '@' || $2 || '.test',
                ($4::text[])[1 + g % cardinality($4::text[])] || ' ' ||
                ($5::text[])[1 + (g / cardinality($4::text[])) % cardinality($5::text[])],
                'employee', $3
         FROM generate_series(1, $6::int) g
         RETURNING id",
    )
    .bind(tenant_id)
    .bind(slug)
    .bind(&hash)
    .bind(FIRST)
    .bind(LAST)
    .bind(spec.employees as i32)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let (cases, comments) =
        generate_cases(&mut tx, tenant_id, &employees, spec.cases, spec.comments).await?;
    let companies =
        add_analyst_and_companies(&mut tx, tenant_id, slug, &hash, spec.companies).await?;
    tx.commit().await.map_err(internal)?;
    analyze(pool).await?;
    Ok(Loaded {
        tenant_id,
        employees: employees.len() as u64,
        cases,
        comments,
        companies,
        elapsed: started.elapsed(),
    })
}

/// The tenant's analyst (`analyst@<slug>.test`, made if missing), and `count`
/// generated companies added by them.
async fn add_analyst_and_companies(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    slug: &str,
    hash: &str,
    count: u32,
) -> Result<u64, AppError> {
    sqlx::query(
        "INSERT INTO users (tenant_id, email, display_name, role, password_hash)
         VALUES ($1, 'analyst@' || $2 || '.test', 'Load Analyst', 'analyst', $3)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(tenant_id)
    .bind(slug)
    .bind(hash)
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    let analysts: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM users WHERE tenant_id = $1 AND role = 'analyst'")
            .bind(tenant_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(internal)?;
    super::generate_companies::generate_companies(conn, tenant_id, &analysts, count).await
}

/// Adds `count` generated companies (and the analyst) to an existing generated
/// tenant: a data set loaded before companies were part of it gets them without
/// loading its million cases again.
pub async fn add_companies(pool: &PgPool, slug: &TenantSlug, count: u32) -> Result<u64, AppError> {
    let hash = password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut tx = pool.begin().await.map_err(internal)?;
    let tenant_id: Uuid = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            AppError::invalid("tenant", format!("there is no tenant `{}`", slug.as_str()))
        })?;
    let added = add_analyst_and_companies(&mut tx, tenant_id, slug.as_str(), &hash, count).await?;
    tx.commit().await.map_err(internal)?;
    analyze(pool).await?;
    Ok(added)
}

async fn refuse_if_loaded(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    slug: &str,
) -> Result<(), AppError> {
    let loaded: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM cases WHERE tenant_id = $1)")
            .bind(tenant_id)
            .fetch_one(conn)
            .await
            .map_err(internal)?;
    if loaded {
        Err(AppError::invalid(
            "tenant",
            format!("tenant `{slug}` already has cases; pick another --tenant"),
        ))
    } else {
        Ok(())
    }
}

/// `cases` cases spread over `assignees` (2 % unassigned), with statuses skewed like a
/// real queue, created over the last two years, and `comments` comments among them,
/// plus one `create` action per case. Numbers continue from the tenant's counter.
pub async fn generate_cases(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    assignees: &[Uuid],
    cases: u32,
    comments: u64,
) -> Result<(u64, u64), AppError> {
    if cases == 0 {
        return Ok((0, 0));
    }
    // Repeatable: the same arguments give the same data.
    sqlx::query("SELECT setseed(0.42)")
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    let first_number: i32 = sqlx::query_scalar(
        "INSERT INTO tenant_case_counters (tenant_id, last_number) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET last_number = tenant_case_counters.last_number + $2
         RETURNING last_number - $2 + 1",
    )
    .bind(tenant_id)
    .bind(cases as i32)
    .fetch_one(&mut *conn)
    .await
    .map_err(internal)?;
    let inserted = sqlx::query(
        "WITH draws AS (
             SELECT g, random() AS r_status, random() AS r_priority, random() AS r_age,
                    random() AS r_touch, random() AS r_archive, random() AS r_assign
             FROM generate_series(0, $2::int - 1) g
         )
         INSERT INTO cases (tenant_id, number, title, customer_name, customer_email, customer_phone,
                            customer_company, status, priority, assignee_id, archived, created_at, updated_at)
         SELECT $1, $3 + g,
                ($5::text[])[1 + g % cardinality($5::text[])] || ' ' ||
                    ($6::text[])[1 + (g / 7) % cardinality($6::text[])],
                ($7::text[])[1 + (g / 3) % cardinality($7::text[])] || ' ' ||
                    ($8::text[])[1 + (g / 11) % cardinality($8::text[])],
                lower(($7::text[])[1 + (g / 3) % cardinality($7::text[])]) || '.' || g || '@example.com',
                '+1 555 ' || lpad((g % 10000)::text, 4, '0'),
                ($9::text[])[1 + (g / 5) % cardinality($9::text[])],
                status, priority,
                CASE WHEN r_assign < 0.02 THEN NULL
                     ELSE ($4::uuid[])[1 + g % cardinality($4::uuid[])] END,
                status IN ('resolved', 'closed') AND r_archive < 0.6,
                created, created + r_touch * (now() - created)
         FROM (
             SELECT g, r_archive, r_assign, r_touch,
                    now() - r_age * interval '730 days' AS created,
                    (CASE WHEN r_status < 0.10 THEN 'new' WHEN r_status < 0.45 THEN 'open'
                          WHEN r_status < 0.65 THEN 'pending' WHEN r_status < 0.85 THEN 'resolved'
                          ELSE 'closed' END)::case_status AS status,
                    (CASE WHEN r_priority < 0.15 THEN 'low' WHEN r_priority < 0.75 THEN 'normal'
                          WHEN r_priority < 0.95 THEN 'high' ELSE 'urgent' END)::case_priority AS priority
             FROM draws
         ) d",
    )
    .bind(tenant_id)
    .bind(cases as i32)
    .bind(first_number)
    .bind(assignees)
    .bind(SUBJECTS)
    .bind(OBJECTS)
    .bind(FIRST)
    .bind(LAST)
    .bind(COMPANIES)
    .execute(&mut *conn)
    .await
    .map_err(internal)?
    .rows_affected();
    sqlx::query(
        "INSERT INTO case_actions (tenant_id, case_id, actor_id, kind, after, at)
         SELECT tenant_id, id, NULL, 'create',
                jsonb_build_object('status', 'new', 'priority', priority, 'assignee_id', assignee_id), created_at
         FROM cases WHERE tenant_id = $1 AND number >= $2",
    )
    .bind(tenant_id)
    .bind(first_number)
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    // Comments land on random cases of this batch (found by number, an index look-up),
    // some by the assignee, the rest from the customer (no author), between the
    // case's creation and its last update.
    let commented = sqlx::query(
        "INSERT INTO case_comments (tenant_id, case_id, author_id, body, created_at)
         SELECT c.tenant_id, c.id,
                CASE WHEN d.r_author < 0.6 THEN c.assignee_id END,
                ($4::text[])[1 + d.g % cardinality($4::text[])],
                c.created_at + d.r_when * (c.updated_at - c.created_at)
         FROM (SELECT g, random() AS r_case, random() AS r_when, random() AS r_author
               FROM generate_series(0, $3::bigint - 1) g) d
         JOIN cases c ON c.tenant_id = $1 AND c.number = $2 + floor(d.r_case * $5)::int",
    )
    .bind(tenant_id)
    .bind(first_number)
    .bind(comments as i64)
    .bind(COMMENTS)
    .bind(cases as f64)
    .execute(&mut *conn)
    .await
    .map_err(internal)?
    .rows_affected();
    Ok((inserted, commented))
}

/// Fresh statistics, so the first queries after a load get good plans.
pub async fn analyze(pool: &PgPool) -> Result<(), AppError> {
    sqlx::query("ANALYZE users, cases, case_comments, case_actions")
        .execute(pool)
        .await
        .map_err(internal)?;
    Ok(())
}

fn internal(error: sqlx::Error) -> AppError {
    tracing::error!(%error, "data generator failed");
    AppError::Internal
}
