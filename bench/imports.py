#!/usr/bin/env python3
"""CSV import of 100,000 cases (`make bench`, or alone: `BENCH_ONLY=imports make bench`).

1. Signs in as the bench workspace's admin and uploads a generated file of 10,000 and
   then of 100,000 cases (every 1,000th row without a title, so the report is
   exercised) through the real multipart route, as a browser's form does.
2. Starts the dry run and then the import through the page's server functions, timing
   upload, dry run and import apart, and samples the server's resident memory every
   50 ms throughout: memory that did not grow with the file is the point.
3. Deletes what it imported (the bench data set stays at its million cases) and
   writes the "CSV import" section of bench/RESULTS.md.
"""

import datetime
import threading
import time
import urllib.parse
import urllib.request

import run
from run import DB, ROOT, TENANT, say

BOUNDARY = "casework-bench-boundary"


def csv_file(rows, stamp):
    lines = ["Ref,Subject,Customer,E-mail,Priority,Status"]
    for i in range(1, rows + 1):
        title = "" if i % 1000 == 0 else f"Imported bench case {i}"
        priority = ("low", "normal", "high", "urgent")[i % 4]
        lines.append(f'B{stamp}-{i},"{title}","Customer {i}, Ltd",c{i}@example.com,{priority},open')
    return ("\n".join(lines) + "\n").encode()


def post(server, path, cookie, body, content_type, accept="application/json"):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(
        f"{server.base}{path}", data=body,
        headers={"Cookie": cookie, "Origin": server.base, "Content-Type": content_type,
                 "Accept": accept})
    try:
        with urllib.request.build_opener(NoRedirect).open(request) as reply:
            return reply.status, reply.headers, reply.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read().decode()


def upload(server, cookie, file):
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncases\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + file + f"\r\n--{BOUNDARY}--\r\n".encode()
    status, headers, text = post(server, "/imports", cookie, body,
                                 f"multipart/form-data; boundary={BOUNDARY}", accept="text/html")
    location = headers.get("Location", "")
    if status != 303 or not location.startswith("/imports/") or "new" in location:
        raise SystemExit(f"the upload was refused: {status} {location} {text[:200]}")
    return int(location.rsplit("/", 1)[1])


def view(server, cookie, import_id):
    return run.json.loads(run.get(f"/api/imports/get?id={import_id}", cookie, base=server.base))


def call(server, cookie, path, form):
    status, _, text = post(server, path, cookie, urllib.parse.urlencode(form).encode(),
                           "application/x-www-form-urlencoded")
    if status != 200:
        raise SystemExit(f"{path}: {status} {text[:300]}")


def until(server, cookie, import_id, status):
    while True:
        current = view(server, cookie, import_id)
        if current["status"] == status:
            return current
        if current["status"] == "Failed":
            raise SystemExit(f"the import failed: {current.get('error')}")
        time.sleep(0.05)


class RssSampler:
    """The server's resident memory every 50 ms, while running."""

    def __init__(self, server):
        self.server, self.peak, self.running = server, 0.0, True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            self.peak = max(self.peak, self.server.rss_mb())
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def one(server, cookie, rows):
    stamp = int(time.time() * 1000)
    file = csv_file(rows, stamp)
    before = server.rss_mb()
    sampler = RssSampler(server)
    started = time.monotonic()
    import_id = upload(server, cookie, file)
    uploaded = time.monotonic()
    current = view(server, cookie, import_id)
    form = [("id", import_id)] + [(f"map[{field}]", column) for field, column in current["mapping"].items()]
    call(server, cookie, "/api/imports/check", form)
    checked = until(server, cookie, import_id, "Checked")
    dry = time.monotonic()
    call(server, cookie, "/api/imports/run", [("id", import_id)])
    done = until(server, cookie, import_id, "Done")
    finished = time.monotonic()
    peak = sampler.stop()
    expected_bad = rows // 1000
    if checked["rows_bad"] != expected_bad or done["created"] != rows - expected_bad:
        raise SystemExit(f"unexpected counts: {checked['rows_bad']} bad, {done['created']} created")
    return {
        "rows": rows, "mb": len(file) / 1e6, "upload": uploaded - started, "check": dry - uploaded,
        "import": finished - dry, "total": finished - started, "rss_before": before, "rss_peak": peak,
        "created": done["created"], "bad": checked["rows_bad"],
    }


def main():
    server = run.Server()
    server.start()
    results = []
    try:
        cookie = run.sign_in(f"admin@{TENANT}.test", base=server.base)
        for rows in (10_000, 100_000):
            result = one(server, cookie, rows)
            results.append(result)
            print(f"    {rows:>7} rows ({result['mb']:.1f} MB): upload {result['upload']:.1f} s, "
                  f"check {result['check']:.1f} s, import {result['import']:.1f} s; "
                  f"RSS {result['rss_before']:.0f} → peak {result['rss_peak']:.0f} MB", flush=True)
    finally:
        server.stop()
        say("removing the imported cases")
        run.psql(DB, "DELETE FROM cases WHERE source = 'import'; DELETE FROM imports;")
    lines = section(results)
    print("\n".join(lines))
    run.replace_section(ROOT / "bench/RESULTS.md", "## CSV import", lines, before="## Earlier runs")


def section(results):
    big = results[-1]
    lines = [
        "## CSV import",
        "",
        f"{datetime.date.today().isoformat()}, {run.machine()}; production build. "
        "`BENCH_ONLY=imports make bench`.",
        "",
        "Cases uploaded as a browser's form does into the bench workspace (its million cases "
        "and their indexes in place), every 1,000th row without a title; the dry run, then the "
        "import of the good rows, through the page's own calls.",
        "",
        "| rows | file | upload | dry run | import | in all | server RSS before → peak |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['rows']:,} | {r['mb']:.1f} MB | {r['upload']:.1f} s | {r['check']:.1f} s | "
                     f"{r['import']:.1f} s | {r['total']:.1f} s | {r['rss_before']:.0f} → {r['rss_peak']:.0f} MB |")
    growth = [r["rss_peak"] - r["rss_before"] for r in results]
    lines += [
        "",
        f"100,000 cases in **{big['total']:.1f} s** from upload to the last row written (target ≤ 30 s); "
        f"the server's memory grew by {growth[0]:.0f} MB for the 10,000-row file and {growth[1]:.0f} MB "
        "for the 100,000-row one (the file is read a chunk at a time, and written in batches of 1,000).",
    ]
    return lines


if __name__ == "__main__":
    run.load_data_set()
    main()
