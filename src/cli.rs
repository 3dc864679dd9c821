//! The command line: `casework [serve|migrate|seed|create-admin|config]`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context as _;
use app::model::{Email, Role, TenantSlug};
use app::server::tenants::{NewUser, ensure_tenant, upsert_user};
use app::server::{Config, db, password, seed};
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
    /// Load data into the database (migrating first).
    Seed {
        /// A demo tenant with one admin, one employee and one analyst.
        #[arg(long, required = true)]
        demo: bool,
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
}

pub fn run() -> ExitCode {
    // A missing .env is normal outside development; real environment variables win.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    telemetry::init(&cli.config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
        Command::Migrate => {
            startup::migrate(&config).await?;
            println!("migrations applied to {}", config.database_display());
            Ok(())
        }
        Command::Seed { demo: _ } => {
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
                    sqlx::query("UPDATE tenants SET google_workspace_domain = $2 WHERE id = $1")
                        .bind(tenant_id)
                        .bind(domain)
                        .execute(&mut *tx)
                        .await;
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
