//! Admin → Usage: what enrichment cost, per person per month, from the usage ledger;
//! and the workspace's enrichment settings (monthly budget, employees allowed).

use sqlx::PgPool;

use super::db::{self, internal, tenant_tx};
use crate::model::{AppError, UsageReport, UsageRow, Viewer};

pub async fn report(
    pool: &PgPool,
    viewer: &Viewer,
    month: (i32, u8),
) -> Result<UsageReport, AppError> {
    let start = format!("{:04}-{:02}-01", month.0, month.1);
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let rows: Vec<UsageRow> = sqlx::query_as(
        "SELECT u.user_id, coalesce(p.display_name, '') AS name, count(*) AS enrichments,
                count(*) FILTER (WHERE u.outcome = 'failed') AS failed,
                coalesce(sum(u.tokens_in), 0)::bigint AS tokens_in,
                coalesce(sum(u.tokens_out), 0)::bigint AS tokens_out,
                coalesce(sum(u.cost_micros), 0)::bigint AS cost_micros
         FROM enrichment_usage u LEFT JOIN users p ON p.id = u.user_id
         WHERE u.tenant_id = $1 AND u.requested_at >= $2::date
           AND u.requested_at < $2::date + interval '1 month'
         GROUP BY u.user_id, p.display_name
         ORDER BY cost_micros DESC, enrichments DESC, name",
    )
    .bind(viewer.tenant_id)
    .bind(&start)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let months: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT to_char(date_trunc('month', requested_at), 'YYYY-MM') AS month
         FROM enrichment_usage WHERE tenant_id = $1 ORDER BY month DESC LIMIT 36",
    )
    .bind(viewer.tenant_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    let (budget_micros, employees_may_enrich): (i64, bool) = sqlx::query_as(
        "SELECT enrich_budget_micros, employees_may_enrich FROM tenants WHERE id = $1",
    )
    .bind(viewer.tenant_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let total = rows.iter().fold(
        UsageRow {
            user_id: None,
            name: "Total".into(),
            enrichments: 0,
            failed: 0,
            tokens_in: 0,
            tokens_out: 0,
            cost_micros: 0,
        },
        |mut total, row| {
            total.enrichments += row.enrichments;
            total.failed += row.failed;
            total.tokens_in += row.tokens_in;
            total.tokens_out += row.tokens_out;
            total.cost_micros += row.cost_micros;
            total
        },
    );
    Ok(UsageReport {
        month: format!("{:04}-{:02}", month.0, month.1),
        months,
        rows,
        total,
        budget_micros,
        employees_may_enrich,
    })
}

/// Sets the workspace's monthly enrichment budget and whether employees may enrich.
pub async fn save_settings(
    pool: &PgPool,
    viewer: &Viewer,
    budget_micros: i64,
    employees_may_enrich: bool,
) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
        sqlx::query(
            "UPDATE tenants SET enrich_budget_micros = $2, employees_may_enrich = $3, updated_at = now()
             WHERE id = $1",
        )
        .bind(viewer.tenant_id)
        .bind(budget_micros)
        .bind(employees_may_enrich)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }))
    .await
}
