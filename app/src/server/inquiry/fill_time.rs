//! The minimum fill time: the public page hands out the moment it was opened, signed
//! with the workspace's form key (HMAC-SHA256), and a submission sent back sooner than
//! a person could have typed it, or with a moment not signed by us, is refused. A bot
//! that posts straight to the form without loading it has no token at all.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::AppError;

/// A form left open longer than this is sent back to be reloaded: a token seen once
/// cannot be replayed for ever.
pub const MAX_AGE_SECONDS: i64 = 24 * 60 * 60;

/// The signature's hex (`None` only if HMAC refused the key, which it never does for
/// a key of any length).
fn signature(key: Uuid, slug: &str, at: i64) -> Option<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).ok()?;
    mac.update(format!("inquiry-form\n{slug}\n{at}").as_bytes());
    Some(hex(&mac.finalize().into_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// The token for a form of `slug` opened at `at` (Unix seconds): `at.signature`.
pub fn sign(key: Uuid, slug: &str, at: i64) -> String {
    format!("{at}.{}", signature(key, slug, at).unwrap_or_default())
}

/// The token for a form opened now.
pub fn sign_now(key: Uuid, slug: &str) -> String {
    sign(key, slug, OffsetDateTime::now_utc().unix_timestamp())
}

/// Checks `token` (from [`sign`]) for the form of `slug`: signed by `key`, at least
/// `min_seconds` old and at most a day.
pub fn verify(key: Uuid, slug: &str, token: &str, min_seconds: u64) -> Result<(), AppError> {
    let forged = || {
        AppError::invalid(
            "started",
            "could not be checked; please reload the page and send the form again",
        )
    };
    let (at, given) = token.trim().split_once('.').ok_or_else(forged)?;
    let at: i64 = at.parse().map_err(|_| forged())?;
    let expected = signature(key, slug, at).ok_or_else(forged)?;
    if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        return Err(forged());
    }
    let age = OffsetDateTime::now_utc().unix_timestamp() - at;
    if !(0..=MAX_AGE_SECONDS).contains(&age) {
        return Err(AppError::invalid(
            "started",
            "has been open for more than a day; please reload the page and send it again",
        ));
    }
    if age < i64::try_from(min_seconds).unwrap_or(i64::MAX) {
        return Err(AppError::invalid(
            "started",
            "was sent too quickly after the page opened; please check it and send it again",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(result: Result<(), AppError>) -> String {
        match result {
            Err(AppError::Invalid { field, message }) => format!("{field}: {message}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_signed_moment_old_enough_passes_and_nothing_else_does() {
        let key = Uuid::new_v4();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let token = sign(key, "acme", now - 10);
        assert!(verify(key, "acme", &token, 3).is_ok());
        // Too soon.
        assert!(field(verify(key, "acme", &token, 60)).contains("too quickly"));
        // Another workspace's form, another key, a moved moment, garbage.
        assert!(field(verify(key, "globex", &token, 3)).contains("reload"));
        assert!(field(verify(Uuid::new_v4(), "acme", &token, 3)).contains("reload"));
        let (_, signature) = token.split_once('.').expect("dot");
        let moved = format!("{}.{signature}", now - 100);
        assert!(field(verify(key, "acme", &moved, 3)).contains("reload"));
        for junk in ["", ".", "abc", "12.zz", "\0"] {
            assert!(field(verify(key, "acme", junk, 3)).starts_with("started"));
        }
        // Older than a day, or from the future.
        let stale = sign(key, "acme", now - MAX_AGE_SECONDS - 5);
        assert!(field(verify(key, "acme", &stale, 3)).contains("more than a day"));
        let future = sign(key, "acme", now + 600);
        assert!(field(verify(key, "acme", &future, 0)).contains("more than a day"));
    }
}
