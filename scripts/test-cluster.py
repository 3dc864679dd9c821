#!/usr/bin/env python3
"""`make test-cluster`: faults the cluster (scripts/cluster.sh) must survive, each under
load, each bounded in time. Run against a cluster of its own (scripts/test-cluster.sh
starts it fresh, with the route-class rate limits off so the load is not refused).

Every fault runs the same load: client threads reading the admin's team view and a case
page, and posting comments, each with a unique token. A write counts as acknowledged
when the server answered it 200 with the comment. After each fault the primary is asked
for every token: each acknowledged one must be there exactly once, and no token at all
more than once.

Two event streams watch the case the writers comment on most, as a browser's page
does: when a stream ends or breaks (or the server says `resync`) the watcher connects
again through the proxy with `Last-Event-ID`. After each fault, each watcher must have
received every audit row of that case written during the load, once each, in order.

  scripts/test-cluster.py            every fault
  scripts/test-cluster.py kill       some of them (kill, rolling, replica, primary, redis)
"""

import http.client
import os
import re
import socket
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


class Watcher:
    """One case's event stream, held as a browser's page holds it: on an end, an error
    or a `resync` it reconnects through the proxy with `Last-Event-ID` (after a short
    pause, as EventSource does) and is sent what it missed. Keeps the ids received."""

    def __init__(self, session, case, after, stop):
        self.session = session
        self.case = case
        self.last = after
        self.stop = stop
        self.ids = []
        self.out_of_order = []
        self.connections = 0
        self.refused = []
        self.lock = threading.Lock()
        self.conn = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            # Longer than the server's 15 s keep-alive comments.
            conn = http.client.HTTPConnection(HOST, PORT, timeout=20)
            with self.lock:
                self.conn = conn
            try:
                conn.request("GET", f"/api/cases/{self.case}/events", headers={
                    "Accept": "text/event-stream", "Cookie": self.session,
                    "Last-Event-ID": str(self.last)})
                response = conn.getresponse()
                if response.status != 200:
                    self.refused.append(response.status)
                else:
                    self.connections += 1
                    self.read(response)
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            self.stop.wait(0.2)

    def read(self, response):
        event, data_id = None, None
        while not self.stop.is_set():
            line = response.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line.startswith("id:"):
                data_id = int(line[3:].strip())
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line == "":
                if event == "resync":
                    return
                if event == "change" and data_id is not None:
                    if data_id <= self.last:
                        self.out_of_order.append(data_id)
                    else:
                        self.ids.append(data_id)
                        self.last = data_id
                event, data_id = None, None

    def close(self):
        with self.lock:
            if self.conn is not None and self.conn.sock is not None:
                try:
                    self.conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.thread.join(timeout=5)


class Load:
    """Client threads reading and writing until stopped."""

    def __init__(self, name, session, cases):
        self.prefix = f"cluster-{RUN}-{name}-"
        self.session = session
        self.cases = cases
        # The case the writers comment on every other time, and the streams on it.
        self.watched = cases[0]
        self.watched_id, after = psql(
            "SELECT c.id, coalesce(max(a.id), 0) FROM cases c LEFT JOIN case_actions a "
            f"ON a.case_id = c.id WHERE c.number = {self.watched} GROUP BY c.id").split("|")
        self.watched_after = int(after)
        self.streams_stop = threading.Event()
        self.watchers = [Watcher(session, self.watched, self.watched_after, self.streams_stop)
                         for _ in range(2)]
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
                if i % 8 == 0:
                    case = self.watched
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
        for watcher in self.watchers:
            watcher.thread.start()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
        # The last writes' events on their way to the streams.
        deadline = time.monotonic() + 10
        expected = self.watched_actions()
        while time.monotonic() < deadline and any(
                w.ids[-1:] != expected[-1:] for w in self.watchers if expected):
            time.sleep(0.2)
        self.streams_stop.set()
        for watcher in self.watchers:
            watcher.close()

    def watched_actions(self):
        rows = psql(f"SELECT id FROM case_actions WHERE case_id = {self.watched_id} "
                    f"AND id > {self.watched_after} ORDER BY id")
        return [int(line) for line in rows.split()]

    def check_streams(self):
        """Every watcher received every change of the watched case once, in order."""
        expected = self.watched_actions()
        problems = []
        for n, watcher in enumerate(self.watchers):
            missed = sorted(set(expected) - set(watcher.ids))
            extra = sorted(set(watcher.ids) - set(expected))
            if missed:
                problems.append(f"stream {n} missed {len(missed)} of {len(expected)} events: "
                                f"{missed[:5]}")
            if extra or watcher.out_of_order or len(watcher.ids) != len(set(watcher.ids)):
                problems.append(f"stream {n} got events twice or out of order: "
                                f"{watcher.out_of_order[:5]} {extra[:5]}")
            if watcher.refused:
                problems.append(f"stream {n} was refused: {watcher.refused[:5]}")
        connections = [w.connections for w in self.watchers]
        print(f"    streams: {len(expected)} events of case {self.watched}, "
              f"received by each of {len(self.watchers)} watchers over {connections} connections")
        if len(expected) < 5:
            problems.append("hardly any event on the watched case: the load did not run")
        return problems

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
        return problems + self.check_streams()


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


