#!/usr/bin/env python3
"""The dashboards and the public inquiry form, on the bench data set (`make bench`,
or alone: `BENCH_ONLY=dashboards make bench`).

1. Adds MISSION.md's 100,000 companies (and an analyst) to the data set, once.
2. Drives `/` signed in as each role (the admin's, the employee's and the analyst's
   dashboard) with wrk at 32 clients, a few rounds each; reports the median round.
3. Sends the public form from many client addresses at once (each address stays
   under the form's 5 a minute) and checks that every accepted inquiry is stored once.
4. Writes the "Dashboards and the public inquiry form" section of bench/RESULTS.md.
"""

import datetime
import html
import re
import statistics
import subprocess
import time
import urllib.parse

import run
from run import DB, ROOT, SECONDS, TENANT, psql, say

COMPANIES = int(run.os.environ.get("BENCH_COMPANIES", "100000"))
CLIENTS = 32
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


def dashboards(server, meter):
    _, employee, _ = run.bench_employee()
    rows = []
    for role, email, marker in [
        ("admin", f"admin@{TENANT}.test", 'data-testid="team-dashboard"'),
        ("employee", employee, 'data-testid="my-dashboard"'),
        ("analyst", f"analyst@{TENANT}.test", 'data-testid="companies-dashboard"'),
    ]:
        cookie = run.sign_in(email, base=server.base)
        page = run.get("/", cookie, base=server.base)
        if marker not in page:
            raise SystemExit(f"the {role}'s dashboard did not render its panels")
        rounds = [wrk("/", CLIENTS, meter, server.base, headers=[f"Cookie: {cookie}"])
                  for _ in range(ROUNDS)]
        for r in rounds:
            print(f"    {role}: {r['rps']:8.0f} req/s  p99 {r['p99']:6.1f} ms  errors {r['errors']}"
                  f"  server {r['cpu']['server']:.3f} ms/req", flush=True)
        median = sorted(rounds, key=lambda r: r["p99"])[len(rounds) // 2]
        rows.append({"role": role, "bytes": len(page.encode()), "p99s": [r["p99"] for r in rounds], **median})
    return rows


def form(server, meter):
    page = run.get(f"/contact/{TENANT}", "", base=server.base)
    started = re.search(r'name="started" value="([^"]+)"', page)
    if not started:
        raise SystemExit("the public form did not render")
    body = urllib.parse.urlencode({
        "slug": TENANT, "name": "Load Sender", "email": "sender@example.com",
        "company": "Bench Ltd", "subject": "A question from the benchmark",
        "message": "Hello, this is one of many inquiries sent at once.",
        "started": html.unescape(started.group(1)),
    })
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
           "| dashboard (`/`, signed in as) | page KB | req/s | p50 ms | p95 ms | p99 ms | p99 of each round | errors | server ms/req | PostgreSQL ms/req |",
           "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for row in rows:
        out.append(f"| {row['role']} | {row['bytes'] / 1024:.0f} | {row['rps']:.0f} | {row['p50']:.1f} | "
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
        verdicts.append(f"- the {row['role']}'s dashboard: p99 {row['p99']:.1f} ms "
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
    server = run.Server(extra={"TRUSTED_PROXIES": "127.0.0.1", "INQUIRY_MIN_FILL_SECONDS": "0"})
    server.start()
    try:
        meter = run.CpuMeter(server.process.pid)
        say(f"dashboards: {CLIENTS} clients, {ROUNDS} rounds each")
        rows = dashboards(server, meter)
        say("the public form, from many addresses")
        sent = form(server, meter)
    finally:
        server.stop()
    lines = section(rows, sent)
    print("\n".join(lines))
    run.replace_section(ROOT / "bench/RESULTS.md", "## Dashboards and the public inquiry form", lines,
                        before="## Earlier runs")


if __name__ == "__main__":
    run.load_data_set()
    main()
