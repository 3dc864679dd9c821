//! The connection pool and the migrations.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicI64, Ordering};

use futures::future::BoxFuture;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::Config;
use crate::model::AppError;

/// The role request traffic runs as (see the tenant-isolation migration): it owns no
/// table and cannot bypass row-level security.
pub const APP_ROLE: &str = "casework_app";

/// Request transactions waiting for a connection (and their BEGIN) right now: the
/// pool's "waiters" for `/metrics` (sqlx does not expose its own wait queue). Most of a
/// request's database work starts in [`tenant_tx`] or [`write_tx`].
static WAITING: AtomicI64 = AtomicI64::new(0);

pub fn waiting() -> i64 {
    WAITING.load(Ordering::Relaxed)
}

/// Counts one waiter for as long as it lives (a cancelled request stops waiting too).
struct Waiting;

impl Waiting {
    fn start() -> Self {
        WAITING.fetch_add(1, Ordering::Relaxed);
        Self
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Forward-only migrations, one concern per file, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The request pool. Lazy: the server starts (and `/api/health` answers 503) even
/// while the database is down, instead of refusing to boot. Every connection drops to
/// the app role first, so row-level security applies to everything it runs.
pub fn request_pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    Ok(as_app_role(PgPoolOptions::new())
        .max_connections(config.database_pool_size)
        .acquire_timeout(config.acquire_timeout())
        // No ping before handing out a connection: a page takes three connections in
        // turn (session, viewer, its transaction), and three extra round trips were a
        // measurable part of its time (bench/RESULTS.md). A connection the server has
        // dropped fails its first query instead; sqlx then discards it, and the request
        // answers 503 ("try again shortly") rather than hanging.
        .test_before_acquire(false)
        .connect_lazy_with(config.connect_options()?))
}

/// Every connection of a pool drops to the app role first, so row-level security
/// applies to everything it runs.
fn as_app_role(options: PgPoolOptions) -> PgPoolOptions {
    super::connections::checked(options).after_connect(|conn, _meta| {
        Box::pin(async move {
            conn.execute(format!("SET ROLE {APP_ROLE}").as_str())
                .await?;
            Ok(())
        })
    })
}

/// A lazy pool per read replica (`DATABASE_READ_URL`), as the app role like the
/// request pool, each as big as it: a replica takes the reads the primary is spared.
pub fn read_pools(config: &Config) -> Result<Vec<(String, PgPool)>, sqlx::Error> {
    let replicas = config
        .replicas
        .replicas(config.database_statement_timeout_ms)?;
    Ok(replicas
        .into_iter()
        .map(|(name, options)| {
            let pool = as_app_role(PgPoolOptions::new())
                .max_connections(config.database_pool_size)
                // A replica that is down must fail its reads fast: the monitor skips
                // it within a check, and reads meanwhile fall back to the primary.
                .acquire_timeout(
                    config
                        .acquire_timeout()
                        .min(std::time::Duration::from_secs(2)),
                )
                .test_before_acquire(false)
                .connect_lazy_with(options);
            (name, pool)
        })
        .collect())
}

/// Whether the database answers a trivial query (the health check's probe).
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(pool)
        .await
        .map(|_| ())
}

/// A transaction scoped to one tenant: row-level security shows it that tenant's rows
/// and nothing else. The setting ends with the transaction (`is_local = true`), so a
/// pooled connection never carries a tenant into the next request.
pub async fn tenant_tx(pool: &PgPool, tenant_id: Uuid) -> Result<ReadTx, AppError> {
    if let Some(shared) = super::atomic::current(tenant_id).await? {
        return Ok(ReadTx::Shared(shared));
    }
    // A replica when one is fresh enough for this request (super::replicas).
    if let Some(replica) = super::replicas::current().and_then(|context| context.pick()) {
        match begin_detached(&replica, begin_for(tenant_id, "")).await {
            Ok(tx) => return Ok(ReadTx::Own(tx)),
            // Gone since the last check: this read goes to the primary, and the
            // monitor takes the replica out at its next check.
            Err(error) => {
                tracing::warn!(%error, "a replica failed a read; reading from the primary")
            }
        }
    }
    begin_detached(pool, begin_for(tenant_id, ""))
        .await
        .map(ReadTx::Own)
        .map_err(unavailable)
}

