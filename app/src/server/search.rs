//! Search across everything the viewer may open, in one tenant transaction.
//!
//! Each kind is its own small query, cut at `limit` (+1 to know there is more). Words
//! are matched as prefixes (the box finds "kettle" at "ket") through the `search`
//! tsvectors' GIN indexes, which row-level security lets the planner use because
//! `ts_match_vq` is LEAKPROOF (migrations/20261215000001_search_leakproof.sql). The
//! case number goes through `(tenant_id, number)`; an employee's words through their
//! own cases (the assignee index); an admin's first through the newest thousand open
//! cases, where a common word is found at once, then through the GIN index for a word
//! rare there (`cases`, bench/RESULTS.md "Search"). What a role may not open is never
//! asked for: an employee's cases are their own, companies need `UseCompanies`, people
//! `ListPeople`.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::authz::{self, Capability};
use super::db::{internal, tenant_tx};
use crate::model::{
    AppError, CaseStatus, HitKind, Match, SearchHit, SearchQuery, SearchResults, Viewer,
    search_pages,
};

/// At most this many hits of each kind in the palette.
pub const PALETTE_LIMIT: i64 = 5;
/// And on the /search page.
pub const PAGE_LIMIT: i64 = 20;

pub async fn search(
    pool: &PgPool,
    viewer: &Viewer,
    query: &SearchQuery,
    limit: i64,
) -> Result<SearchResults, AppError> {
    let mut results = SearchResults {
        query: query.as_str().to_owned(),
        ..SearchResults::default()
    };
    if query.is_empty() {
        return Ok(results);
    }
    let words = query.words();
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let mut kinds: Vec<Vec<SearchHit>> = Vec::new();
    if authz::allows(viewer, Capability::WorkOwnCases) {
        kinds.push(cases(&mut tx, viewer, query.number(), &words, limit).await?);
    }
    if !words.is_empty() {
        if authz::allows(viewer, Capability::UseCompanies) {
            kinds.push(named(&mut tx, &COMPANIES, viewer.tenant_id, &words, limit).await?);
        }
        if authz::allows(viewer, Capability::ViewContractors) {
            kinds.push(named(&mut tx, &CONTRACTORS, viewer.tenant_id, &words, limit).await?);
        }
        if authz::allows(viewer, Capability::ListPeople) {
            kinds.push(people(&mut tx, viewer.tenant_id, &words, limit).await?);
        }
    }
    tx.commit().await.map_err(internal)?;
    kinds.push(search_pages(viewer, query));

    for mut hits in kinds {
        if hits.len() as i64 > limit {
            hits.truncate(limit as usize);
            results.more = true;
        }
        results.hits.extend(hits);
    }
    // Stable: within a kind of match, kinds keep their order and each its own.
    results.hits.sort_by_key(|hit| hit.matched);
    Ok(results)
}

