//! Google sign-in: OAuth 2 authorization code with PKCE and a `state` kept in the
//! session. The callback checks `state`, exchanges the code (proving the PKCE
//! verifier), reads the userinfo endpoint, requires a verified email, and signs in
//! the matching user — or creates them as an employee when their email is in a
//! tenant's Google Workspace domain. Every endpoint is configuration, so tests run the
//! whole flow against a local OIDC mock.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_sessions::Session;
use uuid::Uuid;

use crate::model::{Email, Role};
use crate::server::audit::{self, Actor, Subject};
use crate::server::{AppState, Config, db};

const PENDING_KEY: &str = "google_pending";

type GoogleClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Why a Google sign-in did not sign anyone in; each has its own message on /login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoogleError {
    NotConfigured,
    /// The person cancelled at Google, or Google refused.
    Denied,
    /// No sign-in was started from this browser, or it was already used.
    Expired,
    /// `state` does not match: a forged or replayed callback.
    Tampered,
    /// Google did not accept the code (or could not be reached).
    Exchange,
    Unverified,
    NoAccount,
    Deactivated,
}

impl GoogleError {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotConfigured => "google_off",
            Self::Denied => "google_denied",
            Self::Expired => "google_expired",
            Self::Tampered => "google_tampered",
            Self::Exchange => "google_failed",
            Self::Unverified => "google_unverified",
            Self::NoAccount => "google_no_account",
            Self::Deactivated => "deactivated",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: String,
    next: String,
}

fn client(config: &Config) -> Result<GoogleClient, GoogleError> {
    let (Some(id), Some(secret)) = (&config.google_client_id, &config.google_client_secret) else {
        return Err(GoogleError::NotConfigured);
    };
    let bad = |_| {
        tracing::error!("a GOOGLE_* URL setting is not a valid URL");
        GoogleError::NotConfigured
    };
    Ok(BasicClient::new(ClientId::new(id.clone()))
        .set_client_secret(ClientSecret::new(secret.expose_secret().to_string()))
        .set_auth_uri(AuthUrl::new(config.google_auth_url.clone()).map_err(bad)?)
        .set_token_uri(TokenUrl::new(config.google_token_url.clone()).map_err(bad)?)
        .set_redirect_uri(RedirectUrl::new(config.google_redirect_url()).map_err(bad)?))
}

/// Remembers a fresh `state` and PKCE verifier in the session and returns the URL of
/// Google's consent page.
pub async fn start(
    config: &Config,
    session: &Session,
    next: String,
) -> Result<String, GoogleError> {
    let client = client(config)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        state: state.secret().clone(),
        verifier: verifier.secret().clone(),
        next,
    };
    session
        .insert(PENDING_KEY, pending)
        .await
        .map_err(|error| {
            tracing::error!(%error, "could not store the pending Google sign-in");
            GoogleError::Exchange
        })?;
    Ok(url.to_string())
}

pub struct GoogleSignIn {
    pub user_id: Uuid,
    pub session_epoch: i32,
    pub next: String,
}

#[derive(Debug, Deserialize)]
struct UserInfo {
    sub: String,
    email: Option<String>,
    /// Google sends a boolean; some providers send "true".
    email_verified: Option<serde_json::Value>,
    name: Option<String>,
}

pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

