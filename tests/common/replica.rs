//! A real streaming replica of the test PostgreSQL cluster (the one DATABASE_URL names),
//! made with `pg_basebackup -R` into a directory of its own and run on a free port, as
//! the `postgres` user when the tests run as root (PostgreSQL refuses root). It has
//! every database the primary had when it was made (the test's included) and follows
//! the primary from then on. Stopped (immediately) when dropped.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

pub struct Replica {
    pub port: u16,
    dir: tempfile::TempDir,
    bindir: PathBuf,
}

fn bindir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries under /usr/lib/postgresql (scripts/bootstrap.sh)")
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("pg_basebackup").exists())
        .collect();
    dirs.sort();
    dirs.pop().expect("pg_basebackup")
}

/// Runs a PostgreSQL program as its owner.
fn as_owner(program: &PathBuf) -> Command {
    if unsafe_is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn run(mut command: Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Replica {
    /// A replica of the cluster behind DATABASE_URL, started and answering.
    pub fn start() -> Self {
        let primary = url::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
        let primary_port = primary.port().unwrap_or(5432).to_string();
        let bindir = bindir();
        let dir = tempfile::Builder::new()
            .prefix("casework-replica-")
            .tempdir_in("/tmp")
            .unwrap();
        if unsafe_is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres").arg(dir.path());
                    c
                },
                "chown",
            );
        }
        let data = dir.path().join("data");
        let mut backup = as_owner(&bindir.join("pg_basebackup"));
        backup
            .args(["-h", "127.0.0.1", "-p", &primary_port, "-U", "postgres"])
            .arg("-D")
            .arg(&data)
            .args(["-R", "-X", "stream", "-c", "fast"]);
        run(backup, "pg_basebackup");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .unwrap();
        let replica = Self { port, dir, bindir };
        replica.resume();
        replica
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The URL of database `name` on the replica.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Starts it (again) and waits until it accepts connections.
    pub fn resume(&self) {
        let mut start = as_owner(&self.bindir.join("pg_ctl"));
        start
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("log"))
            .args([
                "-o",
                &format!("-p {}", self.port),
                "-w",
                "-t",
                "60",
                "start",
            ]);
        run(start, "pg_ctl start (replica)");
    }

    /// Stops it at once (as a crash would).
    pub fn stop(&self) {
        let mut stop = as_owner(&self.bindir.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        run(stop, "pg_ctl stop (replica)");
    }

    async fn execute(&self, sql: &str) {
        let mut conn = PgConnection::connect(&self.url("postgres")).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }

    /// Stops replaying the primary's WAL (it keeps receiving it): the replica falls
    /// behind by whatever the primary writes meanwhile.
    pub async fn pause(&self) {
        self.execute("SELECT pg_wal_replay_pause()").await;
    }

    pub async fn unpause(&self) {
        self.execute("SELECT pg_wal_replay_resume()").await;
    }

    /// Waits (30 s at most) until the replica has replayed everything the primary
    /// (`primary`) has written so far.
    pub async fn caught_up(&self, primary: &sqlx::PgPool) {
        // The test cluster commits without waiting for its WAL to be written: one
        // commit that waits writes out everything before it.
        let mut tx = primary.begin().await.unwrap();
        sqlx::query("SET LOCAL synchronous_commit = on")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("SELECT txid_current()")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let target: i64 = sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0')::bigint")
            .fetch_one(primary)
            .await
            .unwrap();
        let mut conn = PgConnection::connect(&self.url("postgres")).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let replayed: i64 =
                sqlx::query_scalar("SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            if replayed >= target {
                return;
            }
            assert!(Instant::now() < deadline, "the replica did not catch up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let mut stop = as_owner(&self.bindir.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"]);
        let _ = stop.output();
    }
}
