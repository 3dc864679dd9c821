//! Signing deliveries the Standard Webhooks way (<https://www.standardwebhooks.com>),
//! so receivers can check them with any of that specification's libraries:
//!
//! - the secret is `whsec_` followed by the base64 of 32 random bytes (the key);
//! - each delivery carries `webhook-id` (the event's id, the same on every attempt),
//!   `webhook-timestamp` (seconds since the epoch, of this attempt) and
//!   `webhook-signature: v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`;
//! - a receiver recomputes the signature over the raw body, compares in constant time,
//!   and refuses timestamps far from its clock (replays).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and 32 bytes from the operating system's generator.
pub fn new_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The key inside a secret (the prefix is optional, as receivers' libraries accept).
fn key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).ok().filter(|key| !key.is_empty())
}

/// The `webhook-signature` value for one attempt; `None` for a malformed secret (the
/// database only holds well-formed ones).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)?).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// What a receiver does: whether `header` (space-separated `v1,<signature>` entries)
/// holds a valid signature of the body, and the timestamp is within `tolerance_s` of
/// `now`. The tests check deliveries with it; it is the documented scheme.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: i64,
    tolerance_s: i64,
) -> bool {
    if (now - timestamp).abs() > tolerance_s {
        return false;
    }
    let Some(expected) = sign(secret, id, timestamp, body) else {
        return false;
    };
    let Some((_, expected)) = expected.split_once(',') else {
        return false;
    };
    let Ok(expected) = STANDARD.decode(expected) else {
        return false;
    };
    header.split(' ').any(|entry| {
        let Some(("v1", signature)) = entry.split_once(',') else {
            return false;
        };
        let Ok(signature) = STANDARD.decode(signature) else {
            return false;
        };
        // In constant time: how much of a guess matched must not show in the timing.
        subtle::ConstantTimeEq::ct_eq(signature.as_slice(), expected.as_slice()).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's published test vector.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signatures_match_the_specifications_test_vector() {
        assert_eq!(
            sign(SECRET, ID, TIMESTAMP, BODY).as_deref(),
            Some(SIGNATURE)
        );
        assert!(verify(
            SECRET,
            ID,
            TIMESTAMP,
            BODY,
            SIGNATURE,
            TIMESTAMP + 10,
            300
        ));
        // Several signatures (a rotation): any one valid is enough.
        let two = format!("v1,bm90IGl0 {SIGNATURE}");
        assert!(verify(SECRET, ID, TIMESTAMP, BODY, &two, TIMESTAMP, 300));
    }

    #[test]
    fn anything_changed_fails_verification() {
        let now = TIMESTAMP;
        assert!(!verify(
            SECRET,
            ID,
            TIMESTAMP,
            br#"{"test": 1}"#,
            SIGNATURE,
            now,
            300
        ));
        assert!(!verify(
            SECRET,
            "msg_other",
            TIMESTAMP,
            BODY,
            SIGNATURE,
            now,
            300
        ));
        assert!(!verify(
            SECRET,
            ID,
            TIMESTAMP + 1,
            BODY,
            SIGNATURE,
            now,
            300
        ));
        assert!(!verify(
            &new_secret(),
            ID,
            TIMESTAMP,
            BODY,
            SIGNATURE,
            now,
            300
        ));
        assert!(!verify(
            SECRET,
            ID,
            TIMESTAMP,
            BODY,
            "v2,g0hM9SsE",
            now,
            300
        ));
        assert!(!verify(SECRET, ID, TIMESTAMP, BODY, "", now, 300));
        // Too old, or from the future: a replay.
        assert!(!verify(
            SECRET,
            ID,
            TIMESTAMP,
            BODY,
            SIGNATURE,
            now + 301,
            300
        ));
        assert!(!verify(
            SECRET,
            ID,
            TIMESTAMP,
            BODY,
            SIGNATURE,
            now - 301,
            300
        ));
    }

    #[test]
    fn new_secrets_are_random_32_byte_keys_the_database_accepts() {
        let one = new_secret();
        assert_ne!(one, new_secret());
        assert_eq!(key(&one).map(|k| k.len()), Some(32));
        // The shape migrations/20261212000001_webhooks.sql checks.
        assert_eq!(one.len(), "whsec_".len() + 44);
        assert!(one.ends_with('='));
        assert_eq!(sign("whsec_not base64!", ID, TIMESTAMP, BODY), None);
    }
}
