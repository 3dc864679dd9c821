//! API keys: made and revoked by admins, checked on every API request.
//!
//! A key reads `cwk_XXXXXXXX_` followed by 32 random characters (a–z, A–Z, 0–9; 190
//! bits from the operating system's generator). The first part is its prefix: stored
//! in the clear, shown in lists, and what the look-up finds the key by. Of the whole
//! key only its SHA-256 is stored: a key has far more entropy than a password, so there
//! is nothing to stretch, and every request checks one (argon2 would cost each API
//! call tens of milliseconds). The hash is compared in constant time.
//!
//! Each key has its own service identity (a `users` row with role `service`, which
//! cannot sign in): requests with the key act as it, and the audit trail names it.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Subject};
use super::db::{self, Abort, internal, tenant_tx};
use crate::model::{ApiKeySummary, ApiScope, AppError, MadeApiKey, NewApiKey, Plan, Role, Viewer};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` characters of [`ALPHABET`], each uniformly from the OS generator (bytes past the
/// largest multiple of 62 are drawn again, so no character is likelier).
fn random_text(n: usize) -> String {
    let mut out = String::with_capacity(n);
    let mut bytes = [0u8; 64];
    while out.len() < n {
        OsRng.fill_bytes(&mut bytes);
        for byte in bytes {
            if out.len() == n {
                break;
            }
            if byte < 248 {
                out.push(char::from(ALPHABET[usize::from(byte % 62)]));
            }
        }
    }
    out
}

fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// The prefix of a presented key (`cwk_` and 8 characters), if it has the key's shape.
fn prefix_of(key: &str) -> Option<&str> {
    let (prefix, secret) = key.split_at_checked(12)?;
    let shaped = prefix.starts_with("cwk_")
        && prefix[4..].bytes().all(|b| b.is_ascii_alphanumeric())
        && secret.len() == 33
        && secret.starts_with('_')
        && secret[1..].bytes().all(|b| b.is_ascii_alphanumeric());
    shaped.then_some(prefix)
}

/// Makes a key (admins): its service identity, the key row, the audit entry. The
/// secret is in the answer and nowhere else.
pub async fn create(
    pool: &PgPool,
    viewer: &Viewer,
    new: &NewApiKey,
) -> Result<MadeApiKey, AppError> {
    let prefix = format!("cwk_{}", random_text(8));
    let secret = format!("{prefix}_{}", random_text(32));
    let hash = sha256(&secret);
    let scopes: Vec<&str> = new.scopes.iter().map(|scope| scope.as_str()).collect();
    let expires_at = new.expires_on.map(|day| day.midnight().assume_utc());
    let id = db::write(pool, viewer.tenant_id, |mut tx| {
        let (prefix, hash, scopes) = (prefix.clone(), hash.clone(), scopes.clone());
        Box::pin(async move {
            let user_id: Uuid = sqlx::query_scalar(
                "INSERT INTO users (tenant_id, email, display_name, role)
                 VALUES ($1, $2, $3, 'service') RETURNING id",
            )
            .bind(viewer.tenant_id)
            // Unique whatever the prefix (emails are compared lower-cased; prefixes
            // differ by case too).
            .bind(format!("{}@api-keys.invalid", Uuid::new_v4().simple()))
            .bind(format!("API key “{}” ({prefix})", new.name))
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_keys (tenant_id, user_id, name, prefix, secret_sha256, scopes,
                                       expires_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(viewer.tenant_id)
            .bind(user_id)
            .bind(&new.name)
            .bind(&prefix)
            .bind(&hash)
            .bind(&scopes)
            .bind(expires_at)
            .bind(viewer.user_id)
            .fetch_one(&mut *tx)
            .await?;
            let after = json!({ "key_id": id, "name": new.name, "prefix": prefix,
                                "scopes": scopes, "expires_at": expires_at });
            audit::record(
                &mut tx,
                viewer,
                Subject::Integration,
                "api_key_created",
                None,
                Some(after),
            )
            .await?;
            Ok::<_, Abort>(id)
        })
    })
    .await?;
    Ok(MadeApiKey {
        id,
        name: new.name.clone(),
        secret,
    })
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    created_at: OffsetDateTime,
    created_by: Option<String>,
    expires_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
    last_used_ip: Option<String>,
    revoked_at: Option<OffsetDateTime>,
}

/// The workspace's keys, newest first.
pub async fn list(pool: &PgPool, viewer: &Viewer) -> Result<Vec<ApiKeySummary>, AppError> {
    let mut tx = tenant_tx(pool, viewer.tenant_id).await?;
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT k.id, k.name, k.prefix, k.scopes, k.created_at, u.display_name AS created_by,
                k.expires_at, k.last_used_at, host(k.last_used_ip) AS last_used_ip, k.revoked_at
         FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
         ORDER BY k.created_at DESC, k.id DESC",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    db::end_read(tx);
    Ok(rows
        .into_iter()
        .map(|row| ApiKeySummary {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            scopes: row
                .scopes
                .iter()
                .filter_map(|s| ApiScope::parse(s))
                .collect(),
            created_at: row.created_at,
            created_by: row.created_by,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            last_used_ip: row.last_used_ip,
            revoked_at: row.revoked_at,
        })
        .collect())
}

/// Revokes key `id` (admins): refused from the next request on, in every instance (the
/// look-up reads the row each time). Revoking a revoked key changes nothing.
pub async fn revoke(pool: &PgPool, viewer: &Viewer, id: i64) -> Result<(), AppError> {
    db::write(pool, viewer.tenant_id, |mut tx| {
        Box::pin(async move {
            let revoked: Option<(String, String)> = sqlx::query_as(
                "UPDATE api_keys SET revoked_at = now(), revoked_by = $2
                 WHERE id = $1 AND revoked_at IS NULL RETURNING name, prefix",
            )
            .bind(id)
            .bind(viewer.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            match revoked {
                Some((name, prefix)) => {
                    let after = json!({ "key_id": id, "name": name, "prefix": prefix });
                    audit::record(
                        &mut tx,
                        viewer,
                        Subject::Integration,
                        "api_key_revoked",
                        None,
                        Some(after),
                    )
                    .await?;
                    Ok(())
                }
                None => {
                    // Another workspace's key is as absent as one that never was.
                    let exists: bool =
                        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = $1)")
                            .bind(id)
                            .fetch_one(&mut *tx)
                            .await?;
                    if exists {
                        Ok(())
                    } else {
                        Err(AppError::NotFound.into())
                    }
                }
            }
        })
    })
    .await
}

#[derive(sqlx::FromRow)]
struct Presented {
    key_id: i64,
    tenant_id: Uuid,
    user_id: Uuid,
    secret_sha256: Vec<u8>,
    scopes: Vec<String>,
    expires_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
    last_used_ip: Option<String>,
    tenant_name: String,
    plan: Plan,
    display_name: String,
    email: String,
}

/// The service identity of the key presented (`Authorization: Bearer <key>`), from
/// `ip`: 401 for a key that is malformed, unknown, wrong, revoked or expired — the same
/// answer for each, so a caller learns nothing about keys it does not hold. Its use is
/// noted once the key checks out (at most once a minute, or when the address changes).
pub async fn authenticate(
    pool: &PgPool,
    key: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<Viewer, AppError> {
    let prefix = prefix_of(key).ok_or(AppError::Unauthenticated)?;
    let found: Option<Presented> = super::connections::read(|| {
        sqlx::query_as(
            "SELECT key_id, tenant_id, user_id, secret_sha256, scopes, expires_at, revoked_at,
                    last_used_at, host(last_used_ip) AS last_used_ip, tenant_name, plan,
                    display_name, email
             FROM api_key_by_prefix($1)",
        )
        .bind(prefix)
        .fetch_optional(pool)
    })
    .await
    .map_err(internal)?;
    let found = found.ok_or(AppError::Unauthenticated)?;
    let matches: bool = found.secret_sha256.ct_eq(&sha256(key)).into();
    let now = OffsetDateTime::now_utc();
    if !matches || found.revoked_at.is_some() || found.expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::Unauthenticated);
    }
    let ip = ip.map(|ip| ip.to_string());
    let stale = found
        .last_used_at
        .is_none_or(|at| now - at > time::Duration::minutes(1));
    if stale || found.last_used_ip != ip {
        sqlx::query("SELECT api_key_used($1, $2::inet)")
            .bind(found.key_id)
            .bind(ip)
            .execute(pool)
            .await
            .map_err(internal)?;
    }
    Ok(Viewer {
        user_id: found.user_id,
        tenant_id: found.tenant_id,
        role: Role::Service,
        email: found.email,
        display_name: found.display_name,
        tenant_name: found.tenant_name,
        employees_may_enrich: false,
        plan: found.plan,
        api_scopes: found
            .scopes
            .iter()
            .filter_map(|s| ApiScope::parse(s))
            .collect(),
    })
}

/// The active admin `email` of workspace `slug`, as a request of theirs would see them
/// (`casework create-api-key` makes keys in their name).
pub async fn admin_viewer(
    pool: &PgPool,
    slug: &crate::model::TenantSlug,
    email: &str,
) -> Result<Option<Viewer>, AppError> {
    let found: Option<(Uuid, Uuid, String, String, bool, Plan)> = sqlx::query_as(
        "SELECT u.id, t.id, u.display_name, t.name, t.employees_may_enrich, t.plan
         FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE t.slug = $1 AND lower(u.email) = lower($2) AND u.role = 'admin' AND u.active",
    )
    .bind(slug.as_str())
    .bind(email.trim())
    .fetch_optional(pool)
    .await
    .map_err(internal)?;
    Ok(found.map(
        |(user_id, tenant_id, display_name, tenant_name, employees_may_enrich, plan)| Viewer {
            user_id,
            tenant_id,
            role: Role::Admin,
            email: email.trim().to_string(),
            display_name,
            tenant_name,
            employees_may_enrich,
            plan,
            api_scopes: Vec::new(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_shaped_as_the_look_up_expects() {
        let one = format!("cwk_{}_{}", random_text(8), random_text(32));
        let two = format!("cwk_{}_{}", random_text(8), random_text(32));
        assert_ne!(one, two);
        assert_eq!(prefix_of(&one), Some(&one[..12]));
        for bad in [
            "",
            "cwk_",
            "Bearer cwk_abcdefgh_0123456789abcdef0123456789abcdef",
            "cwk_abcdefgh-0123456789abcdef0123456789abcdef",
            "cwk_abcdefgh_0123456789abcdef0123456789abcde",
            "cwk_abcdéfgh_0123456789abcdef0123456789abcdef",
            "xyz_abcdefgh_0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(prefix_of(bad), None, "{bad}");
        }
        // Every character of the alphabet turns up, none outside it.
        let sample = random_text(20_000);
        assert!(sample.bytes().all(|b| ALPHABET.contains(&b)));
        assert!(ALPHABET.iter().all(|c| sample.as_bytes().contains(c)));
    }
}
