//! What each role may do, and what a workspace's policy adds: one table, read by the
//! server before anything is done (server::authz::require) and by the browser build to
//! show each role only the places it may open.

use super::{Role, Viewer};

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
    /// The search box: every person, each finding only what their other capabilities
    /// let them open (server/search.rs). Not API keys: the API has its own lists.
    Search,
    /// One's own notifications (the bell, the page, the settings): every person, not
    /// API keys.
    Notifications,
}

impl Capability {
    pub const ALL: [Capability; 11] = [
        Capability::WorkOwnCases,
        Capability::ManageAllCases,
        Capability::UseCompanies,
        Capability::AddCompanies,
        Capability::ManageSharedLists,
        Capability::ManageUsers,
        Capability::ViewSystemHealth,
        Capability::ViewContractors,
        Capability::ListPeople,
        Capability::Search,
        Capability::Notifications,
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
/// | Search              |  yes  |   yes    |   yes   |
/// | Notifications       |  yes  |   yes    |   yes   |
///
/// ¹ when the workspace lets employees enrich (`Viewer::employees_may_enrich`).
pub fn allows(viewer: &Viewer, capability: Capability) -> bool {
    use Capability::*;
    match viewer.role {
        Role::Admin => true,
        Role::Employee => {
            matches!(
                capability,
                WorkOwnCases | ViewContractors | Search | Notifications
            ) || (capability == UseCompanies && viewer.employees_may_enrich)
        }
        Role::Analyst => matches!(
            capability,
            UseCompanies | AddCompanies | ViewContractors | Search | Notifications
        ),
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
                ManageSharedLists | ManageUsers | ViewSystemHealth | Search | Notifications => {
                    false
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role, employees_may_enrich: bool) -> Viewer {
        Viewer::for_tests(role, employees_may_enrich)
    }

    #[test]
    fn the_table() {
        use Capability::*;
        let everything = Capability::ALL.to_vec();
        let expected = [
            (Role::Admin, false, everything.clone()),
            (Role::Admin, true, everything),
            (
                Role::Employee,
                false,
                vec![WorkOwnCases, ViewContractors, Search, Notifications],
            ),
            (
                Role::Employee,
                true,
                vec![
                    WorkOwnCases,
                    UseCompanies,
                    ViewContractors,
                    Search,
                    Notifications,
                ],
            ),
            (
                Role::Analyst,
                false,
                vec![
                    UseCompanies,
                    AddCompanies,
                    ViewContractors,
                    Search,
                    Notifications,
                ],
            ),
            (
                Role::Analyst,
                true,
                vec![
                    UseCompanies,
                    AddCompanies,
                    ViewContractors,
                    Search,
                    Notifications,
                ],
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
}
