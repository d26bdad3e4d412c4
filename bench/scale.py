"""Cost curves (issue #15 §3, `make bench-scale`): how the time of each step grows with the size
of the event table, on PostgreSQL.

For each size (default 100,000, 1,000,000 and 10,000,000 events from 10,000, 100,000 and
1,000,000 shoppers) a throwaway database (atelier_scale, copied from a migrated and seeded
template) is filled by COPY (bench/scale_fill.py) and every step below is timed, server side,
in this process:

- api ingest: POST /api/events/ through Django's test client, 10 batches of 100 events;
- click path: 60 studio option clicks (htmx GET) of a consented shopper, event capture on and
  written in the request (no write-behind);
- profile sweep: profiles_sweep over 200 shoppers made stale by one new event each;
- rescore: rescore_run of the whole history under a new map version (events, then profiles),
  within a time budget; when the budget runs out the rate is measured and the full time is
  extrapolated from it, and the table says so;
- segment materialization (a marketing segment over profiles and event counts) and its export;
- rollup refresh of the whole history, and every admin report (the admin view through the test
  client, default filters, median of 3 after a warm-up);
- retention purge with a one-year retention (about a month is past it), and erasure of one
  shopper with all their events (median of 5 shoppers).

It writes bench/results/scale.md (a table of time against size, the growth exponent of each
step: the least-squares slope of log time against log size) and the log-log chart
docs/cost-curves.png, and refreshes bench/REPORT.md.

    .venv/bin/python -m bench.scale [--sizes 100000 1000000] [--rescore-budget 120]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT

# ATELIER_SCALE_DB names another database, so that two checkouts can measure side by side.
DB = os.environ.get("ATELIER_SCALE_DB", "atelier_scale")
TEMPLATE = f"{DB}_tpl"
RESULTS = ROOT / "bench" / "results"
CHART = ROOT / "docs" / "cost-curves.png"
API_BATCHES, API_BATCH = 10, 100
CLICKS = 60
STALE = 200
ERASURES = 5
REPORT_RUNS = 3
LIMIT_EXPONENT = 1.1
LIMIT_REPORT, LIMIT_ERASURE = 0.100, 0.050
SEGMENT_RULES = {"op": "and", "items": [
    {"kind": "probability", "motivation": "sustainability", "cmp": "gte", "value": 0.1},
    {"kind": "event_count", "event": "build_saved", "days": 400, "cmp": "gte", "value": 1},
]}


@dataclass
class Step:
    seconds: float
    note: str = ""
    extrapolated: bool = False


@dataclass
class SizeResult:
    events: int
    shoppers: int
    fill_seconds: float = 0.0
    steps: dict[str, Step] = field(default_factory=dict)


def say(text: str) -> None:
    print(f"  scale: {text}", flush=True)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


# --- the steps ------------------------------------------------------------------------------

def _consented_client(shopper_id: uuid.UUID):
    from django.conf import settings
    from django.test import Client

    from configurator.identity import sign_shopper
    from personalization.consent import COOKIE, Consents, consent_cookie_value

    client = Client()
    client.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(shopper_id)
    client.cookies[COOKIE] = consent_cookie_value(Consents(analytics=True, personalization=True, decided=True))
    return client


def step_api(people, products) -> Step:
    from django.utils import timezone

    shopper_id, product = people[0][0], products[0]
    client = _consented_client(shopper_id)
    group, option = product["options"][0][:2]

    def batch() -> list[dict]:
        return [{"key": str(uuid.uuid4()), "type": "option_selected", "at": timezone.now().isoformat(),
                 "product": product["id"], "group": group, "option": option, "properties": {}}
                for _ in range(API_BATCH)]

    def post(events: list[dict]) -> None:
        response = client.post("/api/events/", {"events": events}, content_type="application/json")
        if response.status_code != 201 or response.json()["accepted"] != len(events):
            raise RuntimeError(f"POST /api/events/ answered {response.status_code}: {response.content[:200]!r}")

    post(batch())  # warm
    batches = [batch() for _ in range(API_BATCHES)]
    seconds, _ = timed(lambda: [post(b) for b in batches])
    return Step(seconds, f"{API_BATCHES * API_BATCH} events in batches of {API_BATCH}")


def step_clicks(people) -> Step:
    from bench.click_http import shopper_walk
    from configurator.demo.catalog import PRODUCTS
    from personalization.models import Event

    shopper_id = people[1][0]
    client = _consented_client(shopper_id)
    walk = shopper_walk("testserver", PRODUCTS[0], CLICKS + 1, seed=15)
    requests = [(path, {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
                for path, headers in walk]
    for path, extra in requests[:1]:  # warm
        client.get(path, HTTP_HX_REQUEST="true", **extra)
    before = Event.objects.filter(shopper_id=shopper_id).count()

    def clicks() -> None:
        for path, extra in requests[1:]:
            response = client.get(path, HTTP_HX_REQUEST="true", **extra)
            if response.status_code != 200:
                raise RuntimeError(f"click {path} answered {response.status_code}")

    seconds, _ = timed(clicks)
    written = Event.objects.filter(shopper_id=shopper_id).count() - before
    if written < CLICKS:
        raise RuntimeError(f"{CLICKS} clicks wrote {written} events: capture is off or written behind")
    return Step(seconds, f"{CLICKS} clicks, {written} events")


def step_sweep(people, products) -> Step:
    from django.utils import timezone

    from bench.scale_fill import EVENT_COLUMNS, copy_rows
    from personalization.services.profiles import current_map, profiles_sweep

    now, map_id = timezone.now(), current_map().pk
    stale = people[-STALE:]
    copy_rows("personalization_event", EVENT_COLUMNS,
              ((uuid.uuid4(), "build_saved", now, now, sid, products[0]["id"], "", "", "{}", "{}", map_id)
               for sid, _m in stale))
    seconds, done = timed(lambda: profiles_sweep(limit=STALE * 2))
    if done["recomputed"] < len(stale):  # (the ingest's and the clicks' shoppers are stale too)
        raise RuntimeError(f"the sweep recomputed {done['recomputed']} profiles, not {len(stale)}")
    return Step(seconds, f"{done['recomputed']} stale of {len(people):,} shoppers")


def step_rescore(budget: float) -> Step:
    from personalization.models import Event, RescoreJob, RescoreStatus
    from personalization.services.motivations import map_weights, motivation_map_create, rescore_run
    from personalization.services.profiles import current_map

    base = current_map()
    weights = {key: round(value * 1.1, 4) for key, value in map_weights(base).items()}
    new = motivation_map_create(weights=weights, note="bench.scale")
    job = RescoreJob.objects.create(map=new, total=Event.objects.count())
    seconds, finished = timed(lambda: rescore_run(job_id=job.pk, budget_seconds=budget))
    job.refresh_from_db()
    if finished and job.status == RescoreStatus.DONE:
        return Step(seconds, f"all {Event.objects.count():,} events, then the profiles ({job.total:,} units)")
    if job.done <= 0:
        raise RuntimeError("the rescore made no progress")
    # job.total counts the events and the profiles left to rescore; done is the part finished.
    return Step(seconds * job.total / job.done,
                f"extrapolated: {job.done:,} of {job.total:,} units (events, then profiles) done in "
                f"{seconds:.0f} s; the full time assumes that rate for the rest, so it leaves out that a "
                f"profile costs more than an event (the profile sweep's rate)", extrapolated=True)


def step_segment() -> tuple[Step, Step, object]:
    import csv
    import io

    from personalization.models import Purpose, Segment
    from personalization.services.segments import segment_export_rows, segment_materialize

    segment = Segment.objects.create(name="Scale: green savers", purpose=Purpose.MARKETING, rules=SEGMENT_RULES)
    seconds, segment = timed(lambda: segment_materialize(segment=segment))
    materialize = Step(seconds, f"{segment.size:,} members")
    sink = io.StringIO()

    def export() -> int:
        writer, n = csv.writer(sink), 0
        for row in segment_export_rows(segment=segment):
            writer.writerow(row)
            n += 1
        return n

    seconds, rows = timed(export)
    return materialize, Step(seconds, f"{rows - 1:,} rows"), segment


def step_rollups() -> Step:
    from django.utils import timezone

    from personalization.services.rollups import rollups_refresh

    seconds, out = timed(lambda: rollups_refresh(since=timezone.localdate() - timedelta(days=410)))
    return Step(seconds, f"{out.daily_rows:,} daily rows, {out.option_rows:,} option, {out.depth_rows:,} depth, "
                         f"{out.lineage_rows:,} lineage")


def step_reports() -> dict[str, Step]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from personalization.reports import REPORTS

    user, _ = get_user_model().objects.get_or_create(
        username="scale-bench", defaults={"is_staff": True, "is_superuser": True, "email": "scale@example.invalid"})
    client = Client()
    client.force_login(user)
    steps = {}
    for slug in REPORTS:
        url = f"/admin/personalization/reports/{slug}/"

        def get(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        get()  # warm: templates, imports, caches of the catalog
        times = [timed(get)[0] for _ in range(REPORT_RUNS)]
        steps[f"report: {slug}"] = Step(statistics.median(times), f"median of {REPORT_RUNS}")
    return steps


def step_purge() -> Step:
    from personalization.services.retention import events_purge

    seconds, out = timed(lambda: events_purge(days=365))
    found = out.as_dict()
    return Step(seconds, ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in found.items()))


def step_erasure(people) -> Step:
    from django.db import transaction

    from personalization.models import Event
    from personalization.services.privacy import shopper_erase

    times, events = [], []
    for sid, _m in people[2:2 + ERASURES]:
        events.append(Event.objects.filter(shopper_id=sid).count())
        with transaction.atomic():
            seconds, _ = timed(lambda sid=sid: shopper_erase(shopper_id=sid))
        times.append(seconds)
    return Step(statistics.median(times), f"median of {ERASURES}; {statistics.median(events):.0f} events each")


STEPS = ("ingest", "clicks", "sweep", "rescore", "segment", "rollups", "reports", "purge", "erasure")


def measure(*, events: int, shoppers: int, rescore_budget: float = 3600.0,
            only: tuple[str, ...] = STEPS, reuse: bool = False) -> SizeResult:
    """Fill the current database and time every step (or those in `only`). Needs the seeded
    demo catalog and motivation map. `reuse`: the database was filled for this size already
    (kept with --keep), and is measured as it is."""
    from bench import scale_fill

    result = SizeResult(events, shoppers)
    if reuse:
        filled = scale_fill.filled(shoppers=shoppers)
        say(f"{filled['events']:,} events of {shoppers:,} shoppers already there")
    else:
        result.fill_seconds, filled = timed(lambda: scale_fill.fill(events=events, shoppers=shoppers))
        say(f"{events:,} events, {shoppers:,} shoppers written by COPY in {result.fill_seconds:.1f} s")
    people, products = filled["people"], filled["products"]
    steps = result.steps
    for key, name, run in (("ingest", "api ingest", lambda: step_api(people, products)),
                           ("clicks", "click path", lambda: step_clicks(people)),
                           ("sweep", "profile sweep", lambda: step_sweep(people, products)),
                           ("rescore", "rescore history", lambda: step_rescore(rescore_budget))):
        if key in only:
            steps[name] = run()
            say(f"{name}: {steps[name].seconds:.3f} s ({steps[name].note})")
    done = len(steps)
    if "segment" in only:
        steps["segment materialize"], steps["marketing export"], _segment = step_segment()
    if "rollups" in only:
        steps["rollup refresh"] = step_rollups()
    if "reports" in only:
        steps.update(step_reports())
    if "purge" in only:
        steps["retention purge"] = step_purge()
    if "erasure" in only:
        steps["erasure of one shopper"] = step_erasure(people)
    for name in list(steps)[done:]:
        say(f"{name}: {steps[name].seconds:.3f} s ({steps[name].note})")
    return result


# --- the curves ------------------------------------------------------------------------------

def exponent(sizes: list[int], seconds: list[float]) -> float | None:
    """The least-squares slope of log(seconds) against log(size): 1 is linear growth, 0 none."""
    points = [(math.log(n), math.log(s)) for n, s in zip(sizes, seconds, strict=True) if n > 0 and s > 0]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else None


def _limit(name: str) -> float | None:
    if name.startswith("report: "):
        return LIMIT_REPORT
    return LIMIT_ERASURE if name.startswith("erasure") else None


def _cell(step: Step | None) -> str:
    if step is None:
        return "—"
    text = f"{step.seconds * 1000:,.0f} ms" if step.seconds < 10 else f"{step.seconds:,.1f} s"
    return f"~{text} (extrapolated)" if step.extrapolated else text


def markdown(results: list[SizeResult], chart: str | None, header: str) -> str:
    names = list(dict.fromkeys(name for r in results for name in r.steps))
    sizes = [r.events for r in results]
    lines = ["## Cost curves (`make bench-scale`, issue #15)", "", header, "",
             "| step | " + " | ".join(f"{r.events:,} events / {r.shoppers:,} shoppers" for r in results)
             + " | exponent | met |",
             "|---|" + "---|" * len(results) + "---|---|"]
    lines.append("| COPY fill (setup, not a step) | " + " | ".join(f"{r.fill_seconds:,.1f} s" for r in results)
                 + f" | {_fmt(exponent(sizes, [r.fill_seconds for r in results]))} | — |")
    for name in names:
        steps = [r.steps.get(name) for r in results]
        measured = [(r.events, s.seconds) for r, s in zip(results, steps, strict=True) if s and not s.extrapolated]
        slope = exponent([n for n, _ in measured], [s for _, s in measured])
        verdicts = []
        if slope is not None:
            verdicts.append("yes" if slope <= LIMIT_EXPONENT else f"**no** (> {LIMIT_EXPONENT})")
        limit, last = _limit(name), steps[-1]
        if limit is not None and last is not None:
            ok = last.seconds <= limit
            verdicts.append(f"{'yes' if ok else '**no**'} ({last.seconds * 1000:.0f} ms at {results[-1].events:,}; "
                            f"target {limit * 1000:.0f} ms)")
        lines.append(f"| {name} | " + " | ".join(_cell(s) for s in steps) + f" | {_fmt(slope)} | "
                     + ("; ".join(verdicts) or "—") + " |")
    lines += ["", "What each step did, at the largest size:", ""]
    lines += [f"- {name}: {results[-1].steps[name].note}" for name in names if name in results[-1].steps]
    lines += ["", "The exponent is the least-squares slope of log time against log events over the sizes "
              "measured (extrapolated cells are left out of it). A step of fixed work (ingest, clicks, "
              "sweep of 200, reports, one erasure) should stay near 0; a step over all history near 1."]
    if chart:
        lines += ["", f"![time against size, log-log]({chart})"]
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def chart(results: list[SizeResult], path: Path) -> bool:
    """A log-log chart of every step's time against the number of events (matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = list(dict.fromkeys(name for r in results for name in r.steps))
    fig, ax = plt.subplots(figsize=(11, 6), dpi=100)
    colours = plt.get_cmap("tab20").colors
    for i, name in enumerate(names):
        points = [(r.events, r.steps[name]) for r in results if name in r.steps]
        ax.plot([n for n, _ in points], [s.seconds for _, s in points], color=colours[i % len(colours)],
                linestyle="--" if name.startswith("report") else "-", label=name)
        for n, s in points:  # extrapolated figures hollow
            ax.plot([n], [s.seconds], marker="o", color=colours[i % len(colours)],
                    markerfacecolor="white" if s.extrapolated else colours[i % len(colours)])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("events in the table")
    ax.set_ylabel("seconds")
    ax.set_title("Atelier cost curves (PostgreSQL, this machine)")
    ax.grid(True, which="both", alpha=0.3)
    ax.axhline(LIMIT_REPORT, color="grey", linewidth=0.8, linestyle=":")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def load(directory: Path = RESULTS) -> list[SizeResult]:
    """The sizes an earlier run measured (bench/results/scale.json), to keep beside new ones."""
    path = directory / "scale.json"
    if not path.exists():
        return []
    return [SizeResult(r["events"], r["shoppers"], r["fill_seconds"],
                       {name: Step(**step) for name, step in r["steps"].items()})
            for r in json.loads(path.read_text())]


