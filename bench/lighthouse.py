"""Lighthouse, mobile profile, on the release build (`BENCH_ONLY=lighthouse make bench`).

Starts the release server on the benchmark data set, signs in the bench employee, the
analyst and the admin, and runs Lighthouse (npm, the project's own copy) against the
main pages with Debian's Chromium: the mobile form factor, simulated slow 4G and a CPU
four times slower (Lighthouse's defaults), each page LIGHTHOUSE_RUNS times (default 3),
categories performance, accessibility and best practices. Writes the "Lighthouse"
section of bench/RESULTS.md: the median score of each category per page, the metrics
behind performance, and what each failing audit was.
"""

import datetime
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

import page_speed
import run

ROOT = run.ROOT
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
CATEGORIES = ["performance", "accessibility", "best-practices"]
GOALS = "performance ≥ 95, accessibility 100, best practices 100"
METRICS = [
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "SI"),
]


def lighthouse(url, cookie, out):
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    command = [
        "npx", "--no-install", "lighthouse", url,
        "--quiet",
        "--output=json", f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    # Lighthouse now and then fails to record a trace (NO_NAVSTART): that run is made
    # again, up to twice.
    for attempt in range(3):
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "CHROME_PATH": chromium})
        if done.returncode == 0:
            return json.loads(Path(out).read_text())
        run.say(f"lighthouse failed on {url} (attempt {attempt + 1}); again")
    raise SystemExit(f"lighthouse could not measure {url}")


def summary(report):
    scores = {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    metrics = {key: report["audits"][key]["numericValue"] for key, _ in METRICS}
    failing = sorted(
        audit["id"]
        for category in ("accessibility", "best-practices")
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] > 0
        for audit in [report["audits"][ref["id"]]]
        if audit["score"] is not None and audit["score"] < 1
    )
    return scores, metrics, failing


def main():
    pages = page_speed.main_pages()
    server = run.Server()
    server.start()
    results = {}
    try:
        cookies = page_speed.sign_in_everyone()
        cookies["nobody"] = ""
        with tempfile.TemporaryDirectory() as scratch:
            for page in pages:
                runs = []
                for i in range(RUNS):
                    out = Path(scratch) / f"{len(results)}-{i}.json"
                    report = lighthouse(server.base + page["path"], cookies[page["who"]], out)
                    runs.append(summary(report))
                run.say(f"{page['name']}: {[r[0] for r in runs]}")
                results[page["name"]] = runs
    finally:
        server.stop()
    when = f"{datetime.date.today().isoformat()}, {run.machine()}"
    section = lighthouse_section(results, pages, when)
    print("\n".join(section))
    run.replace_section(ROOT / "bench/RESULTS.md", "## Lighthouse", section, before="## Earlier runs")


def lighthouse_section(results, pages, when):
    lines = [
        "## Lighthouse",
        "",
        f"`BENCH_ONLY=lighthouse make bench` ({when}): Lighthouse "
        f"(npm, {version()}) in its mobile profile (simulated slow 4G, 4× CPU) against the "
        f"release build on the benchmark data set, {RUNS} runs a page, medians. "
        f"Goals: {GOALS}.",
        "",
        "| page | performance | accessibility | best practices | "
        + " | ".join(label for _, label in METRICS) + " | failing audits |",
        "|---|---:|---:|---:|" + "---:|" * len(METRICS) + "---|",
    ]
    for page in pages:
        runs = results[page["name"]]
        score = {c: statistics.median(r[0][c] for r in runs) for c in CATEGORIES}
        metric = {k: statistics.median(r[1][k] for r in runs) for k, _ in METRICS}
        failing = sorted({a for r in runs for a in r[2]})
        cells = [
            f"{metric[k]:.3f}" if k == "cumulative-layout-shift" else f"{metric[k] / 1000:.1f} s"
            if k != "total-blocking-time" else f"{metric[k]:.0f} ms"
            for k, _ in METRICS
        ]
        lines.append(
            f"| {page['name']} (`{page['path'].split('?')[0]}`) | **{score['performance']:.0f}** | "
            f"{score['accessibility']:.0f} | {score['best-practices']:.0f} | "
            + " | ".join(cells) + f" | {', '.join(failing) or '—'} |")
    lines.append("")
    return lines


def version():
    found = subprocess.run(["npx", "--no-install", "lighthouse", "--version"], cwd=ROOT,
                           capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
