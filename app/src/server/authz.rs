//! Authorisation in one place: what each role may do. Every server function starts by
//! asking the viewer for the capability it needs; nothing else decides access.

use crate::model::{AppError, Role, Viewer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See and work cases assigned to oneself.
    WorkOwnCases,
    /// See every case of the tenant, assign and bulk-change them.
    ManageAllCases,
    /// Companies, enrichment, notes, personal lists, saved searches.
    UseCompanies,
    /// Create, rename and delete shared lists.
    ManageSharedLists,
    /// Users and roles, integrations, API keys, usage and cost.
    ManageUsers,
    /// The system health page.
    ViewSystemHealth,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::WorkOwnCases,
        Capability::ManageAllCases,
        Capability::UseCompanies,
        Capability::ManageSharedLists,
        Capability::ManageUsers,
        Capability::ViewSystemHealth,
    ];
}

/// The role × capability table.
///
/// | capability          | admin | employee | analyst |
/// |---------------------|:-----:|:--------:|:-------:|
/// | WorkOwnCases        |  yes  |   yes    |   no    |
/// | ManageAllCases      |  yes  |   no     |   no    |
/// | UseCompanies        |  yes  |   no     |   yes   |
/// | ManageSharedLists   |  yes  |   no     |   no    |
/// | ManageUsers         |  yes  |   no     |   no    |
/// | ViewSystemHealth    |  yes  |   no     |   no    |
pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability::*;
    match role {
        Role::Admin => true,
        Role::Employee => matches!(capability, WorkOwnCases),
        Role::Analyst => matches!(capability, UseCompanies),
    }
}

/// The viewer, if they may do `capability`: 401 when nobody is signed in, 403 when the
/// signed-in person's role does not allow it.
pub fn require(viewer: Option<&Viewer>, capability: Capability) -> Result<&Viewer, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    if allows(viewer.role, capability) {
        Ok(viewer)
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        use Capability::*;
        let expected = [
            (
                Role::Admin,
                vec![
                    WorkOwnCases,
                    ManageAllCases,
                    UseCompanies,
                    ManageSharedLists,
                    ManageUsers,
                    ViewSystemHealth,
                ],
            ),
            (Role::Employee, vec![WorkOwnCases]),
            (Role::Analyst, vec![UseCompanies]),
        ];
        for (role, allowed) in expected {
            for capability in Capability::ALL {
                assert_eq!(
                    allows(role, capability),
                    allowed.contains(&capability),
                    "{role:?} × {capability:?}"
                );
            }
        }
    }

    #[test]
    fn anonymous_is_401_and_wrong_role_is_403() {
        let analyst = Viewer {
            user_id: uuid::Uuid::nil(),
            tenant_id: uuid::Uuid::nil(),
            role: Role::Analyst,
            email: "a@b.example".into(),
            display_name: "A".into(),
            tenant_name: "T".into(),
        };
        assert_eq!(
            require(None, Capability::UseCompanies).map(|_| ()),
            Err(AppError::Unauthenticated)
        );
        assert_eq!(
            require(Some(&analyst), Capability::ManageUsers).map(|_| ()),
            Err(AppError::Forbidden)
        );
        assert!(require(Some(&analyst), Capability::UseCompanies).is_ok());
    }
}
