#!/usr/bin/env python3
"""The mixed-load benchmark (`make bench-mixed`): 200 signed-in people at about one
action a second each, four reads in five, on the 1,000,000-case data set; on one
instance (and, with MIXED_CLUSTER=1, on `make cluster`'s pieces: bench/mixed_cluster.py).

1. The data set of `make bench` (cases, comments, companies), plus 10,000 contractors,
   40 analysts and 20 admins, once.
2. Starts the release server, signs the 200 people in (sessions made before the run),
   and gives each their cases: 140 employees (their own open cases), 40 analysts (the
   companies), 20 admins (a pool of cases each, of people no simulated employee is).
3. Runs Locust (bench/mixed_locust.py; MIXED_LOCUSTFILE for another) headless for a
   warm-up, then BENCH_MIXED_SECONDS
   measured; reads each request type's p50/p95/p99, throughput, errors, and the stale
   reads its writers found reading back; the server's peak RSS; each cache's hit rate
   over the run (its /metrics).
4. Writes the "Mixed load" section of bench/RESULTS.md.
"""

import csv
import datetime
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import run
from run import DB, ROOT, TENANT, psql, say

SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "60"))
# Actions a second per person, on average (each person's actions a Poisson process:
# bench/mixed_locust.py); each run of the section is at every rate listed.
# MIXED_LOCUST_PROCESSES runs Locust in that many processes (default one).
RATES = [float(r) for r in os.environ.get("MIXED_RATES", "0.6 1").split()]
WARM_UP = int(os.environ.get("BENCH_MIXED_WARM_UP", "20"))
EMPLOYEES, ANALYSTS, ADMINS = 140, 40, 20
CONTRACTORS = 10_000
LOCUST = os.environ.get("LOCUST", "locust")
METRICS_TOKEN = "bench-metrics-token-0123456789"


def add_people_and_contractors():
    """Analysts and admins (the generator makes one of each), signing in with the
    generator's password; contractors for the directory."""
    tenant = psql(DB, f"SELECT id FROM tenants WHERE slug = '{TENANT}'")
    for role, count in (("analyst", ANALYSTS), ("admin", ADMINS)):
        psql(DB, f"""
            INSERT INTO users (tenant_id, email, display_name, role, password_hash)
            SELECT '{tenant}', '{role}' || n || '@{TENANT}.test', 'Bench {role} ' || n,
                   '{role}', (SELECT password_hash FROM users WHERE email = 'admin@{TENANT}.test')
            FROM generate_series(1, {count}) n
            ON CONFLICT DO NOTHING""")
    have = int(psql(DB, f"SELECT count(*) FROM contractors WHERE tenant_id = '{tenant}'"))
    if have < CONTRACTORS:
        say(f"adding {CONTRACTORS - have} contractors (once)")
        psql(DB, f"""
            INSERT INTO contractors (tenant_id, zoho_id, name, trade, city, region, status,
                                     zoho_modified_at)
            SELECT '{tenant}', (900000000 + n)::text, 'Contractor ' || n,
                   (ARRAY['Electrician','Plumber','Carpenter','Roofer','Painter'])[1 + n % 5],
                   (ARRAY['Austin','Boston','Denver','Seattle'])[1 + n % 4], 'US',
                   (ARRAY['Active','Inactive'])[1 + n % 2], now()
            FROM generate_series({have + 1}, {CONTRACTORS}) n""")
    psql(DB, "ANALYZE users; ANALYZE contractors")


