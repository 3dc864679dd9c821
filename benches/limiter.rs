//! What a request's rate-limit decision costs, measured alone (the page benchmark's
//! noise is ±20 % a sample; this cost is microseconds): `cargo bench --bench limiter
//! --features ssr`, run by `make bench`. A signed-in read makes two checks (the person,
//! the workspace); this makes them for 1,000 people of one workspace, in-process and
//! through a real `redis-server`, one at a time and from 32 tasks at once, and prints
//! one JSON line per variant: wall time and CPU time per decision (this process's, and
//! Redis' own).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use app::server::rate_limit::{Check, Limiter};
use clap::Parser;

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = fields
        .get(11)
        .and_then(|f| f.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0);
    // USER_HZ is 100 on Linux.
    ticks / 100.0
}

fn limiter(extra: &[&str]) -> Arc<Limiter> {
    let args = [
        "casework",
        "--rate-limit-reads",
        "free=10000000/min",
        "--rate-limit-tenant",
        "free=10000000/min",
        "--redis-timeout-ms",
        "50",
    ]
    .into_iter()
    .chain(extra.iter().copied());
    let config = match casework::cli::Cli::try_parse_from(args) {
        Ok(cli) => cli.config,
        Err(error) => panic!("{error}"),
    };
    Arc::new(Limiter::new(&config).unwrap_or_else(|e| panic!("{e}")))
}

async fn decide(limiter: &Limiter, person: usize) -> bool {
    let policies = &limiter.policies;
    let checks = [
        Check {
            policy: policies.reads.for_plan(app::model::Plan::Free),
            key: format!("00000000-0000-0000-0000-{person:012}"),
        },
        Check {
            policy: policies.tenant.for_plan(app::model::Plan::Free),
            key: "11111111-1111-1111-1111-111111111111".into(),
        },
    ];
    let verdict = limiter.check(&checks).await;
    verdict.allowed()
}

async fn measure(
    name: &str,
    limiter: Arc<Limiter>,
    decisions: usize,
    tasks: usize,
    redis_pid: Option<u32>,
) {
    for n in 0..1_000 {
        decide(&limiter, n).await;
    }
    let me = std::process::id();
    let (cpu0, redis0) = (cpu_seconds(me), redis_pid.map(cpu_seconds).unwrap_or(0.0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let limiter = Arc::clone(&limiter);
        handles.push(tokio::spawn(async move {
            let mut allowed = 0usize;
            for n in 0..decisions / tasks {
                allowed += usize::from(decide(&limiter, (t * 7919 + n) % 1_000).await);
            }
            allowed
        }));
    }
    let mut allowed = 0;
    for handle in handles {
        allowed += handle.await.unwrap_or(0);
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(me) - cpu0;
    let redis = redis_pid.map(cpu_seconds).unwrap_or(0.0) - redis0;
    let done = (decisions / tasks) * tasks;
    println!(
        "{}",
        serde_json::json!({
            "variant": name,
            "tasks": tasks,
            "decisions": done,
            "allowed": allowed,
            "decisions_per_s": done as f64 / wall,
            "wall_us": wall * 1e6 / done as f64,
            "cpu_us": cpu * 1e6 / done as f64,
            "redis_cpu_us": redis * 1e6 / done as f64,
        })
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let local = limiter(&[]);
    measure("in-process", Arc::clone(&local), 400_000, 1, None).await;
    measure("in-process", local, 400_000, 32, None).await;

    let port = std::env::var("BENCH_LIMITER_REDIS_PORT").unwrap_or_else(|_| "6392".into());
    let Ok(mut redis) = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
    else {
        eprintln!("redis-server is not installed: the Redis variant is not measured");
        return;
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port.parse().unwrap_or(6392))).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("redis://127.0.0.1:{port}");
    let shared = limiter(&["--redis-url", &url]);
    let pid = Some(redis.id()).filter(|pid| Path::new(&format!("/proc/{pid}")).exists());
    measure("Redis", Arc::clone(&shared), 40_000, 1, pid).await;
    measure("Redis", shared, 100_000, 32, pid).await;
    let _ = redis.kill();
    let _ = redis.wait();
}
