//! The dashboards' counters (`case_tallies`, `case_days`, `case_loads`,
//! `case_backlog_days`) against a recount of the cases they count: after any mix of
//! writes the two must be equal, row for row.

use sqlx::PgPool;

/// The counters that differ from a recount of `cases`, as text (empty when equal).
/// Zero counters are left out on both sides: a counter that fell to zero stays.
pub async fn case_tally_differences(pool: &PgPool) -> Vec<String> {
    let tallies: Vec<String> = sqlx::query_scalar(
        "WITH want AS (
             SELECT tenant_id, s.per_assignee, s.assignee_id, status, priority, archived,
                    count(*)::int AS n
             FROM cases
             CROSS JOIN LATERAL (VALUES (false, NULL::uuid), (true, assignee_id))
                 AS s (per_assignee, assignee_id)
             GROUP BY 1, 2, 3, 4, 5, 6),
         have AS (
             SELECT tenant_id, per_assignee, assignee_id, status, priority, archived, n
             FROM case_tallies WHERE n <> 0)
         SELECT 'missing ' || w::text FROM (SELECT * FROM want EXCEPT SELECT * FROM have) w
         UNION ALL
         SELECT 'extra ' || h::text FROM (SELECT * FROM have EXCEPT SELECT * FROM want) h",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let days: Vec<String> = sqlx::query_scalar(
        "WITH contributions AS (
             SELECT c.tenant_id, s.per_assignee, s.assignee_id, k.day, k.created, k.open, k.closed
             FROM cases c
             CROSS JOIN LATERAL (VALUES (false, NULL::uuid), (true, c.assignee_id))
                 AS s (per_assignee, assignee_id)
             CROSS JOIN LATERAL (VALUES
                 ((c.created_at AT TIME ZONE 'UTC')::date, 1,
                  (NOT c.archived AND c.status IN ('new', 'open', 'pending'))::int, 0),
                 ((c.closed_at AT TIME ZONE 'UTC')::date, 0, 0, 1)) AS k (day, created, open, closed)
             WHERE k.day IS NOT NULL),
         want AS (
             SELECT tenant_id, per_assignee, assignee_id, day, sum(created)::int AS created,
                    sum(open)::int AS open, sum(closed)::int AS closed
             FROM contributions GROUP BY 1, 2, 3, 4),
         have AS (
             SELECT tenant_id, per_assignee, assignee_id, day, created, open, closed
             FROM case_days WHERE (created, open, closed) <> (0, 0, 0))
         SELECT 'missing day ' || w::text FROM (SELECT * FROM want EXCEPT SELECT * FROM have) w
         UNION ALL
         SELECT 'extra day ' || h::text FROM (SELECT * FROM have EXCEPT SELECT * FROM want) h",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let stamps: Vec<String> = sqlx::query_scalar(
        "SELECT 'closed_at wrong for case ' || id FROM cases
         WHERE (closed_at IS NOT NULL) <> (status IN ('resolved', 'closed'))",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let loads: Vec<String> = sqlx::query_scalar(
        "WITH want AS (
             SELECT tenant_id, assignee_id, count(*)::int AS open FROM cases
             WHERE NOT archived AND status IN ('new', 'open', 'pending') GROUP BY 1, 2),
         have AS (SELECT tenant_id, assignee_id, open FROM case_loads WHERE open <> 0)
         SELECT 'missing load ' || w::text FROM (SELECT * FROM want EXCEPT SELECT * FROM have) w
         UNION ALL
         SELECT 'extra load ' || h::text FROM (SELECT * FROM have EXCEPT SELECT * FROM want) h",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // The backlog's history: each status × priority's latest day holds the backlog now.
    let backlog: Vec<String> = sqlx::query_scalar(
        "WITH want AS (
             SELECT tenant_id, status, priority, count(*)::int AS n FROM cases
             WHERE NOT archived AND status IN ('new', 'open', 'pending') GROUP BY 1, 2, 3),
         latest AS (
             SELECT DISTINCT ON (tenant_id, status, priority) tenant_id, status, priority, n
             FROM case_backlog_days ORDER BY tenant_id, status, priority, day DESC),
         have AS (SELECT * FROM latest WHERE n <> 0)
         SELECT 'missing backlog ' || w::text FROM (SELECT * FROM want EXCEPT SELECT * FROM have) w
         UNION ALL
         SELECT 'extra backlog ' || h::text FROM (SELECT * FROM have EXCEPT SELECT * FROM want) h",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    tallies
        .into_iter()
        .chain(days)
        .chain(loads)
        .chain(backlog)
        .chain(stamps)
        .collect()
}

/// Panics with the differences when the counters do not equal a recount.
pub async fn assert_case_tallies_match_recount(pool: &PgPool) {
    let differences = case_tally_differences(pool).await;
    assert!(
        differences.is_empty(),
        "the dashboard counters differ from a recount:\n{}",
        differences.join("\n")
    );
}

/// What creating a case writes, counted: cases, comments, audit rows and the numbers
/// taken. A refused creation (by hand, the inquiry form, later the API) leaves all
/// four as they were.
pub async fn case_rows_written(pool: &PgPool) -> (i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_comments),
                (SELECT count(*) FROM case_actions),
                (SELECT coalesce(sum(last_number), 0) FROM tenant_case_counters)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The companies' counters (`company_tallies`) against a recount of `companies`.
pub async fn assert_company_tallies_match_recount(pool: &PgPool) {
    let differences: Vec<String> = sqlx::query_scalar(
        "WITH want AS (
             SELECT tenant_id, sector, stage,
                    CASE WHEN score IS NOT NULL THEN least(score / 10, 9)::smallint END AS band,
                    count(*)::int AS n, coalesce(sum(score), 0)::bigint AS score_sum
             FROM companies GROUP BY 1, 2, 3, 4),
         have AS (
             SELECT tenant_id, sector, stage, band, n, score_sum FROM company_tallies
             WHERE n <> 0 OR score_sum <> 0)
         SELECT 'missing ' || w::text FROM (SELECT * FROM want EXCEPT SELECT * FROM have) w
         UNION ALL
         SELECT 'extra ' || h::text FROM (SELECT * FROM have EXCEPT SELECT * FROM want) h",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        differences.is_empty(),
        "the company counters differ from a recount:\n{}",
        differences.join("\n")
    );
}
