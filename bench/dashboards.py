#!/usr/bin/env python3
"""The dashboards and the public inquiry form, on the bench data set (`make bench`,
or alone: `BENCH_ONLY=dashboards make bench`).

1. Adds MISSION.md's 100,000 companies (and an analyst) to the data set, once.
2. Drives `/` signed in as each role (the admin's, the employee's and the analyst's
   dashboard) with wrk at 32 clients, a few rounds each; reports the median round. Then
   the admin's again while new cases arrive through the form (each drops the figures
   cache), and every role's with the cache off (what reading the figures costs).
3. Sends the public form from many client addresses at once (each address stays
   under the form's 5 a minute) and checks that every accepted inquiry is stored once.
4. Writes the "Dashboards and the public inquiry form" section of bench/RESULTS.md.
"""

import datetime
import html
import re
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import run
from run import DB, ROOT, SECONDS, TENANT, psql, say

COMPANIES = int(run.os.environ.get("BENCH_COMPANIES", "100000"))
CLIENTS = 32
# New cases a second during the "cases arriving" rows: each one drops the workspace's
# figures, so most views then read them again.
WRITES_PER_SECOND = int(run.os.environ.get("BENCH_DASHBOARD_WRITES", "20"))
ROUNDS = int(run.os.environ.get("BENCH_DASHBOARD_ROUNDS", "3"))


def add_companies():
    have = int(psql(DB, f"SELECT count(*) FROM companies c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = '{TENANT}'"))
    if have == 0:
        say(f"adding {COMPANIES} companies to the data set (once)")
        run.casework("seed", "--companies", str(COMPANIES), "--tenant", TENANT)
    else:
        say(f"companies already loaded ({have})")


def open_form():
    """The form on, every inquiry to the pool, a cap the run cannot reach, today's
    count at zero."""
    psql(DB, f"""
        INSERT INTO inquiry_forms (tenant_id, enabled, daily_cap, assignment)
        SELECT id, true, 100000, 'pool' FROM tenants WHERE slug = '{TENANT}'
        ON CONFLICT (tenant_id) DO UPDATE
        SET enabled = true, daily_cap = 100000, assignment = 'pool', day_count = 0""")


def web_form_cases():
    return int(psql(DB, f"SELECT count(*) FROM cases c JOIN tenants t ON t.id = c.tenant_id "
                        f"WHERE t.slug = '{TENANT}' AND c.source = 'web_form'"))


def wrk(path, clients, meter, base, headers=(), script="latency.lua", args=()):
    before = meter.sample()
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{SECONDS}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    command += ["-s", str(ROOT / "bench" / script), f"{base}{path}"]
    if args:
        command += ["--", *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = run.json.loads(out.strip().splitlines()[-1])
    time.sleep(0.2)
    result["cpu"] = run.CpuMeter.per_request(before, meter.sample(), result["requests"])
    result["rps"] = result["requests"] / result["seconds"]
    return result


ROLES = [
    ("admin", f"admin@{TENANT}.test", 'data-testid="team-dashboard"'),
    ("employee", None, 'data-testid="my-dashboard"'),
    ("analyst", f"analyst@{TENANT}.test", 'data-testid="companies-dashboard"'),
]


def form_body(server):
    page = run.get(f"/contact/{TENANT}", "", base=server.base)
    started = re.search(r'name="started" value="([^"]+)"', page)
    if not started:
        raise SystemExit("the public form did not render")
    return urllib.parse.urlencode({
        "slug": TENANT, "name": "Load Sender", "email": "sender@example.com",
        "company": "Bench Ltd", "subject": "A question from the benchmark",
        "message": "Hello, this is one of many inquiries sent at once.",
        "started": html.unescape(started.group(1)),
    })


class Writer(threading.Thread):
    """Sends the public form `per_second` times a second while it runs: each inquiry is
    a new case, and so drops the workspace's dashboard figures in every process."""

    def __init__(self, server, per_second):
        super().__init__(daemon=True)
        self.server, self.gap, self.sent = server, 1.0 / per_second, 0
        self.body = form_body(server).encode()
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            started = time.time()
            request = urllib.request.Request(
                f"{self.server.base}/api/contact/send", data=self.body,
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Origin": self.server.base,
                         "X-Forwarded-For": f"10.200.{self.sent // 256 % 256}.{self.sent % 256}"})
            try:
                with urllib.request.urlopen(request, timeout=5) as reply:
                    reply.read()
                self.sent += 1
            except OSError as error:
                print(f"    writer: {error}", flush=True)
            self.stopping.wait(max(0.0, self.gap - (time.time() - started)))

    def stop(self):
        self.stopping.set()
        self.join()


