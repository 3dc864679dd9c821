//! Authorisation in one place: what each role may do, and what a workspace's policy
//! adds. Every server function (and every axum handler outside Leptos) starts by asking
//! the viewer for the capability it needs ([`require`]); nothing else decides access.
//! The check reads only the viewer, which the request resolved once (with the
//! workspace's policy, see `auth_session_user`): no query, no transaction of its own.

use crate::model::{AppError, Role, Viewer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See and work cases assigned to oneself.
    WorkOwnCases,
    /// See every case of the tenant, assign and bulk-change them.
    ManageAllCases,
    /// Companies, enrichment, notes, personal lists, saved searches. Employees too,
    /// where the workspace allows them to enrich.
    UseCompanies,
    /// Adding companies to the workspace.
    AddCompanies,
    /// Create, rename and delete shared lists.
    ManageSharedLists,
    /// Users and roles, integrations, API keys, usage and cost.
    ManageUsers,
    /// The system health page.
    ViewSystemHealth,
    /// The contractor directory and its photos (every role).
    ViewContractors,
    /// The workspace's people listed whole, with emails and roles (admins, and API keys
    /// with `users:read`); pickers show others only names.
    ListPeople,
}

impl Capability {
    pub const ALL: [Capability; 9] = [
        Capability::WorkOwnCases,
        Capability::ManageAllCases,
        Capability::UseCompanies,
        Capability::AddCompanies,
        Capability::ManageSharedLists,
        Capability::ManageUsers,
        Capability::ViewSystemHealth,
        Capability::ViewContractors,
        Capability::ListPeople,
    ];
}

/// The role × capability table, and what the workspace's policy adds.
///
/// | capability          | admin | employee | analyst |
/// |---------------------|:-----:|:--------:|:-------:|
/// | WorkOwnCases        |  yes  |   yes    |   no    |
/// | ManageAllCases      |  yes  |   no     |   no    |
/// | UseCompanies        |  yes  | policy ¹ |   yes   |
/// | AddCompanies        |  yes  |   no     |   yes   |
/// | ManageSharedLists   |  yes  |   no     |   no    |
/// | ManageUsers         |  yes  |   no     |   no    |
/// | ViewSystemHealth    |  yes  |   no     |   no    |
/// | ViewContractors     |  yes  |   yes    |   yes   |
/// | ListPeople          |  yes  |   no     |   no    |
///
/// ¹ when the workspace lets employees enrich (`Viewer::employees_may_enrich`).
pub fn allows(viewer: &Viewer, capability: Capability) -> bool {
    use Capability::*;
    match viewer.role {
        Role::Admin => true,
        Role::Employee => {
            matches!(capability, WorkOwnCases | ViewContractors)
                || (capability == UseCompanies && viewer.employees_may_enrich)
        }
        Role::Analyst => matches!(capability, UseCompanies | AddCompanies | ViewContractors),
        // An API key: what its scopes reach. The API checks the scope of each route
        // first; this lets the same server functions the pages use serve it.
        Role::Service => {
            use crate::model::ApiScope as Scope;
            let any = |scopes: &[Scope]| scopes.iter().any(|s| viewer.api_scopes.contains(s));
            match capability {
                WorkOwnCases | ManageAllCases => any(&[
                    Scope::CasesRead,
                    Scope::CasesWrite,
                    Scope::CommentsRead,
                    Scope::CommentsWrite,
                ]),
                UseCompanies => any(&[Scope::CompaniesRead, Scope::CompaniesWrite]),
                AddCompanies => any(&[Scope::CompaniesWrite]),
                ViewContractors => any(&[Scope::ContractorsRead]),
                ListPeople => any(&[Scope::UsersRead]),
                ManageSharedLists | ManageUsers | ViewSystemHealth => false,
            }
        }
    }
}

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

    fn viewer(role: Role, employees_may_enrich: bool) -> Viewer {
        Viewer {
            user_id: uuid::Uuid::nil(),
            tenant_id: uuid::Uuid::nil(),
            role,
            email: "a@b.example".into(),
            display_name: "A".into(),
            tenant_name: "T".into(),
            employees_may_enrich,
            plan: crate::model::Plan::Free,
            api_scopes: Vec::new(),
        }
    }

    #[test]
    fn the_table() {
        use Capability::*;
        let everything = Capability::ALL.to_vec();
        let expected = [
            (Role::Admin, false, everything.clone()),
            (Role::Admin, true, everything),
            (Role::Employee, false, vec![WorkOwnCases, ViewContractors]),
            (
                Role::Employee,
                true,
                vec![WorkOwnCases, UseCompanies, ViewContractors],
            ),
            (
                Role::Analyst,
                false,
                vec![UseCompanies, AddCompanies, ViewContractors],
            ),
            (
                Role::Analyst,
                true,
                vec![UseCompanies, AddCompanies, ViewContractors],
            ),
        ];
        for (role, policy, allowed) in expected {
            for capability in Capability::ALL {
                assert_eq!(
                    allows(&viewer(role, policy), capability),
                    allowed.contains(&capability),
                    "{role:?} (employees may enrich: {policy}) × {capability:?}"
                );
            }
        }
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
