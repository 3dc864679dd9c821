//! Who is signed in: the session record, signing in and out, and resolving the
//! `Viewer` once per request.

pub mod google;
mod password_login;
mod session;
mod viewer;
pub mod viewer_cache;

pub use password_login::{SignInError, authenticate};
pub use session::{SignedIn, sign_in, sign_out};
pub use viewer::{resolve, viewer_from_parts};
pub use viewer_cache::ViewerCache;

/// Only local paths are allowed as "where to go after signing in": `/cases?x=1` yes,
/// `//evil.example` or `https://evil.example` no (an open redirect otherwise).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control())
                && path.len() <= 2048 =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/work?status=open")), "/work?status=open");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