def dashboards(server, meter, roles=ROLES, label="", writes_per_second=0):
    _, employee, _ = run.bench_employee()
    rows = []
    for role, email, marker in roles:
        cookie = run.sign_in(email or employee, base=server.base)
        page = run.get("/", cookie, base=server.base)
        if marker not in page:
            raise SystemExit(f"the {role}'s dashboard did not render its panels")
        writer = Writer(server, writes_per_second) if writes_per_second else None
        if writer:
            writer.start()
        started = time.time()
        rounds = [wrk("/", CLIENTS, meter, server.base, headers=[f"Cookie: {cookie}"])
                  for _ in range(ROUNDS)]
        if writer:
            writer.stop()
        for r in rounds:
            print(f"    {role}{label}: {r['rps']:8.0f} req/s  p99 {r['p99']:6.1f} ms  errors {r['errors']}"
                  f"  server {r['cpu']['server']:.3f} ms/req", flush=True)
        median = sorted(rounds, key=lambda r: r["p99"])[len(rounds) // 2]
        writes = f"{writer.sent / (time.time() - started):.0f}/s" if writer else "—"
        rows.append({"role": role + label, "bytes": len(page.encode()), "writes": writes,
                     "p99s": [r["p99"] for r in rounds], **median})
    return rows


def form(server, meter):
    body = form_body(server)
    before = web_form_cases()
    result = wrk("/api/contact/send", CLIENTS, meter, server.base,
                 headers=["Content-Type: application/x-www-form-urlencoded", f"Origin: {server.base}"],
                 script="form.lua", args=[body])
    stored = web_form_cases() - before
    accepted = result["requests"] - result["errors"]
    print(f"    form: {accepted / result['seconds']:.0f} accepted/s  p99 {result['p99']:.1f} ms  "
          f"accepted {accepted}  stored {stored}  refused {result['errors']}", flush=True)
    return {**result, "accepted": accepted, "stored": stored}


def section(rows, sent):
    out = ["## Dashboards and the public inquiry form", "",
           f"- **Date:** {datetime.date.today().isoformat()}",
           f"- **Machine:** {run.machine()}",
           f"- **Data set:** the one above, with {COMPANIES:,} companies "
           f"(`casework seed --companies {COMPANIES} --tenant {TENANT}`)",
           f"- **Load:** wrk, {CLIENTS} clients, {SECONDS} s per round, {ROUNDS} rounds per "
           "dashboard (the median round by p99 is shown, all p99s beside it)", "",
           "Target (issue 22): each dashboard p99 ≤ 25 ms at 32 clients; the form ≥ 500 "
           "accepted submissions/s, each stored once.", "",
           "| dashboard (`/`, signed in as) | new cases meanwhile | page KB | req/s | p50 ms | p95 ms | p99 ms | p99 of each round | errors | server ms/req | PostgreSQL ms/req |",
           "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for row in rows:
        out.append(f"| {row['role']} | {row['writes']} | {row['bytes'] / 1024:.0f} | {row['rps']:.0f} | {row['p50']:.1f} | "
                   f"{row['p95']:.1f} | {row['p99']:.1f} | {', '.join(f'{p:.1f}' for p in row['p99s'])} | "
                   f"{row['errors']} | {row['cpu']['server']:.3f} | {row['cpu']['database']:.3f} |")
    accepted_rate = sent["accepted"] / sent["seconds"]
    out += ["", "| public form (`/api/contact/send`, a new client address each request) | accepted/s | p50 ms | p99 ms | accepted | stored | refused | server ms/req | PostgreSQL ms/req |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {CLIENTS} clients | {accepted_rate:.0f} | {sent['p50']:.1f} | {sent['p99']:.1f} | "
            f"{sent['accepted']} | {sent['stored']} | {sent['errors']} | {sent['cpu']['server']:.3f} | "
            f"{sent['cpu']['database']:.3f} |", ""]
    verdicts = []
    for row in rows:
        verdicts.append(f"- {row['role']}: p99 {row['p99']:.1f} ms "
                        f"({'meets' if row['p99'] <= 25 else 'misses'} ≤ 25 ms)")
    # wrk stops counting at the end of the run with one request in flight per
    # connection; the server still stores those. So stored may exceed accepted by at
    # most the clients, never fall short of it.
    late = sent["stored"] - sent["accepted"]
    whole = 0 <= late <= CLIENTS
    verdicts.append(f"- the form: {accepted_rate:.0f} accepted/s "
                    f"({'meets' if accepted_rate >= 500 else 'misses'} ≥ 500); "
                    + (f"every accepted inquiry stored once ({late} more stored whose answers came "
                       f"after wrk stopped counting: the requests in flight, one per client at most)"
                       if whole else f"STORED {sent['stored']} AGAINST ACCEPTED {sent['accepted']}"))
    return out + verdicts + [""]


def main():
    add_companies()
    open_form()
    extra = {"TRUSTED_PROXIES": "127.0.0.1", "INQUIRY_MIN_FILL_SECONDS": "0"}
    server = run.Server(extra=extra)
    server.start()
    try:
        meter = run.CpuMeter(server.process.pid)
        say(f"dashboards: {CLIENTS} clients, {ROUNDS} rounds each")
        rows = dashboards(server, meter)
        say(f"the admin's dashboard while {WRITES_PER_SECOND} inquiries a second arrive")
        rows += dashboards(server, meter, ROLES[:1], " (cases arriving)", WRITES_PER_SECOND)
        say("the public form, from many addresses")
        sent = form(server, meter)
    finally:
        server.stop()
    # The cost of reading the figures every time: the cache off.
    server = run.Server(extra={**extra, "DASHBOARD_CACHE_SECONDS": "0"})
    server.start()
    try:
        meter = run.CpuMeter(server.process.pid)
        say("the dashboards with the figures cache off")
        rows += dashboards(server, meter, ROLES, " (cache off)")
    finally:
        server.stop()
    lines = section(rows, sent)
    print("\n".join(lines))
    run.replace_section(ROOT / "bench/RESULTS.md", "## Dashboards and the public inquiry form", lines,
                        before="## Earlier runs")


if __name__ == "__main__":
    run.load_data_set()
    main()
