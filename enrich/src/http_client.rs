//! The one HTTP client configuration of Casework: every outbound client (the app's, for
//! sign-in with Google; the OpenAI-compatible provider's; the guarded site fetcher's)
//! starts from these defaults and adds only what its job needs.

use std::time::Duration;

/// Who we say we are.
pub const USER_AGENT: &str = concat!("casework/", env!("CARGO_PKG_VERSION"));

/// A client builder with Casework's defaults: a connect timeout, a whole-request
/// timeout, our user agent, and no automatic redirects (a redirect is the caller's to
/// follow and check, or an answer to report).
pub fn builder(connect_timeout: Duration, timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .user_agent(USER_AGENT)
}