def cast():
    """Who plays whom: each simulated person's email and what they work on."""
    employees = psql(DB, f"""
        SELECT u.email || '|' || u.id FROM users u JOIN tenants t ON t.id = u.tenant_id
        WHERE t.slug = '{TENANT}' AND u.role = 'employee' AND u.active
        ORDER BY u.email LIMIT {EMPLOYEES + ADMINS * 3}""").split()
    playing, others = employees[:EMPLOYEES], employees[EMPLOYEES:]
    people = []
    for line in playing:
        email, user_id = line.split("|")
        cases = psql(DB, f"""
            SELECT number FROM cases WHERE assignee_id = '{user_id}' AND NOT archived
              AND status IN ('open', 'pending') ORDER BY number LIMIT 20""").split()
        people.append({"role": "employee", "email": email, "cases": [int(n) for n in cases]})
    # The admins' cases: of employees nobody plays, so a reassignment never takes a
    # case from under a simulated employee; given among those same people.
    other_ids = [line.split("|")[1] for line in others]
    ids = ",".join(f"'{i}'" for i in other_ids)
    pool = [int(n) for n in psql(DB, f"""
        SELECT number FROM cases WHERE assignee_id IN ({ids}) AND NOT archived
        ORDER BY number LIMIT {ADMINS * 25}""").split()]
    for n in range(ADMINS):
        email = f"admin{n + 1}@{TENANT}.test"
        people.append({"role": "admin", "email": email, "pool": pool[n::ADMINS]})
    for n in range(ANALYSTS):
        people.append({"role": "analyst", "email": f"analyst{n + 1}@{TENANT}.test"})
    companies = [int(n) for n in psql(DB, f"""
        SELECT c.id FROM companies c JOIN tenants t ON t.id = c.tenant_id
        WHERE t.slug = '{TENANT}' ORDER BY c.id LIMIT 2000""").split()]
    sectors = psql(DB, f"""
        SELECT DISTINCT sector FROM companies c JOIN tenants t ON t.id = c.tenant_id
        WHERE t.slug = '{TENANT}' AND sector <> '' LIMIT 8""").splitlines()
    return {"people": people, "companies": companies, "assignees": other_ids,
            "sectors": [urllib.parse.quote(s) for s in sectors]}


def sign_everyone_in(cast, base):
    for person in cast["people"]:
        person["cookie"] = run.sign_in(person["email"], base=base)


def scrape(base, token=METRICS_TOKEN):
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as reply:
        return reply.read().decode()


def cache_counts(texts):
    """{cache: [hits, misses]} summed over the scraped /metrics texts."""
    counts = {}
    pattern = re.compile(r'^casework_cache_requests_total\{cache="(\w+)",outcome="(\w+)"\} (\S+)$', re.M)
    for text in texts:
        for cache, outcome, value in pattern.findall(text):
            pair = counts.setdefault(cache, [0, 0])
            pair[0 if outcome == "hit" else 1] += float(value)
    return counts


# Labels up to the last "} " of the line: a route template has braces of its own
# (`/cases/{number}`), which `[^}]*` dropped, and with them every page with a parameter.
BUCKET = re.compile(r'^casework_http_request_duration_seconds_bucket\{(.*)\} (\S+)$', re.M)
LABEL = re.compile(r'(\w+)="([^"]*)"')


def latency_buckets(texts):
    """{(method, route): {le: count}} from the server's request-duration histograms,
    summed over statuses and instances."""
    found = {}
    for text in texts:
        for labels, value in BUCKET.findall(text):
            label = dict(LABEL.findall(labels))
            key = (label["method"], label["route"])
            le = float("inf") if label["le"] == "+Inf" else float(label["le"])
            found.setdefault(key, {})
            found[key][le] = found[key].get(le, 0) + float(value)
    return found


