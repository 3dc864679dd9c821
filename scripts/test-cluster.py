#!/usr/bin/env python3
"""`make test-cluster`: faults the cluster (scripts/cluster.sh) must survive, each under
load, each bounded in time. Run against a cluster of its own (scripts/test-cluster.sh
starts it fresh, with the route-class rate limits off so the load is not refused).

Every fault runs the same load: client threads reading the admin's team view and a case
page, and posting comments, each with a unique token. A write counts as acknowledged
when the server answered it 200 with the comment. After each fault the primary is asked
for every token: each acknowledged one must be there exactly once, and no token at all
more than once.

  scripts/test-cluster.py            every fault
  scripts/test-cluster.py kill       one of them (kill, rolling, replica)
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(line.split("=", 1) for line in subprocess.check_output(
    [os.path.join(ROOT, "scripts/cluster.sh"), "env"], text=True).split())
HOST, PORT = urllib.parse.urlparse(ENV["CLUSTER_URL"]).netloc.split(":")
PORT = int(PORT)
THREADS = int(os.environ.get("CLUSTER_TEST_THREADS", "6"))
RUN = uuid.uuid4().hex[:8]


def cluster(*args):
    subprocess.run([os.path.join(ROOT, "scripts/cluster.sh"), *args], check=True,
                   stdout=subprocess.DEVNULL)


def psql(sql, url=None):
    return subprocess.check_output(
        ["psql", url or ENV["CLUSTER_PRIMARY_URL"], "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
        text=True).strip()


def request(method, path, cookie=None, form=None, timeout=10):
    """One request through nginx, on a connection of its own: (status, headers, body);
    status 0 when the connection failed."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    # A script asks for JSON (a form post asking for HTML is answered with a redirect).
    accept = "application/json" if method == "POST" and path.startswith("/api/") else "text/html"
    headers = {"Accept": accept, "Origin": ENV["CLUSTER_URL"]}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return 0, [], ""
    finally:
        conn.close()


def cookies_of(headers):
    return {value.split(";", 1)[0].split("=", 1)[0]: value.split(";", 1)[0]
            for name, value in headers if name.lower() == "set-cookie"}


def sign_in(email):
    status, headers, _ = request("POST", "/auth/login",
                                 form={"email": email, "password": "casework-demo"})
    assert status == 303, f"sign-in of {email}: {status}"
    jar = cookies_of(headers)
    return jar["casework_session"]