/// A transaction to read in: the request's own, or — inside an atomic batch
/// (super::atomic) — the batch's, where its commit is the batch's to make.
pub enum ReadTx {
    Own(Transaction<'static, Postgres>),
    Shared(tokio::sync::OwnedMutexGuard<Transaction<'static, Postgres>>),
}

impl ReadTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            ReadTx::Own(tx) => tx.commit().await,
            ReadTx::Shared(_) => Ok(()),
        }
    }
}

impl Deref for ReadTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            ReadTx::Own(tx) => tx,
            ReadTx::Shared(tx) => tx,
        }
    }
}

impl DerefMut for ReadTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            ReadTx::Own(tx) => tx,
            ReadTx::Shared(tx) => tx,
        }
    }
}

/// A transaction for a write: tenant-scoped like [`tenant_tx`], and with a lock wait
/// bounded at 3 s, so a lock held elsewhere (a long bulk action, a stuck client) fails
/// this request in seconds instead of hanging it. That failure (55P03) is one
/// [`write`] retries; the connection's `statement_timeout`
/// (`DATABASE_STATEMENT_TIMEOUT_MS`) bounds everything else.
pub async fn write_tx(
    pool: &PgPool,
    tenant_id: Uuid,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let _waiting = Waiting::start();
    super::connections::begin(
        pool,
        begin_for(tenant_id, ", set_config('lock_timeout', '3s', true)"),
    )
    .await
}

/// Why a write's work stopped short of committing: the database failed (retried when
/// the failure is transient, see [`super::retry`]), or the domain refused (an
/// [`AppError`] for the person, never retried). `?` turns either into this, so the work
/// reads like any other fallible code: `Err(AppError::NotFound)?`.
#[derive(Debug)]
pub enum Abort {
    Database(sqlx::Error),
    Refused(AppError),
}

impl From<sqlx::Error> for Abort {
    fn from(error: sqlx::Error) -> Self {
        Abort::Database(error)
    }
}

impl From<AppError> for Abort {
    fn from(error: AppError) -> Self {
        Abort::Refused(error)
    }
}

/// For reads that share a write's steps (a check run before a write, outside it): a
/// database failure there is the request's error like any other.
impl From<Abort> for AppError {
    fn from(abort: Abort) -> Self {
        match abort {
            Abort::Database(error) => unavailable(error),
            Abort::Refused(error) => error,
        }
    }
}

/// A write's transaction, as [`write`] hands it to the work: a `PgConnection` (through
/// `Deref`), with the lifetime `'a` of what the work borrows from its caller carried
/// along. (`&'c &'a ()` is only well-formed when `'a` outlives `'c`, and saying so in
/// the type is what lets the work's boxed future hold both the connection and those
/// borrows. A plain async closure would be simpler to write, but the compiler cannot
/// yet prove its future `Send`, which every request handler needs.)
pub struct Tx<'c, 'a> {
    conn: &'c mut PgConnection,
    _borrows: PhantomData<&'c &'a ()>,
}

impl Deref for Tx<'_, '_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn
    }
}

impl DerefMut for Tx<'_, '_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn
    }
}

