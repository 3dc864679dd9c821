//! The command line: `casework [serve|migrate|seed|create-admin|config]`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context as _;
use app::model::{Email, Role, TenantSlug};
use app::server::tenants::{NewUser, ensure_tenant, upsert_user};
use app::server::{Config, db, generate, password, seed};
use clap::{Parser, Subcommand};

use crate::{startup, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "casework",
    version,
    about = "Casework: cases, companies, enrichment and CRM sync for your team."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the site (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run background jobs (enrichment) without serving HTTP, for scale-out beside
    /// `serve` (set WORKERS=0 there to leave all jobs to workers).
    Worker,
    /// Load data into the database (migrating first): `--demo`, a generated tenant
    /// (`--cases 1000000 --employees 2000 --comments 5000000`), or companies added to a
    /// generated tenant (`--companies 100000 --tenant load`).
    #[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["demo", "cases", "companies"])))]
    Seed {
        /// A demo tenant with one admin, one employee (with a queue of cases) and one
        /// analyst.
        #[arg(long, conflicts_with_all = ["cases", "employees", "comments", "companies", "tenant"])]
        demo: bool,
        /// Generate a tenant with this many cases...
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50_000_000))]
        cases: Option<u32>,
        /// ...spread over this many employees...
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=200_000))]
        employees: u32,
        /// ...with this many comments among them.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=500_000_000))]
        comments: u64,
        /// ...and this many companies (about 70 % of them with an enrichment result).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
        companies: u32,
        /// The generated tenant's slug (its people are employeeN@<slug>.test).
        #[arg(long, default_value = "load")]
        tenant: String,
    },
    /// Create an admin (and their tenant, if new), or make an existing user of that
    /// tenant an admin again.
    CreateAdmin {
        /// The tenant's URL name, e.g. `acme`.
        #[arg(long)]
        tenant: String,
        /// Display name for a new tenant (default: the slug).
        #[arg(long)]
        tenant_name: Option<String>,
        #[arg(long)]
        email: String,
        /// Display name (default: the part of the email before the @).
        #[arg(long)]
        name: Option<String>,
        /// Read a password from the first line of standard input. Without it the admin
        /// has no password and signs in with Google.
        #[arg(long)]
        password_stdin: bool,
        /// The tenant's Google Workspace domain (e.g. `acme.com`): people with a
        /// verified Google account there join as employees on first sign-in.
        #[arg(long)]
        google_domain: Option<String>,
    },
    /// Print the configuration in force, secrets hidden.
    Config,
    /// Print the REST API's OpenAPI 3.1 document (what `/api/v1/openapi.json` serves).
    Openapi,
    /// Make an API key for a workspace, as one of its admins would on
    /// /admin/api-keys; prints the key (shown this once).
    CreateApiKey {
        /// The workspace's URL name, e.g. `acme`.
        #[arg(long)]
        tenant: String,
        /// The admin who makes it (the audit trail names them).
        #[arg(long)]
        admin: String,
        /// What uses the key.
        #[arg(long)]
        name: String,
        /// Its scopes, e.g. `cases:read,comments:write` (default: every scope).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
}