class Load:
    """Client threads reading and writing until stopped."""

    def __init__(self, name, session, cases):
        self.prefix = f"cluster-{RUN}-{name}-"
        self.session = session
        self.cases = cases
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = []          # tokens the server acknowledged
        self.sent = []           # every token sent
        self.failed_writes = []
        self.failed_reads = []
        self.reads = 0
        self.stale_own_reads = []
        self.threads = [threading.Thread(target=self.client, args=(n,), daemon=True)
                        for n in range(THREADS)]

    def client(self, n):
        i = 0
        # Each client keeps its own read-your-writes position, as a browser would.
        read_after = None
        while not self.stop.is_set():
            i += 1
            case = self.cases[(n + i) % len(self.cases)]
            cookie = self.session + (f"; {read_after}" if read_after else "")
            if i % 4 == 0:
                token = f"{self.prefix}{n}-{i}"
                with self.lock:
                    self.sent.append(token)
                status, headers, body = request("POST", "/api/case/comment", cookie,
                                                {"number": case, "body": token})
                if status == 200 and token in body:
                    with self.lock:
                        self.acked.append(token)
                    read_after = cookies_of(headers).get("casework_read_after", read_after)
                    # The writer's next page shows the write, whichever instance and
                    # whichever database answers it.
                    cookie = self.session + (f"; {read_after}" if read_after else "")
                    status, _, page = request("GET", f"/cases/{case}", cookie)
                    if status == 200 and token not in page:
                        with self.lock:
                            self.stale_own_reads.append(token)
                else:
                    with self.lock:
                        self.failed_writes.append((status, token))
            else:
                path = "/cases?sort=created" if i % 2 else f"/cases/{case}"
                status, _, _ = request("GET", path, cookie)
                with self.lock:
                    self.reads += 1
                    if status != 200:
                        self.failed_reads.append((status, path))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def check(self, name, allowed_failures):
        """Every acknowledged write is in the primary exactly once; failures within
        what the fault allows; the writers always read their own writes."""
        found = {}
        if self.sent:
            rows = psql("SELECT body, count(*) FROM case_comments WHERE body LIKE "
                        f"'{self.prefix}%' GROUP BY body")
            for line in rows.splitlines():
                body, count = line.split("|")
                found[body] = int(count)
        missing = [t for t in self.acked if found.get(t, 0) != 1]
        doubled = [t for t, c in found.items() if c > 1]
        failures = len(self.failed_writes) + len(self.failed_reads)
        print(f"  {name}: {self.reads} reads, {len(self.acked)} writes acknowledged, "
              f"{len(self.failed_reads)} reads and {len(self.failed_writes)} writes failed "
              f"(allowed {allowed_failures}), {len(found)} tokens stored")
        problems = []
        if missing:
            problems.append(f"acknowledged writes not stored exactly once: {missing[:5]}")
        if doubled:
            problems.append(f"writes stored twice: {doubled[:5]}")
        if failures > allowed_failures:
            problems.append(f"failed: {self.failed_reads[:5]} {self.failed_writes[:5]}")
        if self.stale_own_reads:
            problems.append(f"own writes not seen on the next page: {self.stale_own_reads[:5]}")
        if len(self.acked) < 10:
            problems.append("hardly any write went through: the load did not run")
        return problems


def kill(session, cases):
    """SIGKILL one instance under load: the proxy routes around it."""
    with Load("kill", session, cases) as load:
        time.sleep(2)
        cluster("kill", "2")
        time.sleep(3)
        cluster("restart", "2")
        time.sleep(2)
    # Only what was in flight on the killed instance may fail (one request per client).
    return load.check("an instance killed", THREADS)


def rolling(session, cases):
    """SIGTERM each instance in turn, started again before the next: nothing fails."""
    with Load("rolling", session, cases) as load:
        time.sleep(1)
        for n in (1, 2, 3):
            cluster("restart", str(n))
            time.sleep(1)
    return load.check("a rolling restart", 0)


def replica(session, cases):
    """The replica stopped, then its replay paused: reads go to the primary, and
    writers read their own writes on the next page."""
    replica_url = ENV["CLUSTER_REPLICA_URL"].rsplit("/", 1)[0] + "/postgres"
    with Load("replica", session, cases) as load:
        time.sleep(1)
        cluster("replica-stop")
        time.sleep(3)
        cluster("replica-start")
        time.sleep(2)
        psql("SELECT pg_wal_replay_pause()", replica_url)
        time.sleep(4)
        psql("SELECT pg_wal_replay_resume()", replica_url)
        time.sleep(1)
    return load.check("the replica stopped, then paused", 0)


FAULTS = {"kill": kill, "rolling": rolling, "replica": replica}


def main():
    wanted = sys.argv[1:] or list(FAULTS)
    session = sign_in("admin@demo.test")
    cases = [int(n) for n in psql(
        "SELECT number FROM cases WHERE NOT archived ORDER BY number LIMIT 40").split()]
    assert cases, "no cases: was the demo data loaded?"
    failed = False
    for name in wanted:
        started = time.monotonic()
        problems = FAULTS[name](session, cases)
        took = time.monotonic() - started
        if problems:
            failed = True
            print(f"FAIL {name} ({took:.0f} s):")
            for problem in problems:
                print(f"    {problem}")
        else:
            print(f"PASS {name} ({took:.0f} s)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