pub async fn finish(
    app: &AppState,
    session: &Session,
    callback: Callback,
) -> Result<GoogleSignIn, GoogleError> {
    let client = client(&app.config)?;
    // One use only: the pending sign-in is removed whatever happens next.
    let pending: Pending = session
        .remove(PENDING_KEY)
        .await
        .ok()
        .flatten()
        .ok_or(GoogleError::Expired)?;
    if callback.error.is_some() {
        return Err(GoogleError::Denied);
    }
    let (Some(code), Some(state)) = (callback.code, callback.state) else {
        return Err(GoogleError::Tampered);
    };
    if state != pending.state {
        tracing::warn!("Google callback with a state that does not match the session");
        return Err(GoogleError::Tampered);
    }
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
        .request_async(&app.http)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "Google code exchange failed");
            GoogleError::Exchange
        })?;
    let info: UserInfo = app
        .http
        .get(&app.config.google_userinfo_url)
        .bearer_auth(token.access_token().secret())
        .send()
        .await
        .and_then(|response| response.error_for_status())
        .map_err(|error| {
            tracing::warn!(%error, "Google userinfo request failed");
            GoogleError::Exchange
        })?
        .json()
        .await
        .map_err(|error| {
            tracing::warn!(%error, "Google userinfo answer did not parse");
            GoogleError::Exchange
        })?;
    let verified = matches!(&info.email_verified, Some(serde_json::Value::Bool(true)))
        || matches!(&info.email_verified, Some(serde_json::Value::String(s)) if s == "true");
    let email = info.email.as_deref().map(Email::parse).and_then(Result::ok);
    let (Some(email), true) = (email, verified) else {
        return Err(GoogleError::Unverified);
    };
    let (user_id, session_epoch) = user_for(app, &info.sub, &email, info.name.as_deref()).await?;
    Ok(GoogleSignIn {
        user_id,
        session_epoch,
        next: pending.next,
    })
}

#[derive(sqlx::FromRow)]
struct Known {
    id: Uuid,
    tenant_id: Uuid,
    active: bool,
    session_epoch: i32,
    google_sub: Option<String>,
}

/// The existing user for this Google identity (linking the account on first use), or a
/// new employee when the email's domain is a tenant's Workspace domain.
async fn user_for(
    app: &AppState,
    sub: &str,
    email: &Email,
    name: Option<&str>,
) -> Result<(Uuid, i32), GoogleError> {
    let unavailable = |error: sqlx::Error| {
        tracing::error!(%error, "Google sign-in: database error");
        GoogleError::Exchange
    };
    let known = sqlx::query_as::<_, Known>(
        "SELECT id, tenant_id, active, session_epoch, google_sub FROM auth_user_for_google($1, $2)",
    )
    .bind(sub)
    .bind(email.as_str())
    .fetch_optional(&app.pool)
    .await
    .map_err(unavailable)?;
    if let Some(user) = known {
        if user
            .google_sub
            .as_deref()
            .is_some_and(|linked| linked != sub)
        {
            // The email is linked to a different Google account: not this person.
            return Err(GoogleError::NoAccount);
        }
        if !user.active {
            return Err(GoogleError::Deactivated);
        }
        db::write(&app.pool, user.tenant_id, |mut tx| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE users SET google_sub = $2, last_sign_in_at = now() WHERE id = $1",
                )
                .bind(user.id)
                .bind(sub)
                .execute(&mut *tx)
                .await?;
                Ok(())
            })
        })
        .await
        .map_err(|_| GoogleError::Exchange)?;
        return Ok((user.id, user.session_epoch));
    }
    let tenant: Option<Uuid> = sqlx::query_scalar("SELECT auth_tenant_for_google_domain($1)")
        .bind(email.domain())
        .fetch_one(&app.pool)
        .await
        .map_err(unavailable)?;
    let Some(tenant) = tenant else {
        return Err(GoogleError::NoAccount);
    };
    let display_name = name
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.chars().count() <= 200 && !n.chars().any(char::is_control))
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("New user"))
        .to_string();
    let display_name = &display_name;
    let id = db::write(&app.pool, tenant, |mut tx| Box::pin(async move {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO users (tenant_id, email, display_name, role, google_sub, last_sign_in_at)
             VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
        )
        .bind(tenant)
        .bind(email.as_str())
        .bind(display_name)
        .bind(Role::Employee)
        .bind(sub)
        .fetch_one(&mut *tx)
        .await?;
        let after = json!({ "email": email.as_str(), "display_name": display_name, "role": Role::Employee, "via": "google" });
        let actor = Actor::system(tenant);
        audit::record(&mut tx, actor, Subject::User(id), "create", None, Some(after)).await?;
        Ok(id)
    }))
    .await
    .map_err(|_| GoogleError::Exchange)?;
    tracing::info!(%tenant, "created a user from a Google Workspace sign-in");
    Ok((id, 0))
}
