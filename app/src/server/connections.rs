//! Riding out a database that went away (a restart, a failover, a network cut) without
//! failing the requests that arrive after it.
//!
//! The pools hand out idle connections without a ping (a round trip per acquire was a
//! measurable share of a page: bench/RESULTS.md). After the server restarted every idle
//! connection is dead, and each would fail the next request given it. So the first sign
//! of a lost connection anywhere (a query's error, the live listener's, the replica
//! monitor's) opens a *suspect window*: for its length, every connection is pinged
//! before it is handed out and the dead are dropped, and a `BEGIN` that failed on a lost
//! connection is sent again on another (nothing ran, so nothing can happen twice). A new
//! connection to a server still starting is waited for by sqlx itself (connection
//! refused and "starting up" are retried until the acquire timeout). What fails is what
//! was in flight when the server went: a transaction part-way through, or a commit
//! whose outcome is unknown (never retried).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool, Postgres, Transaction};

/// How long connections are pinged after a connection was lost: long enough for a
/// restart (the pool's idle connections are weeded out by then), short enough that the
/// round trips stop soon after.
const SUSPECT_FOR: Duration = Duration::from_secs(10);

/// `BEGIN`s sent again after failing on a lost connection, each on another connection.
const BEGIN_RETRIES: usize = 3;

/// Milliseconds since [`epoch`] until which connections are suspect (0: never).
static SUSPECT_UNTIL: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A connection was lost: ping connections before use for a while.
pub fn suspect() {
    let until = now_ms().saturating_add(SUSPECT_FOR.as_millis() as u64);
    if SUSPECT_UNTIL.fetch_max(until, Ordering::AcqRel) <= now_ms() {
        tracing::info!("a database connection was lost: checking connections before use");
        metrics::counter!("casework_db_connection_loss_total").increment(1);
    }
}

pub fn is_suspect() -> bool {
    SUSPECT_UNTIL.load(Ordering::Acquire) > now_ms()
}

/// The database, not the request, failed: the connection (class 08), the server
/// shutting down or starting (57P01–57P03), or the pool. Marks connections suspect.
pub fn lost(error: &sqlx::Error) -> bool {
    let lost = match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::Io(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    };
    // A pool that timed out is busy, not broken.
    if lost && !matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) {
        suspect();
    }
    lost
}

/// The pools' `before_acquire`: nothing in the normal case; in a suspect window a ping,
/// and a connection that fails it is dropped (sqlx then takes another, or connects).
pub fn checked(options: PgPoolOptions) -> PgPoolOptions {
    options.before_acquire(|conn, _meta| {
        Box::pin(async move {
            if is_suspect() && conn.ping().await.is_err() {
                return Ok(false);
            }
            Ok(true)
        })
    })
}

/// Lost, and worth another connection: not a pool that is busy or closed.
fn worth_retrying(error: &sqlx::Error) -> bool {
    lost(error) && !matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
}

/// A read outside a transaction (the session's user, an API key), run once more on
/// another connection when its connection was lost: a read is safe to repeat.
pub async fn read<T, F, Fut>(mut read: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    match read().await {
        Err(error) if worth_retrying(&error) => {
            tracing::info!(%error, "a read failed on a lost connection; trying another");
            read().await
        }
        result => result,
    }
}

/// `BEGIN` (with the settings in `statement`), sent again on another connection when it
/// failed because its connection was lost.
pub async fn begin(
    pool: &PgPool,
    statement: String,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut retries = BEGIN_RETRIES;
    loop {
        match pool.begin_with(statement.clone()).await {
            Err(error) if retries > 0 && worth_retrying(&error) => {
                retries -= 1;
                tracing::info!(%error, "a transaction could not begin on a lost connection; trying another");
            }
            result => return result,
        }
    }
}
