//! The connection pool and the migrations.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::Config;

/// Forward-only migrations, one concern per file, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The request pool. Lazy: the server starts (and `/api/health` answers 503) even
/// while the database is down, instead of refusing to boot.
pub fn request_pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    Ok(PgPoolOptions::new()
        .max_connections(config.database_pool_size)
        .acquire_timeout(config.acquire_timeout())
        .connect_lazy_with(config.connect_options()?))
}

/// A short-lived connection pool for migrations, seeding and admin commands.
pub async fn admin_pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(config.acquire_timeout())
        .connect_with(config.admin_connect_options()?)
        .await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
