//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on the
//! blocking thread pool, never on the async runtime's workers.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};

use crate::model::AppError;

/// The shortest password accepted when one is set.
pub const MIN_LENGTH: usize = 10;

pub async fn hash(password: String) -> Result<String, AppError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(AppError::invalid(
            "password",
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|_| AppError::Internal)
}

/// True when `password` matches the stored PHC string. A malformed stored hash is a
/// mismatch, not an error the caller could tell apart.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let stored = hash("correct horse battery".into()).await;
        let Ok(stored) = stored else {
            panic!("{stored:?}")
        };
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), stored.clone()).await);
        assert!(!verify("correct horse battery!".into(), stored).await);
        assert!(!verify("anything".into(), "not a hash".into()).await);
    }

    #[tokio::test]
    async fn refuses_short_passwords() {
        assert_eq!(hash("short".into()).await.map_err(|e| e.status()), Err(422));
    }
}
