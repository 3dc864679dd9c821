//! Generated companies for benchmarks and demos (MISSION.md's data set has 100,000):
//! set-based SQL with seeded `random()`, like the cases generator. About 70 % carry an
//! enrichment result (scores spread like real ones: most middling, few excellent), so
//! the list's score filter and sort have realistic work to do.

use sqlx::PgConnection;
use uuid::Uuid;

use super::db::internal;
use crate::model::AppError;

const PREFIXES: &[&str] = &[
    "Acme", "Blue", "Bright", "Cedar", "Copper", "Delta", "Ember", "Falcon", "Granite", "Harbor",
    "Iron", "Juniper", "Kite", "Lumen", "Maple", "North", "Onyx", "Pine", "Quartz", "River",
    "Summit", "Tidal", "Umber", "Vector", "Willow", "Zephyr",
];
const SUFFIXES: &[&str] = &[
    "Analytics",
    "Robotics",
    "Health",
    "Labs",
    "Systems",
    "Logistics",
    "Energy",
    "Bio",
    "Pay",
    "Cloud",
    "Foods",
    "Security",
    "Learning",
    "Mobility",
    "Works",
    "AI",
];
const SECTORS: &[&str] = &[
    "Fintech",
    "Healthtech",
    "Robotics",
    "Logistics",
    "Climate",
    "Developer tools",
    "Edtech",
    "Security",
    "Consumer",
    "Biotech",
];
const LOCATIONS: &[&str] = &[
    "Berlin, DE",
    "London, UK",
    "Paris, FR",
    "Amsterdam, NL",
    "Stockholm, SE",
    "New York, US",
    "San Francisco, US",
    "Austin, US",
    "Toronto, CA",
    "Singapore, SG",
    "Bangalore, IN",
    "Lisbon, PT",
];
const KEYWORDS: &[&str] = &[
    "payments",
    "machine learning",
    "warehouse automation",
    "compliance",
    "analytics",
    "marketplace",
    "api",
    "infrastructure",
    "carbon accounting",
    "telehealth",
    "robotics",
    "supply chain",
    "developer platform",
    "observability",
    "fraud detection",
    "insurance",
];

/// `count` companies for `tenant_id`, added by people among `added_by` (none: no one),
/// numbered after the tenant's existing ones so websites stay unique. Returns how many
/// were made.
pub async fn generate_companies(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    added_by: &[Uuid],
    count: u32,
) -> Result<u64, AppError> {
    if count == 0 {
        return Ok(0);
    }
    sqlx::query("SELECT setseed(0.17)")
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    let offset: i64 = sqlx::query_scalar("SELECT count(*) FROM companies WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(internal)?;
    let made = sqlx::query(
        "WITH g AS (
             SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
             FROM generate_series($2::bigint + 1, $2::bigint + $3::bigint) i
         )
         INSERT INTO companies (tenant_id, name, website_url, website, sector, stage, location,
                                added_by, created_at, updated_at, score, confidence, enriched_at,
                                enrichment_text)
         SELECT $1,
                ($4::text[])[1 + (i % cardinality($4::text[]))] || ' ' ||
                ($5::text[])[1 + ((i / cardinality($4::text[])) % cardinality($5::text[]))] ||
                CASE WHEN i > cardinality($4::text[]) * cardinality($5::text[])
                     THEN ' ' || (i / (cardinality($4::text[]) * cardinality($5::text[])))::text
                     ELSE '' END,
                'https://company' || i || '.example/', 'company' || i || '.example',
                ($6::text[])[1 + floor(r1 * cardinality($6::text[]))::int],
                (enum_range(NULL::company_stage))[1 + floor(r2 * 8)::int],
                ($7::text[])[1 + floor(r3 * cardinality($7::text[]))::int],
                CASE WHEN cardinality($8::uuid[]) = 0 THEN NULL
                     ELSE ($8::uuid[])[1 + (i % cardinality($8::uuid[]))] END,
                now() - r4 * interval '730 days',
                now() - r4 * interval '365 days',
                -- Enriched for ~70 %: the score is the mean of three draws (most companies
                -- middling, a few excellent or poor).
                CASE WHEN r5 < 0.7 THEN least(100, floor((r1 + r2 + r5 / 0.7) / 3 * 101))::smallint END,
                CASE WHEN r5 < 0.7 THEN (ARRAY['low', 'medium', 'high'])[1 + floor(r3 * 3)::int]::enrichment_confidence END,
                CASE WHEN r5 < 0.7 THEN now() - r5 * interval '300 days' END,
                CASE WHEN r5 < 0.7 THEN
                    ($9::text[])[1 + floor(r1 * cardinality($9::text[]))::int] || ' ' ||
                    ($9::text[])[1 + floor(r3 * cardinality($9::text[]))::int]
                ELSE '' END
         FROM g",
    )
    .bind(tenant_id)
    .bind(offset)
    .bind(i64::from(count))
    .bind(PREFIXES)
    .bind(SUFFIXES)
    .bind(SECTORS)
    .bind(LOCATIONS)
    .bind(added_by)
    .bind(KEYWORDS)
    .execute(&mut *conn)
    .await
    .map_err(internal)?
    .rows_affected();
    // The detail behind each generated score, so a company's page shows a result.
    sqlx::query(
        "INSERT INTO enrichments (company_id, tenant_id, status, attempts, requested_at, finished_at,
                                  summary, what_they_do, keywords, signals, sources, score, confidence,
                                  provider, tokens_in, tokens_out, cost_micros, enriched_at)
         SELECT c.id, c.tenant_id, 'done', 1, c.enriched_at, c.enriched_at,
                c.name || ' works on ' || c.enrichment_text || ' in ' || c.sector || '.',
                jsonb_build_array(initcap(c.enrichment_text)),
                to_jsonb(string_to_array(c.enrichment_text, ' ')),
                '[]'::jsonb,
                jsonb_build_array(jsonb_build_object('url', c.website_url, 'title', c.name)),
                c.score, c.confidence, 'heuristic', 0, 0, 0, c.enriched_at
         FROM companies c
         WHERE c.tenant_id = $1 AND c.score IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM enrichments e WHERE e.company_id = c.id)",
    )
    .bind(tenant_id)
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(made)
}
