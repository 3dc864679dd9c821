//! Authorisation in one place: what each role may do, and what a workspace's policy
//! adds. Every server function (and every axum handler outside Leptos) starts by asking
//! the viewer for the capability it needs ([`require`]); nothing else decides access.
//! The check reads only the viewer, which the request resolved once (with the
//! workspace's policy, see `auth_session_user`): no query, no transaction of its own.

use crate::model::{AppError, Viewer};

// The table itself is shared with the browser (the navigation shows each role only
// the places it may open): crate::model::capability.
pub use crate::model::{Capability, allows};

/// The viewer, if they may do `capability`: 401 when nobody is signed in, 403 when the
/// signed-in person may not.
pub fn require(viewer: Option<&Viewer>, capability: Capability) -> Result<&Viewer, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    if allows(viewer, capability) {
        Ok(viewer)
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn viewer(role: Role, employees_may_enrich: bool) -> Viewer {
        Viewer::for_tests(role, employees_may_enrich)
    }

    #[test]
    fn anonymous_is_401_and_wrong_role_is_403() {
        let analyst = viewer(Role::Analyst, false);
        assert_eq!(
            require(None, Capability::UseCompanies).map(|_| ()),
            Err(AppError::Unauthenticated)
        );
        assert_eq!(
            require(Some(&analyst), Capability::ManageUsers).map(|_| ()),
            Err(AppError::Forbidden)
        );
        assert!(require(Some(&analyst), Capability::UseCompanies).is_ok());
        let employee = viewer(Role::Employee, true);
        assert_eq!(
            require(Some(&employee), Capability::AddCompanies).map(|_| ()),
            Err(AppError::Forbidden)
        );
    }
}
