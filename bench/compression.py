#!/usr/bin/env python3
"""What compressing pages costs (`make bench`, or alone: `BENCH_ONLY=compression make
bench`).

1. Saves three real pages from the release server on the bench data set: the work
   queue (100 rows), a case with its thread, the companies list.
2. Compresses each with every encoder and level the server could be set to
   (benches/compression.rs: async-compression, as tower-http uses it), alone.
3. Drives `/work` with wrk at 32 clients asking for no compression, for gzip (what a
   browser over plain HTTP asks), and for zstd (what Chrome, Edge and Firefox ask over
   HTTPS): the server's CPU a page and its throughput, each against the uncompressed.
4. Writes the "Compressing pages" section of bench/RESULTS.md.
"""

import datetime
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import run
from run import BASE, DB, ROOT, TENANT, psql, say

CLIENTS = 32
ROUNDS = int(os.environ.get("BENCH_COMPRESSION_ROUNDS", "3"))
# What the server is asked for, and the Accept-Encoding header that asks it.
ASKS = [
    ("none", "identity"),
    ("gzip", "gzip, deflate"),
    ("zstd", "gzip, deflate, br, zstd"),
]


def save_pages(cookie, admin_cookie, scratch):
    employee_case = psql(DB, f"""
        SELECT c.number FROM cases c JOIN tenants t ON t.id = c.tenant_id
        JOIN (SELECT case_id, count(*) n FROM comments GROUP BY case_id) k ON k.case_id = c.id
        WHERE t.slug = '{TENANT}' ORDER BY k.n DESC, c.number LIMIT 1""")
    pages = [("work", "/work", cookie), ("case", f"/cases/{employee_case}", admin_cookie),
             ("companies", "/companies", admin_cookie)]
    paths = []
    for name, path, who in pages:
        path_on_disk = Path(scratch) / f"{name}.html"
        path_on_disk.write_text(run.get(path, who))
        paths.append(str(path_on_disk))
    return paths


def encoders(pages):
    out = subprocess.run(
        ["cargo", "bench", "-q", "-p", "casework", "--no-default-features", "--features", "ssr",
         "--bench", "compression", "--", *pages],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def wrk(cookie, accept, meter):
    before = meter.sample()
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{run.SECONDS}s", "--latency",
         "-H", f"Cookie: {cookie}", "-H", f"Accept-Encoding: {accept}",
         "-s", str(ROOT / "bench/latency.lua"), f"{BASE}/work"],
        check=True, capture_output=True, text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    time.sleep(0.2)
    result["cpu"] = run.CpuMeter.per_request(before, meter.sample(), result["requests"])
    result["rps"] = result["requests"] / result["seconds"]
    result["bytes_per_request"] = result["bytes"] / max(result["requests"], 1)
    return result


def section(table, served):
    today = datetime.date.today().isoformat()
    out = ["## Compressing pages", "",
           f"Measured {today}, {run.machine()} (`BENCH_ONLY=compression make bench`).", "",
           "Every page the server makes is compressed as the browser asks (src/startup.rs). Under",
           "the mixed benchmark brotli at level 4 was a quarter of the server's CPU, a cost the",
           "page benchmarks above never paid (wrk asks for no compression). Each encoder and level,",
           "alone, on real pages of the bench data set (`benches/compression.rs`: a fresh encoder per",
           "page, as each response gets one; median of 9 rounds):", "",
           "| page | bytes | encoder | level | compressed | ratio | µs a page |",
           "|---|---:|---|---:|---:|---:|---:|"]
    for r in table:
        out.append(f"| {r['page']} | {r['bytes']:,} | {r['encoder']} | {r['level']} | {r['compressed']:,} | "
                   f"{r['bytes'] / max(r['compressed'], 1):.1f}× | {r['us']:.0f} |")
    out += ["", "Brotli's encoder costs hundreds of microseconds a page at any level (setting up its",
            "window and tables, each response anew); zstd at level 1 compresses as well in a fraction",
            "of that. So the server answers zstd where the browser takes it (Chrome, Edge, Firefox",
            "over HTTPS), else gzip, both at level 1; the built scripts and styles keep their brotli,",
            "compressed once at build time.", "",
            f"`/work` through the server as shipped, {CLIENTS} clients, the median of {ROUNDS} rounds:", "",
            "| asked for | req/s | p99 ms | server CPU ms a page | bytes a response | vs none |",
            "|---|---:|---:|---:|---:|---:|"]
    base = served[0][1]
    for name, result in served:
        out.append(f"| {name} | {result['rps']:.0f} | {result['p99']:.1f} | {result['cpu']['server']:.3f} | "
                   f"{result.get('bytes_per_request', 0):,.0f} | {result['rps'] / base['rps']:.0%} |")
    return out + [""]


def main():
    email = run.bench_employee()[1]
    server = run.Server()
    server.start()
    try:
        cookie = run.sign_in(email)
        admin_cookie = run.sign_in(f"admin@{TENANT}.test")
        meter = run.CpuMeter(server.process.pid)
        with tempfile.TemporaryDirectory() as scratch:
            pages = save_pages(cookie, admin_cookie, scratch)
            say("each encoder and level on " + ", ".join(Path(p).stem for p in pages))
            table = encoders(pages)
        served = []
        for name, accept in ASKS:
            rounds = sorted((wrk(cookie, accept, meter) for _ in range(ROUNDS)), key=lambda r: r["rps"])
            served.append((name, rounds[len(rounds) // 2]))
            result = served[-1][1]
            print(f"    {name:5}: {result['rps']:7.0f} req/s  p99 {result['p99']:5.1f} ms  "
                  f"server {result['cpu']['server']:.3f} ms a page", flush=True)
    finally:
        server.stop()
    lines = section(table, served)
    print("\n".join(lines))
    run.replace_section(ROOT / "bench/RESULTS.md", "## Compressing pages", lines,
                        before="## Earlier runs")


if __name__ == "__main__":
    run.load_data_set()
    main()