pub fn run() -> ExitCode {
    // A missing .env is normal outside development; real environment variables win.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    telemetry::init(&cli.config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Server-side rendering of the bigger pages nests deep futures; unoptimised
        // (debug) builds need more than the default 2 MiB per thread for them.
        .thread_stack_size(8 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => startup::serve(config).await,
        Command::Worker => startup::work(config).await,
        Command::Migrate => {
            startup::migrate(&config).await?;
            println!("migrations applied to {}", config.database_display());
            Ok(())
        }
        Command::Seed {
            cases: Some(cases),
            employees,
            comments,
            companies,
            tenant,
            ..
        } => {
            let spec = generate::LoadSpec {
                tenant: TenantSlug::parse(&tenant)?,
                employees,
                cases,
                comments,
                companies,
            };
            startup::migrate(&config).await?;
            let pool = db::admin_pool(&config).await?;
            let loaded = generate::load(&pool, &spec).await?;
            println!(
                "Tenant `{tenant}`: {} employees, {} cases, {} comments, {} companies in {:.1} s. \
                 Sign in as employee1@{tenant}.test (or admin@{tenant}.test) / {}",
                loaded.employees,
                loaded.cases,
                loaded.comments,
                loaded.companies,
                loaded.elapsed.as_secs_f64(),
                seed::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::Seed {
            cases: None,
            companies,
            tenant,
            demo: false,
            ..
        } => {
            if companies == 0 {
                anyhow::bail!(
                    "nothing to seed: give --companies a number above 0, or --cases, or --demo"
                );
            }
            startup::migrate(&config).await?;
            let pool = db::admin_pool(&config).await?;
            let added =
                generate::add_companies(&pool, &TenantSlug::parse(&tenant)?, companies).await?;
            println!(
                "Tenant `{tenant}`: {added} companies added. Sign in as analyst@{tenant}.test / {}",
                seed::DEMO_PASSWORD
            );
            Ok(())
        }
        Command::Seed { .. } => {
            startup::migrate(&config).await?;
            let pool = db::admin_pool(&config).await?;
            let logins = seed::demo(&pool).await.map_err(anyhow::Error::from)?;
            println!(
                "Demo tenant `{}` is ready. Sign in with:",
                seed::DEMO_TENANT
            );
            for login in logins {
                println!(
                    "  {:<9} {}  /  {}",
                    login.role.label(),
                    login.email,
                    seed::DEMO_PASSWORD
                );
            }
            Ok(())
        }
        Command::CreateAdmin {
            tenant,
            tenant_name,
            email,
            name,
            password_stdin,
            google_domain,
        } => {
            // Parse every input before touching the database: bad input changes nothing.
            let slug = TenantSlug::parse(&tenant)?;
            let email = Email::parse(&email)?;
            let google_domain = google_domain
                .map(|domain| parse_domain(&domain))
                .transpose()?;
            let name = name.unwrap_or_else(|| {
                email
                    .as_str()
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
            let password_hash = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("could not read the password from stdin")?;
                let password = line.trim_end_matches(['\r', '\n']).to_string();
                Some(password::hash(password).await?)
            } else {
                None
            };
            startup::migrate(&config).await?;
            let pool = db::admin_pool(&config).await?;
            let mut tx = pool.begin().await?;
            let tenant_id = ensure_tenant(
                &mut tx,
                &slug,
                tenant_name.as_deref().unwrap_or(slug.as_str()),
            )
            .await?;
            upsert_user(
                &mut tx,
                tenant_id,
                NewUser {
                    email: &email,
                    display_name: &name,
                    role: Role::Admin,
                    password_hash,
                },
            )
            .await?;
            if let Some(domain) = &google_domain {
                let updated =
                    app::server::tenants::set_google_domain(&mut tx, tenant_id, domain).await;
                if let Err(sqlx::Error::Database(error)) = &updated
                    && error.is_unique_violation()
                {
                    anyhow::bail!("--google-domain: {domain} is already another tenant's domain");
                }
                updated?;
            }
            tx.commit().await?;
            println!("{} is an admin of `{}`", email.as_str(), slug.as_str());
            Ok(())
        }
        Command::CreateApiKey {
            tenant,
            admin,
            name,
            scopes,
        } => {
            let scopes = if scopes.is_empty() {
                app::model::ApiScope::ALL
                    .iter()
                    .map(|scope| scope.as_str().to_string())
                    .collect()
            } else {
                scopes
            };
            let today = time::OffsetDateTime::now_utc().date();
            let new = app::model::NewApiKey::parse(&name, &scopes, "", today)?;
            let slug = TenantSlug::parse(&tenant)?;
            startup::migrate(&config).await?;
            let pool = db::admin_pool(&config).await?;
            let viewer = app::server::api_keys::admin_viewer(&pool, &slug, &admin)
                .await?
                .with_context(|| {
                    format!(
                        "--admin: {admin} is not an active admin of `{}`",
                        slug.as_str()
                    )
                })?;
            let made = app::server::api_keys::create(&pool, &viewer, &new).await?;
            println!("{}", made.secret);
            Ok(())
        }
        Command::Openapi => {
            let document = crate::http::api::document();
            println!("{}", serde_json::to_string_pretty(&document)?);
            Ok(())
        }
        Command::Config => {
            println!("{}", config.describe());
            Ok(())
        }
    }
}

/// A Google Workspace domain: lower-case host name with at least one dot.
fn parse_domain(input: &str) -> anyhow::Result<String> {
    let domain = input.trim().to_lowercase();
    let valid = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.len() <= 253
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if valid {
        Ok(domain)
    } else {
        anyhow::bail!("--google-domain: `{input}` is not a domain name like acme.com")
    }
}
