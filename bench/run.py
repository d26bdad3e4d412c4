"""`make bench`: every benchmark, its ratio against a limit measured in the same run, and
bench/REPORT.md with all of them side by side.

Order: the engine (pure Python); then, when PostgreSQL is up, the benchmark stack is prepared
(migrate, seed the demo, collect static files) and the in-process render benchmarks run against
that same database and MEDIA_ROOT; last, gunicorn serves the stack for the HTTP and browser
benchmarks. This process and every process of the stack read bench.settings with the same
DATABASE_URL and CACHE_URL, so they all see one seeded catalog and one set of layer files.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import server  # needs no Django
from bench.common import ROOT, Result, write_report

SHARED_WITH_STACK = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")


def setup_django(env: dict[str, str] | None) -> None:
    """Django for this process, on the stack's database and cache when there is a stack."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if env is not None:
        for key in SHARED_WITH_STACK:
            if key in env:
                os.environ[key] = env[key]
            else:
                os.environ.pop(key, None)
    import django

    django.setup()


RENDERED = (
    (3, "cold preview render + PNG encode vs bare alpha_composite"),
    (3, "social card (render + card + PNG) vs bare alpha_composite"),
    *((16, f"social image {fmt} (render + image + JPEG) vs bare alpha_composite")
      for fmt in ("square 1080x1080", "portrait 1080x1350", "story 1080x1920")),
    (3, "warm preview request renders again"),
)
SERVED = (
    (3, "option click (htmx GET) throughput vs bare GET view"),
    (3, "click-to-swap p75 (Chromium, click -> htmx:afterSettle)"),
    (4, "option click with event capture vs capture off"),
    (4, "batch ingest POST /api/events/ vs raw psycopg COPY"),
)


def not_run(why: str, names: tuple[tuple[int, str], ...]) -> list[Result]:
    """Benchmarks that could not run: in the report, and never as met."""
    return [Result(issue, name, 0.0, "", None, None, "—", False, f"(not run: {why})") for issue, name in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs (for a smoke test)")
    args = parser.parse_args()
    # A terminated run still stops gunicorn (the context manager's cleanup runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: list[Result] = []
    started = time.time()
    load_before = os.getloadavg()[0]  # other work on the machine skews what is measured

    def say(text: str) -> None:
        print(f"[{time.time() - started:5.1f}s] {text}", flush=True)

    def report(new: list[Result]) -> None:
        for r in new:
            print(r.line(), flush=True)
        results.extend(new)

    env: dict[str, str] | None = None
    try:
        env, stack = server.stack_env()
    except RuntimeError as exc:
        stack, why = "not run", str(exc)
    setup_django(env)
    from bench import click_http, engine, events_http, quote_http, render, reports_bench, swap_browser

    say("engine: 20 steps x 20 options, 300 rules ...")
    report(engine.run(clicks=300 if args.quick else 1500))
    say("engine: car size, 40 steps x 30 options, 1,000 rules ...")
    report(engine.run_car_size(clicks=600 if args.quick else 3000))
    say("publish confirmation: checking the builds a new version makes stale ...")
    from bench import carry_over

    report(carry_over.run(count=2000 if args.quick else None))
    say("motivations: accuracy against the Bayes-optimal ceiling on simulated shoppers ...")
    from bench import motivations

    rows, motivation_section = motivations.run(shoppers=300 if args.quick else 1500)
    report(rows)
    say("moderation: miss and false-refusal rates on the personal-text corpus ...")
    from bench import moderation

    rows, moderation_section = moderation.run(repeats=5 if args.quick else 20)
    report(rows)
    if env is None:
        say(f"stack benchmarks not run: {why}")
        report(not_run(why, RENDERED + SERVED))
    else:
        say("preparing the benchmark stack (migrate, seed_demo, collectstatic if stale) ...")
        server.prepare(env)
        say("render: previews, social cards and the pictures for every network of the demo city car, in process ...")
        render.reset_rendered()
        report(render.run(builds=20 if args.quick else 40))
        try:
            with server.gunicorn(env) as address:
                say(f"http: {stack} at {address} ...")
                seconds = 2.0 if args.quick else 6.0
                report(quote_http.run(address, seconds=seconds))
                report(click_http.run(address, seconds=seconds))
                say(f"browser: {swap_browser.CHROMIUM} on {address} ...")
                report(swap_browser.run(address, clicks=15 if args.quick else 40, warmup=3 if args.quick else 5))
                with server.gunicorn({**env, "ATELIER_EVENT_CAPTURE": "0"}) as capture_off:
                    say(f"events: capture on at {address}, off at {capture_off} ...")
                    report(events_http.capture_overhead(address, capture_off, seconds=seconds))
                report(events_http.ingest_vs_copy(address, env["DATABASE_URL"], batches=10 if args.quick else 40))
        except RuntimeError as exc:
            say(f"http benchmarks not run: {exc}")
            report(not_run(str(exc), SERVED))
        # Last: filling a million events (and vacuuming after) would disturb the timings above.
        say("reports: the motivation report over 1,000,000 events (filled by COPY) ...")
        report(reports_bench.run(events=100_000 if args.quick else 1_000_000, runs=3 if args.quick else 7))
    if env is not None:
        server.empty_broker(env)
    header = (
        f"Generated by `make bench{' BENCH_ARGS=--quick' if args.quick else ''}` on {time.strftime('%Y-%m-%d %H:%M')} "
        f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores; "
        f"HTTP stack: {stack}; took {time.time() - started:.0f}s; "
        f"1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)."
    )
    write_report(results, ROOT / "bench" / "REPORT.md", header, f"{motivation_section}\n{moderation_section}")
    print(f"wrote {ROOT / 'bench' / 'REPORT.md'} (took {time.time() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
