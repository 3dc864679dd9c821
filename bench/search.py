"""Search across everything on the benchmark data set (`BENCH_ONLY=search make bench`).

The header box asks `GET /api/search?q=…` as a person types. Each query below is sent
ROUNDS times in a row, one at a time, as the admin (every case of a million) and as the
bench employee (their ~500), and timed from the request to the last byte of the answer
(an upper bound of the server's time: loopback HTTP adds ~0.2 ms). Goal: ≤ 30 ms.
Writes the "Search" section of bench/RESULTS.md.
"""

import datetime
import json
import os
import statistics
import time
import urllib.parse
import urllib.request

import run

ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "50"))


def queries(number):
    # The generator's words are few, so every word is common: "refund" is in one title
    # in fifteen (66,000 of the million), a surname in one customer in twenty-five.
    return [
        ("a case number", str(number)),
        ("a common title word", "refund"),
        ("two title words", "duplicate charge"),
        ("a prefix as typed", "ref"),
        ("a customer's surname", "tanaka"),
        ("a customer's company", "kestrel"),
        ("a company's website", "company4711"),
        ("a page", "system"),
        ("nothing matches", "zzqxj"),
    ]


def timed(base, cookie, q):
    path = "/api/search?" + urllib.parse.urlencode({"q": q, "full": "false"})
    times, hits = [], 0
    for _ in range(ROUNDS):
        request = urllib.request.Request(base + path, headers={"Cookie": cookie})
        start = time.perf_counter()
        with urllib.request.urlopen(request) as reply:
            body = reply.read()
        times.append((time.perf_counter() - start) * 1000)
        hits = len(json.loads(body)["hits"])
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
        "hits": hits,
    }


def main():
    _, employee, queue = run.bench_employee()
    number = run.psql(run.DB, f"""
        SELECT c.number FROM cases c JOIN users u ON u.id = c.assignee_id
        WHERE u.email = '{employee}' ORDER BY c.updated_at DESC LIMIT 1""")
    server = run.Server()
    server.start()
    rows = []
    try:
        people = [("admin", run.sign_in(f"admin@{run.TENANT}.test")), ("employee", run.sign_in(employee))]
        for name, q in queries(number):
            row = {"name": name, "q": q}
            for who, cookie in people:
                row[who] = timed(server.base, cookie, q)
            rows.append(row)
            run.say(f"{name:22} {q!r:22} admin p50 {row['admin']['p50']:6.1f} ms "
                    f"p95 {row['admin']['p95']:6.1f}  employee p50 {row['employee']['p50']:6.1f} ms")
    finally:
        server.stop()
    lines = [
        "## Search",
        "",
        f"`BENCH_ONLY=search make bench` ({datetime.date.today().isoformat()}, {run.machine()}): "
        f"`GET /api/search` as the header box sends it, {ROUNDS} times each, "
        "one at a time, timed to the last byte on the client (loopback). The admin searches "
        f"every case of the million; the employee their own ({queue} open). Goal: ≤ 30 ms.",
        "",
        "| query | text | admin p50 / p95 / max | hits | employee p50 / p95 / max | hits |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        a, e = row["admin"], row["employee"]
        lines.append(
            f"| {row['name']} | `{row['q']}` | {a['p50']:.1f} / {a['p95']:.1f} / {a['max']:.1f} ms | "
            f"{a['hits']} | {e['p50']:.1f} / {e['p95']:.1f} / {e['max']:.1f} ms | {e['hits']} |")
    lines.append("")
    print("\n".join(lines))
    run.replace_section(run.ROOT / "bench/RESULTS.md", "## Search", lines, before="## Earlier runs")