def write(results: list[SizeResult], header: str, directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    results = sorted(results, key=lambda r: r.events)
    (directory / "scale.json").write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n")
    # The chart is kept in the repository (docs/); bench/results/ is not, its text goes into
    # bench/REPORT.md, which links the chart from there.
    png = CHART if directory == RESULTS else directory / "scale.png"
    drawn = chart(results, png)
    target = directory / "scale.md"
    target.write_text(markdown(results, "../docs/cost-curves.png" if drawn else None, header))
    return target


# --- the command -----------------------------------------------------------------------------

def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
                   check=True, capture_output=True)


def _fresh_database(env: dict[str, str]) -> None:
    """atelier_scale as a copy of the migrated, seeded template (made once)."""
    from django.db import connections

    connections.close_all()
    exists = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
                             f"SELECT 1 FROM pg_database WHERE datname='{TEMPLATE}'"],
                            check=True, capture_output=True, text=True).stdout.strip()
    if not exists:
        _psql(f"CREATE DATABASE {TEMPLATE}")
        url = f"postgres://postgres@127.0.0.1:5432/{TEMPLATE}"
        for command in (["migrate", "--noinput"], ["seed_demo"], ["seed_personalization"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True, capture_output=True,
                           env={**env, "DATABASE_URL": url})
    _psql(f"DROP DATABASE IF EXISTS {DB}")
    _psql(f"CREATE DATABASE {DB} TEMPLATE {TEMPLATE}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000],
                        help="events per size; shoppers are a tenth of them")
    parser.add_argument("--rescore-budget", type=float, default=120.0,
                        help="seconds a rescore may run before its rate is extrapolated")
    parser.add_argument("--keep", action="store_true", help="leave atelier_scale in place")
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS),
                        help="only these steps (e.g. the reports and erasure at 10,000,000 events)")
    parser.add_argument("--redraw", action="store_true",
                        help="only write the table and chart again from bench/results/scale.json")
    parser.add_argument("--reuse", action="store_true",
                        help=f"measure {DB} as it is, filled for the one size given by an earlier run with --keep")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other sizes of the last run (bench/results/scale.json) in the report")
    args = parser.parse_args()
    from bench.common import BENCH_SECRET_KEY, report_sections_refresh

    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "CELERY_BROKER_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "bench.scale_settings", "PYTHONPATH": str(ROOT), "SECRET_KEY": BENCH_SECRET_KEY,
                "ATELIER_RATELIMIT_ENABLED": "0", "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
                # Tasks are queued in memory and never run: a step's time is its own, not a worker's.
                "CELERY_TASK_ALWAYS_EAGER": "0",
                # Clicks write their events in the request, so the click path includes the insert.
                "ATELIER_EVENT_WRITE_BEHIND": "0"})
    os.environ.update(env)
    header = (f"Measured on this machine ({os.cpu_count()} cores, PostgreSQL on loopback), "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; one fresh database per size.")
    if args.redraw:
        write(load(), header.replace(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "last run"))
        report_sections_refresh(ROOT / "bench" / "REPORT.md")
        return 0
    import django

    django.setup()
    earlier = {r.events: r for r in load()} if args.merge else {}
    results: list[SizeResult] = []
    for events in args.sizes:
        if not args.reuse:
            _fresh_database(env)
        say(f"--- {events:,} events ---")
        measured = measure(events=events, shoppers=max(100, events // 10), rescore_budget=args.rescore_budget,
                           only=tuple(args.steps), reuse=args.reuse)
        if events in earlier:  # --merge: the steps not run now keep their earlier figures
            before = earlier.pop(events)
            measured.steps = {**before.steps, **measured.steps}
            measured.fill_seconds = measured.fill_seconds or before.fill_seconds
        results.append(measured)
        # After every size: a long run that stops keeps what it measured.
        path = write(results + list(earlier.values()), header)
        report_sections_refresh(ROOT / "bench" / "REPORT.md")
        say(f"wrote {path.relative_to(ROOT)}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        _psql(f"DROP DATABASE IF EXISTS {DB}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