/// `'word':*` for each word, joined by `&`; `weights` after the star (`A` = titles).
/// The words are letters and digits only (SearchQuery::words), so quoting them is
/// enough to keep them words.
fn prefixes(words: &[String], weights: &str) -> String {
    words
        .iter()
        .map(|w| format!("'{w}':*{weights}"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Every word, each as a prefix in either dictionary: stemmed English (titles) or
/// as written (names, emails). Placeholders from `$first`, one per word.
fn anywhere(column: &str, words: &[String], first: usize) -> String {
    let each = (0..words.len())
        .map(|i| {
            let p = first + i;
            format!("(to_tsquery('english', ${p}) || to_tsquery('simple', ${p}))")
        })
        .collect::<Vec<_>>()
        .join(" && ");
    format!("{column} @@ ({each})")
}

#[derive(sqlx::FromRow)]
struct CaseHit {
    number: i32,
    title: String,
    customer_name: String,
    customer_company: String,
    status: CaseStatus,
    #[allow(dead_code)]
    updated_at: OffsetDateTime,
    tier: i32,
}

/// Planner settings for the statements `work` runs, then back: text search's
/// estimates for prefixes are guesses (a fixed fraction of the rows), so left alone
/// the planner walks a sort-order index and checks every row for a word that is in
/// none of them (5 s at a million cases). With index-order and sequential scans off it
/// takes the GIN index, whose cost follows the real number of matches.
async fn by_text_index<T>(
    conn: &mut PgConnection,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    sqlx::query("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)")
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    let outcome = work(&mut *conn).await;
    // Back for the rest of the transaction (an atomic batch's, maybe).
    sqlx::query("SELECT set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true)")
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    outcome
}

/// The newest cases an admin's words are first looked for in. A common word ("refund",
/// in one title in fifteen) is found there in a few milliseconds; a word found fewer
/// than `limit` times there is rare enough that the GIN index finds all of them fast.
const RECENT_WINDOW: i64 = 1000;
/// An employee's words are looked for in their newest this many cases (a queue is
/// about 500).
const OWN_WINDOW: i64 = 5000;
/// And at most this many matches of a rare word are sorted by recency.
const MATCH_CAP: i64 = 5000;

const CASE_COLUMNS: &str =
    "c.number, c.title, c.customer_name, c.customer_company, c.status, c.updated_at";

async fn cases(
    conn: &mut PgConnection,
    viewer: &Viewer,
    number: Option<i32>,
    words: &[String],
    limit: i64,
) -> Result<Vec<SearchHit>, AppError> {
    // Every case for those who manage all of them, else one's own (as the case page).
    // Two statements rather than `$all OR assignee = $me`: a generic plan of that
    // could not use the assignee index. After the scope's parameters ($1 tenant, and
    // $2 the viewer for their own), a statement binds the number, or the title query,
    // the limit and each word: PostgreSQL refuses a parameter a statement never names.
    let all = authz::allows(viewer, Capability::ManageAllCases);
    let (scope, next) = if all {
        ("c.tenant_id = $1", 2)
    } else {
        ("c.tenant_id = $1 AND c.assignee_id = $2", 3)
    };
    let mut rows: Vec<CaseHit> = Vec::new();
    if let Some(number) = number {
        let sql = format!(
            "SELECT {CASE_COLUMNS}, 0 AS tier FROM cases c WHERE {scope} AND c.number = ${next}"
        );
        let query = scoped(&sql, viewer, all).bind(number);
        rows.extend(query.fetch_all(&mut *conn).await.map_err(internal)?);
    }
    if words.is_empty() {
        return Ok(rows.into_iter().map(case_hit).collect());
    }
    let (title, cap) = (format!("${next}"), format!("${}", next + 1));
    let anywhere = anywhere("c.search", words, next + 2);
    // An admin's: the newest open cases first, then the index for what is rare there.
    // An employee's: their own cases, all of them (a few hundred, read through the
    // assignee index; the text index would read every match in the workspace first).
    let (open_only, window_rows) = if all {
        ("AND NOT c.archived", RECENT_WINDOW)
    } else {
        ("", OWN_WINDOW)
    };
    let window = format!(
        "SELECT number, title, customer_name, customer_company, status, updated_at, tier FROM (
             SELECT c.*, row_number() OVER (PARTITION BY c.tier ORDER BY c.updated_at DESC, c.id DESC) AS nth
             FROM (SELECT {CASE_COLUMNS}, c.id,
                          CASE WHEN c.search @@ to_tsquery('english', {title}) THEN 1 ELSE 2 END AS tier
                   FROM (SELECT c.* FROM cases c WHERE {scope} {open_only}
                         ORDER BY c.updated_at DESC, c.id DESC LIMIT {window_rows}) c
                   WHERE {anywhere}) c
         ) ranked WHERE nth <= {cap} ORDER BY tier, updated_at DESC"
    );
    let recent = texts(scoped(&window, viewer, all), words, words.len(), limit)
        .fetch_all(&mut *conn)
        .await
        .map_err(internal)?;
    if !all || recent.len() as i64 > limit {
        // An employee's window is all their cases. For an admin the words are common:
        // the newest matches are here. (A title match older than the window is not
        // looked for then: a longer text narrows common words.)
        rows.extend(recent);
        return Ok(rows.into_iter().map(case_hit).collect());
    }
    // Rare in the newest thousand, so rare overall: every match through the GIN index
    // (at most MATCH_CAP of them), newest first in each tier. Both tiers in one pass:
    // the index cannot tell a title's words from a customer's (weights are checked on
    // the rows), so a title-only lookup of a common surname would read all its rows.
    let sql = format!(
        "WITH m AS MATERIALIZED (
             SELECT {CASE_COLUMNS}, c.id,
                    CASE WHEN c.search @@ to_tsquery('english', {title}) THEN 1 ELSE 2 END AS tier
             FROM cases c WHERE {scope} AND {anywhere} LIMIT {MATCH_CAP})
         SELECT number, title, customer_name, customer_company, status, updated_at, tier FROM (
             SELECT m.*, row_number() OVER (PARTITION BY tier ORDER BY updated_at DESC, id DESC) AS nth
             FROM m) ranked
         WHERE nth <= {cap} ORDER BY tier, updated_at DESC"
    );
    let query = texts(scoped(&sql, viewer, all), words, words.len(), limit);
    rows.extend(
        by_text_index(conn, async |conn| {
            query.fetch_all(conn).await.map_err(internal)
        })
        .await?,
    );
    Ok(rows.into_iter().map(case_hit).collect())
}

type CaseQuery<'q> = sqlx::query::QueryAs<'q, sqlx::Postgres, CaseHit, sqlx::postgres::PgArguments>;

/// `sql` with the scope's parameters bound: the tenant, and the viewer for their own.
fn scoped<'q>(sql: &'q str, viewer: &Viewer, all: bool) -> CaseQuery<'q> {
    let query = sqlx::query_as::<_, CaseHit>(sql).bind(viewer.tenant_id);
    if all {
        query
    } else {
        query.bind(viewer.user_id)
    }
}

