//! Retrying a transaction that Postgres aborted for a reason that goes away by itself:
//! a serialization failure (40001), a deadlock victim (40P01), or a lock wait that hit
//! `lock_timeout` (55P03). The whole transaction is run again from the start, a bounded
//! number of times, with exponential backoff and jitter so that the writers that
//! collided do not collide again in step. Anything else is returned at once.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// SQLSTATEs that mean "the same transaction, run again, may well succeed".
const TRANSIENT: [&str; 3] = ["40001", "40P01", "55P03"];

/// Attempts after the first.
pub const RETRIES: usize = 4;

pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| TRANSIENT.contains(&code.as_ref())),
        _ => false,
    }
}

/// The waits between attempts of a write ([`super::db::write`]): [`RETRIES`] of them,
/// growing exponentially from 5 ms to at most 400 ms, each with jitter so that the
/// writers that collided do not collide again in step.
pub fn backoff() -> impl Iterator<Item = Duration> {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(400))
        .with_max_times(RETRIES)
        .with_jitter()
        .build()
}

/// The error a request reports once retrying is over: contention that outlasted the
/// retries, or a statement that hit `statement_timeout` (57014), is "try again
/// shortly" (503), not a server fault.
pub fn give_up(error: sqlx::Error) -> crate::model::AppError {
    let timed_out =
        matches!(&error, sqlx::Error::Database(db) if db.code().as_deref() == Some("57014"));
    if is_transient(&error) || timed_out {
        tracing::warn!(%error, "database contention outlasted the retries");
        crate::model::AppError::Unavailable
    } else {
        super::db::unavailable(error)
    }
}
