"""Page speed in a real browser, and the browser bundle's size (`BENCH_ONLY=pages make bench`).

1. Starts the release server on the benchmark data set and signs in the bench employee
   (about 500 open cases), the analyst and the admin.
2. Runs bench/page-speed/ (Playwright, Debian's Chromium): each main page loaded cold
   PAGE_SPEED_RUNS times (default 5) on a CPU slowed four times, then the filter
   change, the bulk tick and posting a comment, each timed to the next paint and to
   the visible result.
3. Writes the "Browser bundle" (scripts/bundle-size.mjs) and "Page speed" sections of
   bench/RESULTS.md, with the median of each figure.
"""

import datetime
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

import run

ROOT = run.ROOT
SITE = os.environ.get("CASEWORK_SITE_ROOT", str(ROOT / "target/site"))
GOALS = "LCP ≤ 1.0 s and CLS ≤ 0.02 at 4× CPU slowdown; interactions ≤ 100 ms"


def first(sql):
    value = run.psql(run.DB, sql)
    if not value:
        raise SystemExit(f"the data set has nothing for: {sql}")
    return value


def main_pages():
    """The pages measured, each with who opens it."""
    _, employee, _ = run.bench_employee()
    number = first(f"""
        SELECT c.number FROM cases c JOIN users u ON u.id = c.assignee_id
        WHERE u.email = '{employee}' AND NOT c.archived AND c.status = 'open'
        ORDER BY c.updated_at DESC LIMIT 1""")
    company = first(f"""
        SELECT c.id FROM companies c JOIN tenants t ON t.id = c.tenant_id
        WHERE t.slug = '{run.TENANT}' ORDER BY c.score_rank DESC NULLS LAST, c.id LIMIT 1""")
    return [
        {"name": "dashboard", "path": "/", "who": "employee"},
        {"name": "my work", "path": "/work", "who": "employee"},
        {"name": "a case", "path": f"/cases/{number}", "who": "employee"},
        {"name": "companies", "path": "/companies", "who": "analyst"},
        {"name": "a company", "path": f"/companies/{company}", "who": "analyst"},
        {"name": "admin dashboard", "path": "/", "who": "admin"},
        {"name": "sign-in", "path": "/login", "who": "nobody"},
    ]


def sign_in_everyone():
    """Session cookies of the bench employee, analyst and admin (the server runs)."""
    _, employee, _ = run.bench_employee()
    return {
        "employee": run.sign_in(employee),
        "analyst": run.sign_in(f"analyst@{run.TENANT}.test"),
        "admin": run.sign_in(f"admin@{run.TENANT}.test"),
    }


def main():
    _, employee, queue = run.bench_employee()
    pages = main_pages()
    server = run.Server()
    server.start()
    try:
        cookies = sign_in_everyone()
        run.say(f"signed in as {employee} ({queue} open cases); measuring {len(pages)} pages")
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "page-speed.json"
            env = {
                **os.environ,
                "PAGE_SPEED_BASE": server.base,
                "PAGE_SPEED_PAGES": json.dumps(pages),
                "PAGE_SPEED_COOKIES": json.dumps(cookies),
                "PAGE_SPEED_OUT": str(out),
            }
            subprocess.run(["npx", "playwright", "test", "-c", "bench/page-speed"],
                           cwd=ROOT, env=env, check=True)
            result = json.loads(out.read_text())
    finally:
        server.stop()

    bundle = subprocess.run(["node", "scripts/bundle-size.mjs", SITE, "--markdown"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout.strip().splitlines()
    when = f"{datetime.date.today().isoformat()}, {run.machine()}"
    section = speed_section(result, pages, when)
    print("\n".join(section))
    run.replace_section(ROOT / "bench/RESULTS.md", "## Page speed", section, before="## Earlier runs")
    run.replace_section(ROOT / "bench/RESULTS.md", "## Browser bundle", bundle_section(bundle, when),
                        before="## Page speed")


def bundle_section(table, when):
    return [
        "## Browser bundle",
        "",
        f"`node scripts/bundle-size.mjs target/site --markdown` on the release build ({when}). "
        "The initial bundle is what every page needs before it hydrates (the wasm-bindgen "
        "script, the main module, the splitter's loader); each area of pages "
        "(app/src/routes.rs) adds its own module and the modules it shares with other "
        "areas. Brotli at quality 11, as the server sends them. `make test` fails when the "
        "initial bundle passes 350 KB.",
        "",
        *table,
        "",
    ]


def median(values):
    return statistics.median(values) if values else 0.0


def speed_section(result, pages, when):
    lines = [
        "## Page speed",
        "",
        f"`BENCH_ONLY=pages make bench` ({when}): each page loaded cold (new browser "
        f"context, nothing cached) {result['runs']} times in Chromium with the CPU slowed "
        f"{result['throttle']}×, on the benchmark data set; medians. Goals: {GOALS}. "
        "Hydrated = when hydration has finished (`<html data-hydrated>`, set once the "
        "page's route modules are in and hydrated; runs before 7e3950c set it early, "
        "while they were still loading); bytes = everything the page downloaded, compressed.",
        "",
        "| page | TTFB | FCP | LCP | CLS | TBT | hydrated | bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in pages:
        runs = result["loads"][page["name"]]
        m = {key: median([r[key] for r in runs]) for key in runs[0]}
        lines.append(
            f"| {page['name']} (`{page['path'].split('?')[0]}`) | {m['ttfb']:.0f} ms | "
            f"{m['fcp']:.0f} ms | **{m['lcp']:.0f} ms** | {m['cls']:.3f} | {m['tbt']:.0f} ms | "
            f"{m['hydrated']:.0f} ms | {m['bytes'] / 1000:.0f} KB |")
    lines += [
        "",
        "| interaction | next paint (median / worst) | result shown (median / worst) |",
        "|---|---:|---:|",
    ]
    for i in result["interactions"]:
        lines.append(
            f"| {i['name']} | {median(i['nextPaint']):.0f} / {max(i['nextPaint'], default=0):.0f} ms | "
            f"{median(i['done']):.0f} / {max(i['done'], default=0):.0f} ms |")
    lines.append("")
    return lines


if __name__ == "__main__":
    main()