def quantile(buckets, q):
    """Prometheus' histogram_quantile: linear within the bucket, in ms."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return 0.0
    rank, lower, below = q * total, 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower * 1000
            return (lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)) * 1000
        lower, below = bound, count
    return lower * 1000


def server_times(before, after):
    """Per route: (count, p50, p95, p99) over the run, as the server timed it."""
    rows = []
    for key, buckets in after.items():
        old = before.get(key, {})
        delta = {le: count - old.get(le, 0) for le, count in buckets.items()}
        count = delta.get(float("inf"), 0)
        if count > 0:
            rows.append((key, count, quantile(delta, 0.5), quantile(delta, 0.95), quantile(delta, 0.99)))
    every = {}
    for key, buckets in after.items():
        old = before.get(key, {})
        for le, count in buckets.items():
            every[le] = every.get(le, 0) + count - old.get(le, 0)
    total = (("all", "**all**"), every.get(float("inf"), 0), quantile(every, 0.5),
             quantile(every, 0.95), quantile(every, 0.99))
    return sorted(rows, key=lambda r: -r[1]), total


def reads_by_target(texts):
    counts = {}
    pattern = re.compile(r'^casework_db_reads_total\{([^}]*)\} (\S+)$', re.M)
    for text in texts:
        for labels, value in pattern.findall(text):
            label = dict(LABEL.findall(labels))
            key = (label.get("target", ""), label.get("reason", ""))
            counts[key] = counts.get(key, 0) + float(value)
    return counts


def locust(cast, base, seconds, directory, tag):
    """One headless Locust run; its per-request-name rows and failures."""
    users = Path(directory) / "users.json"
    users.write_text(json.dumps(cast))
    prefix = Path(directory) / tag
    env = {**os.environ, "MIXED_USERS": str(users), "MIXED_EMPLOYEES": str(EMPLOYEES),
           "MIXED_ANALYSTS": str(ANALYSTS), "MIXED_ADMINS": str(ADMINS)}
    subprocess.run(
        [LOCUST, "-f", os.environ.get("MIXED_LOCUSTFILE", str(ROOT / "bench/mixed_locust.py")),
         "--headless", "--host", base,
         "-u", str(EMPLOYEES + ANALYSTS + ADMINS), "-r", "50", "-t", f"{seconds}s",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
         *(["--processes", os.environ["MIXED_LOCUST_PROCESSES"]]
           if os.environ.get("MIXED_LOCUST_PROCESSES") else [])],
        check=False, env=env, stdout=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv") as stats:
        rows = [row for row in csv.DictReader(stats)]
    with open(f"{prefix}_failures.csv") as failures:
        failed = [row for row in csv.DictReader(failures)]
    return rows, failed


class RssPeak:
    """The highest RSS each process reached, sampled every 0.2 s while running."""

    def __init__(self, pids):
        self.pids = pids
        self.peak = {name: 0.0 for name in pids}
        self.stop = False
        import threading
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while not self.stop:
            for name, pid in self.pids.items():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak[name] = max(self.peak[name], int(line.split()[1]) / 1024)
                except OSError:
                    pass
            time.sleep(0.2)

    def done(self):
        self.stop = True
        self.thread.join()
        return self.peak


def measure(cast, bases, pids, metrics_bases, directory, tag):
    """Warm-up, then the measured run; its figures."""
    say(f"{tag}: warm-up ({WARM_UP} s)")
    locust(cast, bases, WARM_UP, directory, f"{tag}-warm")
    before = [scrape(b) for b in metrics_bases]
    rss = RssPeak(pids)
    say(f"{tag}: measuring ({SECONDS} s, {EMPLOYEES + ANALYSTS + ADMINS} people)")
    rows, failed = locust(cast, bases, SECONDS, directory, tag)
    peak = rss.done()
    after = [scrape(b) for b in metrics_bases]
    caches = {name: [a - b for a, b in zip(pair, cache_counts(before).get(name, [0, 0]))]
              for name, pair in cache_counts(after).items()}
    reads = {key: value - reads_by_target(before).get(key, 0)
             for key, value in reads_by_target(after).items()}
    server = server_times(latency_buckets(before), latency_buckets(after))
    return {"rows": rows, "failed": failed, "rss": peak, "caches": caches, "reads": reads,
            "server": server}


def table(result, title):
    rows = [r for r in result["rows"] if r["Name"] != "Aggregated"]
    total = next(r for r in result["rows"] if r["Name"] == "Aggregated")
    writes = sum(int(r["Request Count"]) for r in rows if r["Name"].startswith("write"))
    requests = int(total["Request Count"])
    stale = sum(int(f["Occurrences"]) for f in result["failed"] if "stale" in f["Error"])
    routes, every = result["server"]
    lines = [f"### {title}", "",
             "As the server timed them (its `casework_http_request_duration_seconds`, request in "
             "to response out, by route; interpolated within histogram buckets):", "",
             "| route | count | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    for (method, route), count, p50, p95, p99 in routes + [every]:
        name = route if method == "all" else f"{method} `{route}`"
        lines.append(f"| {name} | {count:,.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")
    lines += ["", "As Locust saw them, per kind of request (client included):", "",
              "| request | count | req/s | p50 ms | p95 ms | p99 ms | failures |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: r["Name"]) + [total]:
        name = "**all**" if r["Name"] == "Aggregated" else f"{r['Type']} {r['Name']}"
        lines.append(f"| {name} | {int(r['Request Count']):,} | {float(r['Requests/s']):.1f} | "
                     f"{r['50%']} | {r['95%']} | {r['99%']} | {r['Failure Count']} |")
    cached = {name: pair for name, pair in result["caches"].items() if sum(pair) > 0}
    hits = sum(p[0] for name, p in cached.items() if name != "viewers")
    looks = sum(sum(p) for name, p in cached.items() if name != "viewers")
    per_cache = ", ".join(f"{name} {p[0] / sum(p):.1%} of {sum(p):,.0f}" for name, p in sorted(cached.items()))
    lines += ["",
              f"Writes are {writes / max(requests, 1):.1%} of {requests:,} requests "
              f"({float(total['Requests/s']) * 60:,.0f} a minute). Stale reads by writers reading back: "
              f"**{stale}**. Failures: {', '.join(f['Error'][:80] + ' ×' + f['Occurrences'] for f in result['failed']) or 'none'}.",
              f"Cache hit rate on the cached reads (people, companies, dashboards, directory): "
              f"**{hits / max(looks, 1):.1%}** ({per_cache}; viewers are every request's session).",
              "Peak RSS: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in result["rss"].items()) + "."]
    replica = sum(v for (target, _), v in result["reads"].items() if target == "replica")
    primary = sum(v for (target, _), v in result["reads"].items() if target == "primary")
    if replica + primary:
        why = ", ".join(f"{reason} {v:,.0f}" for (target, reason), v in sorted(result["reads"].items())
                        if target == "primary" and v)
        lines.append(f"Reads served by the replica: **{replica / (replica + primary):.1%}** of "
                     f"{replica + primary:,.0f} (on the primary: {why}).")
    return lines


def main():
    run.load_data_set()
    import dashboards
    dashboards.add_companies()
    add_people_and_contractors()
    people = cast()
    server = run.Server(extra={"METRICS_TOKEN": METRICS_TOKEN, "LOG_LEVEL": "warn"})
    server.start()
    try:
        say("signing in the 200 people")
        sign_everyone_in(people, server.base)
        runs = []
        with tempfile.TemporaryDirectory() as scratch:
            for rate in RATES:
                os.environ["MIXED_RATE"] = str(rate)
                runs.append((rate, measure(people, server.base, {"server": server.process.pid},
                                           [server.base], scratch, f"one instance, {rate}/s")))
    finally:
        server.stop()
    lines = ["## Mixed load", "",
             f"{datetime.date.today().isoformat()}, {run.machine()}; release build. "
             f"`make bench-mixed`: Locust, {EMPLOYEES + ANALYSTS + ADMINS} signed-in people "
             f"({EMPLOYEES} employees, {ANALYSTS} analysts, {ADMINS} admins) at "
             f"{' and '.join(f'{r:g}' for r in RATES)} actions a second each on average (each "
             "person's actions at independent random moments, a Poisson process), "
             f"{SECONDS} s measured "
             f"after a {WARM_UP} s warm-up, on the 1,000,000-case data set with 100,000 companies "
             "and 10,000 contractors; Locust runs on the same 2 cores as everything else. Every "
             "write is followed by its writer reading the page back (a page without the write is "
             "a stale read).", ""]
    for rate, result in runs:
        lines += table(result, f"One instance, {rate:g} actions a second each") + [""]
    if os.environ.get("MIXED_CLUSTER"):
        import mixed_cluster
        os.environ["MIXED_RATE"] = str(RATES[0])
        lines += table(mixed_cluster.measure_cluster(people),
                       f"The cluster (make cluster's pieces), {RATES[0]:g} actions a second each")
    print("\n".join(lines))
    run.replace_section(ROOT / "bench/RESULTS.md", "## Mixed load", lines, before="## Earlier runs")


if __name__ == "__main__":
    main()
