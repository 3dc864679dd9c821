//! Writing one batch of checked import rows, set-based: one statement for the cases (or
//! companies) of a batch and their audit rows, in the batch's transaction, whatever its
//! size. The same columns, numbering and audit kinds as one case made on the form
//! (server/case_create.rs) or one company added on its page (server/companies.rs);
//! the dashboards' counters and the webhooks follow by trigger as for any write.
//!
//! Idempotent by external id: a row whose id the workspace already has updates that
//! case or company (and writes nothing when nothing differs); a company row without
//! one is matched by its website, the workspace's key for companies.

use sqlx::PgConnection;
use uuid::Uuid;

use super::rows::{CaseItem, CompanyItem};
use crate::server::audit;

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub created: i64,
    pub updated: i64,
    /// Rows left out (their place in the batch, from 1) and why: a company whose row
    /// names it by external id but gives a website another company has.
    pub refused: Vec<(usize, String)>,
}

static CASES_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH input AS (
             SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                  $8::text[], $9::case_status[], $10::case_priority[], $11::uuid[])
                 WITH ORDINALITY AS i (external_id, title, customer_name, customer_email,
                                       customer_phone, customer_company, status, priority,
                                       assignee_id, ord)
         ), matched AS (
             SELECT i.*, c.id AS case_id, c.assignee_id AS assignee_before
             FROM input i
             LEFT JOIN cases c ON c.tenant_id = $1 AND c.external_id = i.external_id
         ), updated AS (
             UPDATE cases c
             SET title = m.title, customer_name = m.customer_name,
                 customer_email = m.customer_email, customer_phone = m.customer_phone,
                 customer_company = m.customer_company, status = m.status,
                 priority = m.priority, assignee_id = m.assignee_id,
                 version = c.version + 1, updated_at = now()
             FROM matched m
             WHERE c.id = m.case_id
               AND (c.title, c.customer_name, c.customer_email, c.customer_phone,
                    c.customer_company, c.status, c.priority, c.assignee_id)
                   IS DISTINCT FROM
                   (m.title, m.customer_name, m.customer_email, m.customer_phone,
                    m.customer_company, m.status, m.priority, m.assignee_id)
             RETURNING c.id, c.title, c.status, c.priority, c.assignee_id
         ), fresh AS (
             SELECT m.*, row_number() OVER (ORDER BY m.ord) AS n
             FROM matched m WHERE m.case_id IS NULL
         ), numbers AS (
             INSERT INTO tenant_case_counters AS t (tenant_id, last_number)
             SELECT $1, count(*) FROM fresh HAVING count(*) > 0
             ON CONFLICT (tenant_id) DO UPDATE SET last_number = t.last_number + EXCLUDED.last_number
             RETURNING last_number
         ), created AS (
             INSERT INTO cases (tenant_id, number, external_id, title, customer_name,
                                customer_email, customer_phone, customer_company, status,
                                priority, assignee_id, source)
             SELECT $1, numbers.last_number - (SELECT count(*) FROM fresh) + f.n,
                    f.external_id, f.title, f.customer_name, f.customer_email,
                    f.customer_phone, f.customer_company, f.status, f.priority,
                    f.assignee_id, 'import'
             FROM fresh f CROSS JOIN numbers
             ORDER BY f.ord
             RETURNING id, title, status, priority, assignee_id
         ), actions AS (
             {}
             SELECT $1, $2, a.kind, NULL,
                    jsonb_build_object('title', a.title, 'status', a.status,
                                       'priority', a.priority, 'assignee_id', a.assignee_id,
                                       'source', 'import'),
                    a.id
             FROM (SELECT 'create'::case_action_kind AS kind, * FROM created
                   UNION ALL
                   SELECT 'update'::case_action_kind, * FROM updated) a
         ), handed AS (
             SELECT assignee_id FROM created WHERE assignee_id IS NOT NULL
             UNION ALL
             SELECT u.assignee_id FROM updated u JOIN matched m ON m.case_id = u.id
             WHERE u.assignee_id IS NOT NULL
               AND u.assignee_id IS DISTINCT FROM m.assignee_before
         )
         SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM updated),
                coalesce((SELECT array_agg(assignee_id) FROM handed), '{{}}')::uuid[]",
        audit::CASE_ACTIONS_INSERT
    )
});