/// The one way to write. Runs `work` in a transaction scoped to `tenant_id` with a
/// bounded lock wait ([`write_tx`]) and commits what it did. A refusal rolls back and
/// comes back as it is; a transient database failure (serialization, deadlock, lock
/// wait) runs the whole of `work` again from the start in a new transaction, with
/// backoff, a bounded number of times; any other failure, or contention that outlasts
/// the retries, becomes the request's error ([`super::retry::give_up`]). So `work` must
/// do nothing outside the transaction it is given that cannot happen twice.
///
/// ```ignore
/// db::write(pool, viewer.tenant_id, |mut tx| Box::pin(async move {
///     let case = find(&mut tx, viewer, number, true).await?.ok_or(AppError::NotFound)?;
///     sqlx::query("UPDATE cases …").execute(&mut *tx).await?;
///     audit::record(&mut tx, viewer, Subject::Case(case.id), "update", before, after).await?;
///     Ok(case)
/// }))
/// .await
/// ```
pub async fn write<'a, T, F>(pool: &PgPool, tenant_id: Uuid, mut work: F) -> Result<T, AppError>
where
    F: for<'c> FnMut(Tx<'c, 'a>) -> BoxFuture<'c, Result<T, Abort>>,
{
    // Inside an atomic batch: the batch's transaction, committed (or not) with the
    // batch, and not retried alone.
    if let Some(mut shared) = super::atomic::current(tenant_id).await? {
        let outcome = work(Tx {
            conn: &mut shared,
            _borrows: PhantomData,
        })
        .await;
        return match outcome {
            Ok(value) => Ok(value),
            Err(Abort::Refused(error)) => Err(error),
            Err(Abort::Database(error)) => Err(super::retry::give_up(error)),
        };
    }
    // From here on this request reads from the primary, and its person's next reads
    // wait for a replica that has this write (super::replicas).
    if let Some(context) = super::replicas::current() {
        context.mark_wrote();
    }
    let mut delays = super::retry::backoff();
    loop {
        let attempt = async {
            let mut tx = write_tx(pool, tenant_id).await?;
            let value = work(Tx {
                conn: &mut tx,
                _borrows: PhantomData,
            })
            .await?;
            tx.commit().await?;
            Ok(value)
        };
        match attempt.await {
            Ok(value) => return Ok(value),
            Err(Abort::Refused(error)) => return Err(error),
            Err(Abort::Database(error)) => match delays.next() {
                Some(delay) if super::retry::is_transient(&error) => {
                    tracing::warn!(%error, ?delay, "transient database error; retrying the transaction");
                    tokio::time::sleep(delay).await;
                }
                _ => return Err(super::retry::give_up(error)),
            },
        }
    }
}

/// `BEGIN` and the tenant setting as one message, so starting a transaction costs one
/// round trip instead of two (a page runs three in all; bench/RESULTS.md). A simple
/// query cannot take parameters, so the id is written into the text: a `Uuid` displays
/// as 36 hexadecimal digits and hyphens, nothing that could end the string literal.
fn begin_for(tenant_id: Uuid, more_settings: &'static str) -> String {
    format!("BEGIN; SELECT set_config('app.tenant_id', '{tenant_id}', true){more_settings}")
}

/// Begins a transaction in a task of its own. sqlx counts a transaction as begun only
/// once the server's answer arrives; a request dropped in between (a client hanging up)
/// would hand the connection back to the pool with the transaction, and the tenant
/// setting sent with it, still open on the server, for whatever runs on it next. In its
/// own task the begin always finishes, and if no one is waiting for it any more the
/// transaction is dropped there, which rolls it back.
async fn begin_detached(
    pool: &PgPool,
    statement: String,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move {
        let _waiting = Waiting::start();
        super::connections::begin(&pool, statement).await
    })
    .await
    // Only a panic inside sqlx or a runtime shutting down gets here.
    .map_err(|_| sqlx::Error::WorkerCrashed)?
}

/// Ends a transaction that only read. Dropping it makes sqlx queue a `ROLLBACK`, which
/// goes out with the check sqlx makes on every connection returning to the pool, after
/// the answer has been sent; a `COMMIT` would cost the request a round trip of its own
/// for nothing to keep. Only for transactions that wrote nothing: whatever they wrote
/// is undone.
pub fn end_read(tx: ReadTx) {
    drop(tx);
}

