"""Capacity: how many shoppers one machine takes before clicks feel slow (`make capacity`).

Runs the load test (bench/loadtest.py: gunicorn, PostgreSQL, Redis, a Celery worker and beat on
this machine, every event accounted for) at 20, 50, 100 and 150 shoppers for 60 s each and
writes the p50/p95 of a studio click and of a preview, the requests per second, the errors and
whether every event and profile was accounted for into bench/results/capacity.md, which
bench/REPORT.md includes (`make bench` keeps the latest table). The target, at 100 shoppers:
studio click p95 at most 200 ms and preview p95 at most 300 ms, with 0 errors and exact events.

    .venv/bin/python bench/capacity.py [--sizes 20,50,100,150] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE = "atelier_capacity"
TARGET_USERS, CLICK_P95, PREVIEW_P95 = 100, 200.0, 300.0


def route(stats: dict, name: str) -> dict:
    return next((r for r in stats["routes"] if r["name"] == name), {"p50": 0, "p95": 0, "requests": 0, "errors": 0})


def measure(users: int, seconds: int, extra: list[str] = ()) -> dict:
    log = ROOT / "artifacts" / "load" / f"capacity-{users}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        code = subprocess.run([sys.executable, str(ROOT / "bench" / "loadtest.py"), "--users", str(users),
                               "--seconds", str(seconds), "--database", DATABASE, *extra], cwd=ROOT, stdout=out,
                              stderr=subprocess.STDOUT, check=False).returncode
    stats = json.loads((ROOT / "artifacts" / "load" / DATABASE / "journal.jsonl.stats.json").read_text())
    total = sum(r["requests"] for r in stats["routes"])
    click, preview = route(stats, "studio click"), route(stats, "preview")
    return {"users": users, "seconds": seconds, "requests": total, "rps": total / seconds,
            "errors": sum(r["errors"] for r in stats["routes"]), "passed": code == 0,
            "click_p50": click["p50"], "click_p95": click["p95"], "preview_p50": preview["p50"],
            "preview_p95": preview["p95"]}


def markdown(rows: list[dict], extra: list[str] = ()) -> str:
    setup = f" (bench/loadtest.py {' '.join(extra)})" if extra else " (four sync workers)"
    lines = [
        "## Capacity (`make capacity`: bench/capacity.py)",
        "",
        f"The load test at each size on this machine ({os.cpu_count()} cores, {platform.machine()}): gunicorn"
        f"{setup}, PostgreSQL, Redis, a Celery worker and beat on the same box; 60 s of shoppers who "
        "consent, click, write text, save, share, remix and order, each loading every new picture once. "
        "\"Accounted\": 0 errors, every acknowledged event stored once and every profile up to date.",
        "",
        "| shoppers | requests/s | studio click p50 / p95 ms | preview p50 / p95 ms | errors | accounted |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['users']} | {r['rps']:.0f} | {r['click_p50']:.0f} / {r['click_p95']:.0f} | "
                     f"{r['preview_p50']:.0f} / {r['preview_p95']:.0f} | {r['errors']} | "
                     f"{'yes' if r['passed'] else '**no**'} |")
    at = next((r for r in rows if r["users"] == TARGET_USERS), None)
    if at is not None:
        met = at["click_p95"] <= CLICK_P95 and at["preview_p95"] <= PREVIEW_P95 and at["passed"]
        lines += ["", f"Target at {TARGET_USERS} shoppers: studio click p95 at most {CLICK_P95:.0f} ms and preview p95 "
                      f"at most {PREVIEW_P95:.0f} ms, 0 errors, exact events: **{'met' if met else 'not met'}** "
                      f"({at['click_p95']:.0f} ms and {at['preview_p95']:.0f} ms)."]
    lines += ["", f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20,50,100,150")
    parser.add_argument("--seconds", type=int, default=60)
    args, extra = parser.parse_known_args(argv)  # the rest goes to bench/loadtest.py (e.g. --worker-nice 10)
    rows = []
    for users in (int(n) for n in args.sizes.split(",")):
        rows.append(measure(users, args.seconds, extra))
        print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    section = markdown(rows, extra)
    (RESULTS / "capacity.md").write_text(section)
    from bench.common import report_sections_refresh

    report_sections_refresh(ROOT / "bench" / "REPORT.md")
    print(section)
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