/// Then a text statement's: the title query (of every word), the limit (+1), and the
/// first `bound` words, each on its own (those the statement names).
fn texts<'q>(query: CaseQuery<'q>, words: &[String], bound: usize, limit: i64) -> CaseQuery<'q> {
    let mut query = query.bind(prefixes(words, "A")).bind(limit + 1);
    for word in &words[..bound] {
        query = query.bind(format!("'{word}':*"));
    }
    query
}

fn case_hit(row: CaseHit) -> SearchHit {
    let customer = [row.customer_name, row.customer_company]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let status = crate::components::status_label(row.status);
    SearchHit {
        kind: HitKind::Case,
        matched: match row.tier {
            0 => Match::Number,
            1 => Match::Title,
            _ => Match::Detail,
        },
        title: format!("#{} {}", row.number, row.title),
        detail: if customer.is_empty() {
            status.to_owned()
        } else {
            format!("{customer} · {status}")
        },
        href: format!("/cases/{}", row.number),
    }
}

#[derive(sqlx::FromRow)]
struct NamedHit {
    id: i64,
    name: String,
    detail: String,
    tier: i32,
}

/// Companies and contractors: found by name (weight A, as written) or any detail.
struct Named {
    kind: HitKind,
    path: &'static str,
    detail: &'static str,
    from: &'static str,
    order: &'static str,
}

const COMPANIES: Named = Named {
    kind: HitKind::Company,
    path: "/companies",
    detail: "concat_ws(' · ', nullif(sector, ''), nullif(location, ''), website)",
    from: "companies WHERE tenant_id = $3",
    order: "score_rank DESC, id",
};

const CONTRACTORS: Named = Named {
    kind: HitKind::Contractor,
    path: "/contractors",
    detail: "concat_ws(' · ', trade, city)",
    from: "contractors WHERE tenant_id = $3 AND NOT archived",
    order: "name_key, id",
};

async fn named(
    conn: &mut PgConnection,
    named: &Named,
    tenant: Uuid,
    words: &[String],
    limit: i64,
) -> Result<Vec<SearchHit>, AppError> {
    let Named {
        kind,
        path,
        detail,
        from,
        order,
    } = named;
    let sql = format!(
        "SELECT id, name, {detail} AS detail,
                CASE WHEN search @@ to_tsquery('simple', $1) THEN 1 ELSE 2 END AS tier
         FROM {from} AND {}
         ORDER BY tier, {order} LIMIT $2",
        anywhere("search", words, 4)
    );
    let mut query = sqlx::query_as::<_, NamedHit>(&sql)
        .bind(prefixes(words, "A"))
        .bind(limit + 1)
        .bind(tenant);
    for word in words {
        query = query.bind(format!("'{word}':*"));
    }
    let rows = by_text_index(conn, async |conn| {
        query.fetch_all(conn).await.map_err(internal)
    })
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SearchHit {
            kind: *kind,
            matched: if row.tier == 1 {
                Match::Title
            } else {
                Match::Detail
            },
            title: row.name,
            detail: row.detail,
            href: format!("{path}/{}", row.id),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct PersonHit {
    #[allow(dead_code)]
    id: Uuid,
    display_name: String,
    email: String,
    role: crate::model::Role,
    active: bool,
    tier: i32,
}

async fn people(
    conn: &mut PgConnection,
    tenant: Uuid,
    words: &[String],
    limit: i64,
) -> Result<Vec<SearchHit>, AppError> {
    // A tenant has thousands of people at most: a scan of its rows is quick. The words
    // are letters and digits, so they hold no LIKE wildcards.
    let contains: Vec<String> = words.iter().map(|w| format!("%{w}%")).collect();
    let rows: Vec<PersonHit> = sqlx::query_as(
        "SELECT id, display_name, email, role, active,
                CASE WHEN lower(display_name) LIKE ALL ($1) THEN 1 ELSE 2 END AS tier
         FROM users
         WHERE tenant_id = $3 AND role <> 'service'
           AND lower(display_name || ' ' || email) LIKE ALL ($1)
         ORDER BY tier, active DESC, lower(display_name), id LIMIT $2",
    )
    .bind(&contains)
    .bind(limit + 1)
    .bind(tenant)
    .fetch_all(conn)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut detail = format!("{} · {}", row.email, row.role.label());
            if !row.active {
                detail.push_str(" · deactivated");
            }
            let query =
                serde_urlencoded::to_string([("q", row.email.as_str())]).unwrap_or_default();
            SearchHit {
                kind: HitKind::Person,
                matched: if row.tier == 1 {
                    Match::Title
                } else {
                    Match::Detail
                },
                title: row.display_name,
                detail,
                href: format!("/admin/users?{query}"),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_built_from_words_only() {
        let words = vec!["ket".to_owned(), "smith".to_owned()];
        assert_eq!(prefixes(&words, "A"), "'ket':*A & 'smith':*A");
        assert_eq!(
            anywhere("c.search", &words, 7),
            "c.search @@ ((to_tsquery('english', $7) || to_tsquery('simple', $7)) && \
             (to_tsquery('english', $8) || to_tsquery('simple', $8)))"
        );
    }
}
