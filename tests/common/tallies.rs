//! The dashboards' counters (`case_tallies`, `case_days`) against a recount of the
//! cases they count: after any mix of writes the two must be equal, row for row.

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
    tallies
        .into_iter()
        .chain(days)
        .chain(loads)
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
