#!/usr/bin/env python3
"""The REST API's list of cases against the HTML page that shows the same list
(`make bench`, or alone: `BENCH_ONLY=api make bench`).

1. Makes an API key for the bench workspace (`casework create-api-key`, cases:read).
2. Drives `GET /api/v1/cases?status=open&priority=high` (100 a page, filtered) with the
   key, and the admin's `/cases?status=open&priority=high` (the same 100 cases, as
   HTML) with a session, at 32 clients, in alternating rounds so the machine's drift
   falls on both alike; reports each one's median round and the API's throughput as a
   share of the page's.
3. Writes the "REST API" section of bench/RESULTS.md.
"""

import datetime
import json
import statistics
import subprocess
import urllib.request

import run
from run import DB, ROOT, SECONDS, TENANT, say

CLIENTS = 32
ROUNDS = int(run.os.environ.get("BENCH_API_ROUNDS", "3"))
FILTER = "status=open&priority=high"


def api_key():
    out = subprocess.run(
        [run.BIN, "create-api-key", "--tenant", TENANT, "--admin", f"admin@{TENANT}.test",
         "--name", "bench", "--scopes", "cases:read"],
        check=True, capture_output=True, text=True, env={**run.os.environ, "DATABASE_URL": DB},
    ).stdout
    return out.strip().splitlines()[-1]


def wrk(path, header, meter, base):
    before = meter.sample()
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{SECONDS}s", "--latency", "-H", header,
         "-s", str(ROOT / "bench/latency.lua"), f"{base}{path}"],
        check=True, capture_output=True, text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    run.time.sleep(0.2)
    result["cpu"] = run.CpuMeter.per_request(before, meter.sample(), result["requests"])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def check(server, key, cookie):
    """Both answer the same 100 cases, and the API's page is valid JSON with a next link."""
    request = urllib.request.Request(f"{server.base}/api/v1/cases?{FILTER}",
                                     headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request) as reply:
        page = json.loads(reply.read())
        link = reply.headers.get("Link", "")
    html = run.get(f"/cases?{FILTER}", cookie, base=server.base)
    numbers = [case["number"] for case in page["data"]]
    shown = html.count('<tr data-number="')
    if len(numbers) != 100 or shown != 100 or 'rel="next"' not in link:
        raise SystemExit(f"the API answered {len(numbers)} cases, the page {shown}; link {link!r}")
    for number in numbers[:5]:
        if f'data-number="{number}"' not in html:
            raise SystemExit(f"case {number} is in the API's page but not the HTML one")


def main():
    key = api_key()
    server = run.Server(extra={"RATE_LIMIT_API_KEY": "free=10000000/min"})
    server.start()
    try:
        cookie = run.sign_in(f"admin@{TENANT}.test", base=server.base)
        check(server, key, cookie)
        meter = run.CpuMeter(server.process.pid)
        rounds = {"api": [], "page": []}
        for _ in range(ROUNDS):
            for name, path, header in [("api", f"/api/v1/cases?{FILTER}", f"Authorization: Bearer {key}"),
                                       ("page", f"/cases?{FILTER}", f"Cookie: {cookie}")]:
                result = wrk(path, header, meter, server.base)
                rounds[name].append(result)
                print(f"    {name:>4}: {result['rps']:8.0f} req/s  p99 {result['p99']:6.1f} ms  "
                      f"server {result['cpu']['server']:.2f} ms  db {result['cpu']['database']:.2f} ms  errors {result['errors']}", flush=True)
        rss = server.rss_mb("VmHWM")
    finally:
        server.stop()
    lines = section(rounds, rss)
    print("\n".join(lines))
    run.replace_section(ROOT / "bench/RESULTS.md", "## REST API", lines, before="## Earlier runs")


def median(results):
    ordered = sorted(results, key=lambda r: r["rps"])
    return ordered[len(ordered) // 2]


def section(rounds, rss):
    api, page = median(rounds["api"]), median(rounds["page"])
    share = api["rps"] / page["rps"]
    lines = [
        "## REST API",
        "",
        f"{datetime.date.today().isoformat()}, {run.machine()}; production build, "
        f"{CLIENTS} clients, {SECONDS} s a round, {ROUNDS} rounds each, alternating (median round shown). "
        "`BENCH_ONLY=api make bench`.",
        "",
        f"The same 100 cases (`{FILTER}`, the bench workspace's 1,000,000), as the API's JSON "
        "with an API key and as the admin's All cases page with a session.",
        "",
        "| request | req/s | p50 ms | p99 ms | server CPU ms / request | database CPU ms / request | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in [(f"`GET /api/v1/cases?{FILTER}`", api), (f"`GET /cases?{FILTER}` (HTML)", page)]:
        lines.append(f"| {name} | {result['rps']:,.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
                     f"{result['cpu']['server']:.2f} | {result['cpu']['database']:.2f} | {result['errors']} |")
    every = ", ".join(f"{r['rps'] / p['rps']:.0%}" for r, p in zip(rounds["api"], rounds["page"]))
    lines += [
        "",
        f"The API's throughput is **{share:.0%}** of the page's (target: within 10 %, i.e. ≥ 90 %; "
        f"each round: {every}); its p99 **{api['p99']:.1f} ms** (target ≤ 25 ms). "
        f"Peak server RSS {rss:.0f} MB.",
    ]
    return lines


if __name__ == "__main__":
    run.load_data_set()
    main()