/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` typed by a person
/// taken literally rather than as wildcards.
pub fn contains_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// The live-updates listener's own connection. `PgListener` holds the connection it
/// LISTENs on for the life of the process; taken from the request pool, it would
/// quietly leave `DATABASE_POOL_SIZE - 1` connections for requests. A pool of one
/// (as `PgListener::connect` builds) still lets it reconnect after a lost connection.
pub fn listener_pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    Ok(PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with(config.connect_options()?))
}

/// A pool that cannot give out a connection in time means "try again shortly", not
/// "the server is broken".
pub fn unavailable(error: sqlx::Error) -> AppError {
    internal(error)
}

/// Logs the detail (the request id is on the span) and hands the browser nothing of it.
/// A database that went away (a connection lost mid-request, a server shutting down or
/// restarting, no connection to be had in time) is "try again shortly" (503, which a
/// proxy may retry elsewhere for a read), not "the server is broken" (500).
pub fn internal(error: sqlx::Error) -> AppError {
    if super::connections::lost(&error) {
        tracing::warn!(%error, "database unavailable");
        AppError::Unavailable
    } else {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

/// A short-lived connection pool for migrations, seeding and admin commands.
pub async fn admin_pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(config.acquire_timeout())
        .connect_with(config.admin_connect_options()?)
        .await
}

/// Ours, then the job queue's (which lives in its own schema, `underway`).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await?;
    migrate_jobs(pool).await?;
    leakproof_operators(pool).await?;
    Ok(())
}

/// Operators marked LEAKPROOF, so that their conditions can use indexes under
/// row-level security: enum `=` (status and priority filters;
/// migrations/20261212000002_enum_eq_leakproof.sql says why) and text search's `@@`
/// (the search box; migrations/20261215000001_search_leakproof.sql). Asserted at every
/// start, because a dump and restore drops the mark; where the role cannot (not a
/// superuser), a warning: everything works, those reads are slower.
async fn leakproof_operators(pool: &PgPool) -> Result<(), sqlx::Error> {
    const FUNCTIONS: [(&str, &str); 2] = [
        (
            "pg_catalog.enum_eq(anyenum, anyenum)",
            "queues filtered by status or priority read more rows than they need",
        ),
        (
            "pg_catalog.ts_match_vq(tsvector, tsquery)",
            "search and text filters read every row of the workspace",
        ),
    ];
    for (function, slower) in FUNCTIONS {
        let (leakproof, superuser): (bool, bool) = sqlx::query_as(
            "SELECT (SELECT proleakproof FROM pg_proc WHERE oid = $1::regprocedure),
                    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
        )
        .bind(function)
        .fetch_one(pool)
        .await?;
        if leakproof {
            continue;
        }
        if superuser {
            // A fixed name from the list above, never input.
            pool.execute(format!("ALTER FUNCTION {function} LEAKPROOF").as_str())
                .await?;
        } else {
            tracing::warn!(
                "{function} is not LEAKPROOF and this role cannot mark it: {slower} \
                 (run, as a superuser, ALTER FUNCTION {function} LEAKPROOF)"
            );
        }
    }
    Ok(())
}

/// underway's schema (its own migrations, in schema `underway`), and the app role's
/// access to it. Run after ours, by the migration step.
pub async fn migrate_jobs(pool: &PgPool) -> Result<(), sqlx::Error> {
    underway::run_migrations(pool).await?;
    let mut tx = pool.begin().await?;
    for statement in [
        format!("GRANT USAGE ON SCHEMA underway TO {APP_ROLE}"),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA underway TO {APP_ROLE}"
        ),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA underway TO {APP_ROLE}"),
        format!("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA underway TO {APP_ROLE}"),
    ] {
        tx.execute(statement.as_str()).await?;
    }
    tx.commit().await
}

/// The jobs' own pool: a running job holds a connection for its whole run (the queue's
/// transaction and advisory lock), so jobs never take request connections. Same role
/// as requests: row-level security applies to job writes too.
pub fn jobs_pool(config: &Config) -> Result<PgPool, String> {
    Ok(as_app_role(PgPoolOptions::new())
        // Per running job: its transaction and a heartbeat (WORKERS enrichments, one
        // sync, twice WORKERS webhook deliveries); the three workers' listeners, the
        // webhook relay's listener and batch, and a few short progress writes.
        .max_connections(config.workers.max(1) * 6 + 9)
        .acquire_timeout(config.acquire_timeout())
        .connect_lazy_with(
            config
                .connect_options()
                .map_err(|e| format!("DATABASE_URL: {e}"))?,
        ))
}
