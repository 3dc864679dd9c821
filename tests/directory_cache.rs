#![cfg(feature = "ssr")]
// Tests may unwrap: a panic here is a failed test, not a crashed request.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The contractor directory's page cache (server/contractors/cache.rs): a page read
//! again is answered from memory; any write to a workspace's contractors or its Zoho
//! connection — however it is made, here by hand in SQL, so no writer's cooperation is
//! assumed — is announced by the database and drops that workspace's pages in every
//! process, and only that workspace's; nothing is kept without the listener or with
//! `DIRECTORY_CACHE_SECONDS=0`.

mod common;

use app::model::Role;
use app::server::AppState;
use common::eventually;
use common::world::World;
use serde_json::Value;
use sqlx::PgPool;

async fn world(pool: &PgPool) -> World {
    let world = World::build(pool)
        .tenant("acme", &[("ada@acme.example", Role::Admin)])
        .tenant("globex", &[("gus@globex.example", Role::Admin)])
        .done()
        .await;
    for (tenant, names) in [
        ("acme", &["Ada Byron", "Bo Diddley", "Cy Young"][..]),
        ("globex", &["Gus Grissom"][..]),
    ] {
        for (n, name) in names.iter().enumerate() {
            add(pool, tenant, &format!("{}", 100 + n), name, "Electrician").await;
        }
    }
    world
}

/// A contractor written straight into the database (the sync's writes go the same
/// way; the announcement comes from the table's trigger, not from the writer).
async fn add(pool: &PgPool, tenant: &str, zoho_id: &str, name: &str, trade: &str) {
    sqlx::query(
        "INSERT INTO contractors (tenant_id, zoho_id, name, trade, zoho_modified_at)
         SELECT id, $2, $3, $4, now() FROM tenants WHERE slug = $1",
    )
    .bind(tenant)
    .bind(zoho_id)
    .bind(name)
    .bind(trade)
    .execute(pool)
    .await
    .unwrap();
}

/// A process of its own on the test database, listening, pages kept `seconds`.
async fn instance(pool: &PgPool, seconds: &str) -> AppState {
    common::listening_instance(pool, &["--directory-cache-seconds", seconds]).await
}

async fn page(state: &AppState, cookie: &str, query: &str) -> Value {
    let query = [("query", query.to_string())];
    common::call_ok(state, cookie, "/api/contractors/list", &query).await
}

/// The names on a page, in order.
async fn names(state: &AppState, cookie: &str, query: &str) -> Vec<String> {
    let page = page(state, cookie, query).await;
    let cards = page["cards"].as_array().unwrap();
    cards
        .iter()
        .map(|card| card["name"].as_str().unwrap().to_string())
        .collect()
}

fn hits(state: &AppState) -> u64 {
    state.directory.stats().hits
}

#[sqlx::test]
async fn pages_are_kept_until_a_contractor_of_their_workspace_changes(pool: PgPool) {
    let world = world(&pool).await;
    let here = instance(&pool, "3600").await;
    let ada = world.cookie("ada@acme.example").await;
    let gus = world.cookie("gus@globex.example").await;

    let first = page(&here, &ada, "").await;
    let before = hits(&here);
    assert_eq!(page(&here, &ada, "").await, first);
    assert_eq!(hits(&here), before + 1, "read again from memory");
    let searched = names(&here, &ada, "q=young").await;
    assert_eq!(searched, ["Cy Young"]);
    let globex = page(&here, &gus, "").await;
    assert_eq!(
        names(&here, &gus, "").await,
        ["Gus Grissom"],
        "each workspace its own pages"
    );

    // Inserted: every page of acme is read again, filtered and searched ones too.
    add(&pool, "acme", "200", "Al Young", "Plumber").await;
    eventually!("the new contractor is listed", {
        names(&here, &ada, "").await == ["Ada Byron", "Al Young", "Bo Diddley", "Cy Young"]
    });
    assert_eq!(
        names(&here, &ada, "q=young").await,
        ["Al Young", "Cy Young"]
    );
    assert_eq!(
        page(&here, &ada, "").await["trades"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Globex's page was not touched by acme's change.
    let before = hits(&here);
    assert_eq!(page(&here, &gus, "").await, globex);
    assert_eq!(hits(&here), before + 1);

    // Updated (a rename, as a sync applies it), archived, deleted.
    sqlx::query("UPDATE contractors SET name = 'Bo Jackson' WHERE zoho_id = '101'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("the rename is shown", {
        names(&here, &ada, "")
            .await
            .contains(&"Bo Jackson".to_string())
    });
    sqlx::query("UPDATE contractors SET archived_at = now() WHERE zoho_id = '100'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("the archived one leaves the page", {
        names(&here, &ada, "").await == ["Al Young", "Bo Jackson", "Cy Young"]
    });
    assert_eq!(names(&here, &ada, "archived=1").await, ["Ada Byron"]);
    sqlx::query("DELETE FROM contractors WHERE zoho_id = '200'")
        .execute(&pool)
        .await
        .unwrap();
    eventually!("the deleted one is gone", {
        names(&here, &ada, "").await == ["Bo Jackson", "Cy Young"]
    });

    // A workspace with no contractors: its empty page says whether Zoho is connected,
    // and connecting is announced too.
    sqlx::query("DELETE FROM contractors WHERE tenant_id = $1")
        .bind(world.tenant("globex"))
        .execute(&pool)
        .await
        .unwrap();
    eventually!("globex is empty", {
        page(&here, &gus, "").await["cards"] == serde_json::json!([])
    });
    assert_eq!(page(&here, &gus, "").await["connected"], false);
    sqlx::query(
        "INSERT INTO zoho_connections (tenant_id, client_id, client_secret, refresh_token,
             channel_id, channel_token)
         VALUES ($1, 'id', 'secret', 'token', '1', 'channel-token')",
    )
    .bind(world.tenant("globex"))
    .execute(&pool)
    .await
    .unwrap();
    eventually!("the empty page knows Zoho is connected", {
        page(&here, &gus, "").await["connected"] == true
    });
}

#[sqlx::test]
async fn a_change_announced_by_the_database_reaches_every_process(pool: PgPool) {
    let world = world(&pool).await;
    let one = instance(&pool, "3600").await;
    let two = instance(&pool, "3600").await;
    let ada = world.cookie("ada@acme.example").await;
    for state in [&one, &two] {
        names(state, &ada, "").await;
        names(state, &ada, "").await;
        assert_eq!(hits(state), 1);
    }
    add(&pool, "acme", "300", "Zed Zimmer", "Roofer").await;
    for state in [&one, &two] {
        eventually!("both processes list the newcomer", {
            names(state, &ada, "trade=Roofer").await == ["Zed Zimmer"]
                && names(state, &ada, "").await.len() == 4
        });
    }
}

#[sqlx::test]
async fn nothing_is_kept_without_the_listener_or_with_no_ttl(pool: PgPool) {
    let world = world(&pool).await;
    let ada = world.cookie("ada@acme.example").await;
    // The world's own process has no listener running: every read is a read.
    for _ in 0..3 {
        page(&world.state, &ada, "").await;
    }
    assert_eq!(hits(&world.state), 0);
    assert_eq!(world.state.directory.stats().entries, 0);
    assert_eq!(world.state.directory.stats().misses, 3);
    // A listening process with the cache turned off.
    let off = instance(&pool, "0").await;
    page(&off, &ada, "").await;
    page(&off, &ada, "").await;
    assert_eq!(hits(&off), 0);
}