def primary(session, cases):
    """The primary restarted (a fast shutdown) under load: the app reconnects by itself.
    Requests in flight when it stopped may fail; no acknowledged write is lost; the live
    listener reconnects (streams resync and are replayed what they missed)."""
    with Load("primary", session, cases) as load:
        time.sleep(2)
        cluster("primary-restart")
        time.sleep(4)
    # At most the requests in flight when it went down, and a connection each that
    # broke under one, per client.
    problems = load.check("the primary restarted", 2 * THREADS)
    # Recovered: the same load after it runs with no failure at all.
    with Load("primary-after", session, cases) as after:
        time.sleep(3)
    return problems + after.check("after the primary's restart", 0)


def metric(n, name):
    """The sum of a counter over its labels, from instance n's /metrics."""
    conn = http.client.HTTPConnection(HOST, PORT + 100 + n, timeout=5)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    return sum(float(m) for m in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M))


def redis_keys():
    """How many rate-limit keys Redis holds (it keeps nothing across a restart)."""
    host, port = urllib.parse.urlparse(ENV["CLUSTER_REDIS_URL"]).netloc.split(":")
    out = subprocess.run(["redis-cli", "-h", host, "-p", port, "--scan", "--pattern",
                          "casework:rl:*"], capture_output=True, text=True).stdout
    return len(out.split())


def redis(session, cases):
    """Redis stopped under load: limits fail open (decided in each instance), nothing
    fails, the caches stay correct (writers read their own writes); Redis back, the
    instances use it again."""
    fallbacks = "casework_rate_limit_redis_fallbacks_total"
    total = lambda: sum(metric(n, fallbacks) for n in (1, 2, 3))  # noqa: E731
    with Load("redis", session, cases) as load:
        time.sleep(1)
        cluster("redis-stop")
        time.sleep(1)
        start, started = total(), time.monotonic()
        time.sleep(3)
        # Signing in is limited through Redis too: it still works.
        sign_in("admin@demo.test")
        away = (total() - start) / (time.monotonic() - started)
        cluster("redis-start")
        # Redis is tried again a second after a failure.
        time.sleep(2)
        start, started = total(), time.monotonic()
        time.sleep(3)
        back = (total() - start) / (time.monotonic() - started)
        keys = redis_keys()
    problems = load.check("Redis stopped", 0)
    # Back, only a call slower than REDIS_TIMEOUT_MS (5 ms, easily passed on a loaded
    # 2-core machine) falls back.
    print(f"    limits decided in-process: {away:.0f}/s while Redis was away, {back:.0f}/s "
          f"once it was back; {keys} limit keys in the new Redis")
    if away < 10:
        problems.append("the limits did not fall back while Redis was away: was it in use?")
    if back > away / 2 or keys == 0:
        problems.append("the instances did not go back to Redis once it answered")
    return problems


FAULTS = {"kill": kill, "rolling": rolling, "replica": replica, "primary": primary,
          "redis": redis}


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
