//! Read-your-writes across read replicas (app/src/server/replicas.rs) and caches
//! (app/src/server/heard.rs): every request gets a routing context; one that wrote
//! ends by putting the primary's WAL position after its commit in a cookie, so the
//! person's next reads — on any instance — wait for a replica that has replayed it (or
//! go to the primary), and skip the caches of a process that has not heard of it yet.

use std::sync::Arc;

use app::server::AppState;
use app::server::replicas::{self, ReadContext};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The cookie holding the person's last write position (bytes of WAL, decimal). Not a
/// secret and not trusted for anything but routing: a forged value can only send the
/// sender's own reads to the primary, or to a replica as fresh as anyone's.
pub const COOKIE: &str = "casework_read_after";

/// How long the position is kept: past this, any replica fresh enough for everyone
/// has long replayed it.
const KEEP_S: u32 = 600;

pub async fn route_reads(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    // Event streams replay what a client missed from the primary, where the live
    // announcements come from: a replica behind them would leave a gap.
    if request.uri().path().ends_with("/events") {
        return next.run(request).await;
    }
    let after = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(0);
    let context = ReadContext::new(state.replicas.clone(), Arc::clone(&state.heard), after);
    request.extensions_mut().insert(Arc::clone(&context));
    let mut response = replicas::scope(Arc::clone(&context), next.run(request)).await;
    if context.wrote() {
        let position = match replicas::position_after_writes(&state.pool).await {
            Ok(position) => position,
            Err(error) => {
                // Unknown: the person reads from the primary until the cookie expires.
                tracing::warn!(%error, "could not read the WAL position after a write");
                i64::MAX
            }
        };
        let secure = if state.config.cookie_secure() {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{COOKIE}={position}; Path=/; Max-Age={KEEP_S}; HttpOnly; SameSite=Lax{secure}"
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
