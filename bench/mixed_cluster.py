"""The mixed load on the cluster (bench/mixed.py with MIXED_CLUSTER=1): `make cluster`'s
pieces — a streaming replica, Redis, three instances, nginx — on the benchmark's
database as the primary (scripts/cluster.sh with CASEWORK_CLUSTER_PRIMARY_URL), the
same 200 people through nginx. On this 2-core machine it is for correctness, not speed:
five processes share what one instance had alone.
"""

import os
import subprocess
import tempfile
import time
from pathlib import Path

import mixed
import run
from run import DB, ROOT, psql, say

PORT = int(os.environ.get("BENCH_CLUSTER_PORT", "3500"))
PG_BASE = int(os.environ.get("BENCH_CLUSTER_PG_PORT", "25490"))
DIR = ROOT / ".data/cluster-bench"
INSTANCES = 3


def cluster(action, env):
    subprocess.run([str(ROOT / "scripts/cluster.sh"), action], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def measure_cluster(people):
    env = {**os.environ, **run.GENEROUS_LIMITS, "SKIP_BUILD": "1", "LOG_LEVEL": "warn",
           "CASEWORK_CLUSTER_DIR": str(DIR), "CASEWORK_CLUSTER_PORT": str(PORT),
           "CASEWORK_CLUSTER_PG_PORT": str(PG_BASE), "CASEWORK_CLUSTER_PRIMARY_URL": DB,
           "CASEWORK_CLUSTER_BIN": run.BIN,
           "LOGIN_ATTEMPTS_PER_IP_PER_MINUTE": "100000",
           "LOGIN_ATTEMPTS_PER_EMAIL_PER_MINUTE": "100000"}
    say("the cluster: a replica of the benchmark database (pg_basebackup, once), Redis, "
        f"{INSTANCES} instances, nginx on {PORT}")
    cluster("start", env)
    try:
        replica = f"postgres://postgres@127.0.0.1:{PG_BASE + 1}/postgres"
        for _ in range(600):
            lag = psql(replica, "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()")
            if lag == "t":
                break
            time.sleep(0.5)
        pids = {f"instance {n}": int((DIR / f"app-{n}.pid").read_text()) for n in range(1, INSTANCES + 1)}
        pids["nginx"] = int((DIR / "nginx.pid").read_text())
        pids["redis"] = int((DIR / "redis.pid").read_text())
        metrics = [f"http://127.0.0.1:{PORT + 100 + n}" for n in range(1, INSTANCES + 1)]
        with tempfile.TemporaryDirectory() as scratch:
            return mixed.measure(people, f"http://127.0.0.1:{PORT}", pids, metrics, scratch,
                                 "the cluster")
    finally:
        cluster("destroy", env)
