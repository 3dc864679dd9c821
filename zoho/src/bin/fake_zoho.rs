//! `fake-zoho`: the fake Zoho CRM as a process, for `make run`'s demo, the browser tests
//! and the benchmark. Its faults and data are driven over HTTP (`/_fake/…`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use zoho::fake::{FakeConfig, FakeZoho};

#[derive(Parser)]
#[command(about = "A fake Zoho CRM (accounts + CRM API) on a local port")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4190")]
    addr: SocketAddr,
    /// Contacts to generate.
    #[arg(long, default_value_t = 200)]
    contacts: usize,
    /// Milliseconds added to every API answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    #[arg(long, default_value = "1000.FAKECLIENTID")]
    client_id: String,
    #[arg(long, default_value = "fake-client-secret")]
    client_secret: String,
    #[arg(long, default_value = "1000.fake-refresh-token")]
    refresh_token: String,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let args = Args::parse();
    let fake = FakeZoho::start_on(
        args.addr,
        FakeConfig {
            contacts: args.contacts,
            latency: Duration::from_millis(args.latency_ms),
            client_id: args.client_id,
            client_secret: args.client_secret,
            refresh_token: args.refresh_token,
            ..FakeConfig::default()
        },
    )
    .await?;
    println!(
        "fake zoho listening on {} ({} contacts)",
        fake.url, args.contacts
    );
    tokio::signal::ctrl_c().await?;
    fake.stop();
    Ok(())
}