/// Writes `items` (checked case rows) for the import `actor` runs.
pub async fn cases(
    tx: &mut PgConnection,
    tenant_id: Uuid,
    actor: Option<Uuid>,
    items: &[CaseItem],
) -> Result<Written, sqlx::Error> {
    let column = |f: fn(&CaseItem) -> String| items.iter().map(f).collect::<Vec<_>>();
    let (created, updated, handed): (i64, i64, Vec<Uuid>) = sqlx::query_as(CASES_SQL.as_str())
        .bind(tenant_id)
        .bind(actor)
        .bind(
            items
                .iter()
                .map(|i| i.external_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(column(|i| i.fields.title.clone()))
        .bind(column(|i| i.fields.customer_name.clone()))
        .bind(column(|i| i.fields.customer_email.clone()))
        .bind(column(|i| i.fields.customer_phone.clone()))
        .bind(column(|i| i.fields.customer_company.clone()))
        .bind(items.iter().map(|i| i.fields.status).collect::<Vec<_>>())
        .bind(items.iter().map(|i| i.fields.priority).collect::<Vec<_>>())
        .bind(
            items
                .iter()
                .map(|i| i.fields.assignee_id)
                .collect::<Vec<_>>(),
        )
        .fetch_one(&mut *tx)
        .await?;
    // Each person handed cases hears of it once per import (the notifications of a
    // run's batches add up), unless they run the import themselves.
    let mut counts: Vec<(Uuid, usize)> = Vec::new();
    for person in handed.into_iter().filter(|p| Some(*p) != actor) {
        match counts.iter_mut().find(|(p, _)| *p == person) {
            Some((_, n)) => *n += 1,
            None => counts.push((person, 1)),
        }
    }
    for (person, count) in counts {
        crate::server::notifications::many_assigned(tx, tenant_id, person, actor, count).await?;
    }
    Ok(Written {
        created,
        updated,
        refused: Vec::new(),
    })
}

static COMPANIES_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "
    WITH input AS (
        SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                             $8::company_stage[], $9::text[])
            WITH ORDINALITY AS i (external_id, name, website_url, website, sector, stage,
                                  location, ord)
    ), matched AS (
        SELECT i.*, coalesce(
                   (SELECT c.id FROM companies c
                    WHERE c.tenant_id = $1 AND c.external_id = i.external_id),
                   (SELECT c.id FROM companies c
                    WHERE c.tenant_id = $1 AND c.website = i.website)) AS company_id
        FROM input i
    ), clash AS (
        SELECT m.ord, o.name AS owner
        FROM matched m
        JOIN companies o ON o.tenant_id = $1 AND o.website = m.website
        WHERE m.company_id IS NOT NULL AND o.id <> m.company_id
    ), updated AS (
        UPDATE companies c
        SET name = m.name, website_url = m.website_url, website = m.website,
            sector = m.sector, stage = m.stage, location = m.location,
            external_id = coalesce(m.external_id, c.external_id),
            version = c.version + 1, updated_at = now()
        FROM matched m
        WHERE c.id = m.company_id
          AND m.ord NOT IN (SELECT ord FROM clash)
          AND (c.name, c.website_url, c.sector, c.stage, c.location, c.external_id)
              IS DISTINCT FROM
              (m.name, m.website_url, m.sector, m.stage, m.location,
               coalesce(m.external_id, c.external_id))
        RETURNING c.id, c.name, c.website_url, c.sector, c.stage, c.location
    ), created AS (
        INSERT INTO companies (tenant_id, external_id, name, website_url, website, sector,
                               stage, location, added_by)
        SELECT $1, m.external_id, m.name, m.website_url, m.website, m.sector, m.stage,
               m.location, $2
        FROM matched m WHERE m.company_id IS NULL
        ORDER BY m.ord
        RETURNING id, name, website_url, sector, stage, location
    ), actions AS (
        {}
        SELECT $1, $2, a.kind, NULL,
               jsonb_build_object('name', a.name, 'website', a.website_url,
                                  'sector', a.sector, 'stage', a.stage,
                                  'location', a.location, 'source', 'import'),
               a.id
        FROM (SELECT 'create'::company_action_kind AS kind, * FROM created
              UNION ALL
              SELECT 'update'::company_action_kind, * FROM updated) a
    )
    SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM updated),
           coalesce((SELECT array_agg(ord ORDER BY ord) FROM clash), '{{}}')::int8[],
           coalesce((SELECT array_agg(owner ORDER BY ord) FROM clash), '{{}}')::text[]",
        audit::COMPANY_ACTIONS_INSERT
    )
});

/// Writes `items` (checked company rows) for the import `actor` runs.
pub async fn companies(
    tx: &mut PgConnection,
    tenant_id: Uuid,
    actor: Option<Uuid>,
    items: &[CompanyItem],
) -> Result<Written, sqlx::Error> {
    let column = |f: fn(&CompanyItem) -> String| items.iter().map(f).collect::<Vec<_>>();
    let (created, updated, clashes, owners): (i64, i64, Vec<i64>, Vec<String>) =
        sqlx::query_as(COMPANIES_SQL.as_str())
            .bind(tenant_id)
            .bind(actor)
            .bind(
                items
                    .iter()
                    .map(|i| i.external_id.clone())
                    .collect::<Vec<_>>(),
            )
            .bind(column(|i| i.company.name.clone()))
            .bind(column(|i| i.company.website.url.clone()))
            .bind(column(|i| i.company.website.key.clone()))
            .bind(column(|i| i.company.sector.clone()))
            .bind(items.iter().map(|i| i.company.stage).collect::<Vec<_>>())
            .bind(column(|i| i.company.location.clone()))
            .fetch_one(&mut *tx)
            .await?;
    let refused = clashes
        .into_iter()
        .zip(owners)
        .map(|(ord, owner)| {
            let place = usize::try_from(ord).unwrap_or(0);
            (
                place,
                format!(
                    "the website belongs to another company ({owner}), not the one this row's external id names"
                ),
            )
        })
        .collect();
    Ok(Written {
        created,
        updated,
        refused,
    })
}
