//! The world a test starts from, built in one place: tenants with their people (all
//! with the same password), generated cases, the job queue's schema when the test
//! enqueues jobs, and the server state with the flags the test needs.
//!
//! ```ignore
//! let world = World::build(&pool)
//!     .tenant("acme", &[("ada@acme.example", Role::Admin), ("emil@acme.example", Role::Employee)])
//!     .cases("acme", 40, 20)
//!     .tenant("globex", &[("gus@globex.example", Role::Employee)])
//!     .done()
//!     .await;
//! let emil = world.viewer("emil@acme.example").await;
//! ```

use std::collections::HashMap;

use app::model::{Role, Viewer};
use app::server::AppState;
use sqlx::PgPool;
use uuid::Uuid;

/// Acme's case team, for tests of the queue, the case page and bulk actions: an admin,
/// two employees (the cases are theirs) and an analyst (who may not work cases).
pub const ACME_CASE_TEAM: &[(&str, Role)] = &[
    ("ada@acme.example", Role::Admin),
    ("emil@acme.example", Role::Employee),
    ("erin@acme.example", Role::Employee),
    ("anna@acme.example", Role::Analyst),
];

/// Everyone's password in a built world.
pub const PASSWORD: &str = "a long password";

pub struct World {
    pub pool: PgPool,
    pub state: AppState,
    tenants: HashMap<&'static str, Uuid>,
}

pub struct Builder<'p> {
    pool: &'p PgPool,
    tenants: Vec<(&'static str, Vec<(&'static str, Role)>)>,
    cases: Vec<(&'static str, u32, u64)>,
    jobs: bool,
    flags: Vec<String>,
}

impl World {
    pub fn build(pool: &PgPool) -> Builder<'_> {
        Builder {
            pool,
            tenants: Vec::new(),
            cases: Vec::new(),
            jobs: false,
            flags: Vec::new(),
        }
    }

    /// The id of the tenant built with this slug.
    pub fn tenant(&self, slug: &str) -> Uuid {
        self.tenants[slug]
    }

    /// The viewer the middleware would resolve for this person.
    pub async fn viewer(&self, email: &str) -> Viewer {
        super::viewer(&self.pool, email).await
    }

    /// A signed-in session cookie for this person.
    pub async fn cookie(&self, email: &str) -> String {
        super::session_cookie(&self.state, email, PASSWORD).await
    }
}

impl Builder<'_> {
    /// A tenant and its people.
    pub fn tenant(mut self, slug: &'static str, people: &[(&'static str, Role)]) -> Self {
        self.tenants.push((slug, people.to_vec()));
        self
    }

    /// `count` generated cases in the tenant (with `comments` comments among them),
    /// spread over its employees, or over its admins when it has no employees.
    pub fn cases(mut self, slug: &'static str, count: u32, comments: u64) -> Self {
        self.cases.push((slug, count, comments));
        self
    }

    /// The job queue's schema, for tests that enqueue jobs.
    pub fn jobs(mut self) -> Self {
        self.jobs = true;
        self
    }

    /// Flags for the server's configuration, as the binary takes them.
    pub fn flags(mut self, flags: &[&str]) -> Self {
        self.flags.extend(flags.iter().map(|flag| flag.to_string()));
        self
    }

    pub async fn done(self) -> World {
        let pool = self.pool;
        if self.jobs {
            app::server::db::migrate_jobs(pool).await.unwrap();
        }
        let mut tenants = HashMap::new();
        for (slug, people) in &self.tenants {
            let id = super::tenant_with_users(pool, slug, people, PASSWORD).await;
            tenants.insert(*slug, id);
        }
        for (slug, count, comments) in &self.cases {
            let tenant = tenants[slug];
            let people: Vec<Uuid> = sqlx::query_scalar(
                "SELECT id FROM users WHERE tenant_id = $1
                   AND role = CASE WHEN EXISTS (SELECT 1 FROM users
                                                WHERE tenant_id = $1 AND role = 'employee')
                                   THEN 'employee' ELSE 'admin' END::user_role
                 ORDER BY email",
            )
            .bind(tenant)
            .fetch_all(pool)
            .await
            .unwrap();
            let mut conn = pool.acquire().await.unwrap();
            app::server::generate::generate_cases(&mut conn, tenant, &people, *count, *comments)
                .await
                .unwrap();
        }
        World {
            pool: pool.clone(),
            state: super::state(super::config(
                &super::database_url(pool),
                &self.flags.iter().map(String::as_str).collect::<Vec<_>>(),
            )),
            tenants,
        }
    }
}
