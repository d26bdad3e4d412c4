"""`make loadtest`: realistic shoppers (bench/locustfile.py) against the whole stack on loopback,
then proof that nothing was lost or doubled.

1. Stack: a fresh PostgreSQL database, two Redis databases (cache; broker), gunicorn with
   several workers, a Celery worker and celery beat (bench/stack.py), DEBUG off. Rate limits
   are off (ATELIER_RATELIMIT_ENABLED=0): every shopper here comes from 127.0.0.1, so limits
   per IP would refuse a crowd that is, in reality, many people.
2. Load: Locust, headless, N shoppers for T seconds. Any answer that is not 2xx/3xx, or not the
   expected one (a click that pushes no URL, a save that does not land on the design, ...), is
   an error; a conflict answered with its repair, or 403 from the events API for a shopper who
   declined consent, is an expected business outcome. p50/p95/p99 per route.
3. Events: gunicorn is stopped gracefully (so its write-behind buffers are written), and the
   events in the database are compared, per shopper and per type, with the events the shoppers'
   journals say they produced. Click events are derived from each acknowledged click (the query
   before it and the one the server pushed) with the app's own pure function
   (personalization.capture.choice_events); build, share, remix and order events from the
   builds the server acknowledged; client events by their keys (each batch was sent twice).
   Shoppers who declined consent must have none.
4. Profiles: every consenting shopper's profile must be up to date within 60 seconds after the
   load stops: computed from all their events (event_count and last_event_id match the events
   table) and every event scored with the current motivation map.

Exit status 0 only if all of that holds. `--users 20 --seconds 15` is the short version CI runs
(tests/load/test_loadtest.py).

`--nodes 2` (make loadtest-nodes) runs the web tier as two gunicorn nodes behind HAProxy
(bench/nodes.py, bench/balancer.py), with one Celery worker for the celery and renders queues and
one for personalization. `--stop term:web1:30` stops a node gracefully 30 s into the load,
`--stop kill:web2:40` kills one outright. Shoppers send a request again when its answer was lost
only where that is safe (bench/locustfile.py); the events a stop can explain (a killed node's
write-behind buffer, a retried click stored twice, a remix or consent whose answer was lost) are
counted apart, and anything else still fails the run (bench/explain.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import balancer, nodes, stack  # need no Django
from bench.common import ROOT
from bench.nodes import Stop

# The routes every run must exercise, or it proves nothing about them.
ROUTES = ("home", "studio page", "studio click", "personal text", "repair apply", "consent", "save", "build page",
          "share", "share page", "card.png", "remix", "order form", "order", "order confirmation", "events",
          "events resend", "preview")
CLICK_TYPES = ("option_selected", "option_removed", "text_personalized")
EVENT_TYPES = (*CLICK_TYPES, "build_saved", "build_shared", "share_viewed", "build_remixed", "order_placed")


class Tee:
    def __init__(self, *streams) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


class Clock:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)


# --- what the shoppers produced --------------------------------------------------------------------

def _action(trigger: str | None, request_query: str):
    """The option a click came from, as the studio view reads it (views._clicked)."""
    from configurator.engine import Action
    from configurator.querystate import parse_query

    parts = (trigger or "").split(":")
    if len(parts) != 3 or parts[0] != "o":
        return None
    _, group, option = parts
    return Action(group, option or None, option in parse_query(request_query).getlist(group))


def click_events(click: dict, refs: dict[str, tuple[int, int]]) -> list[tuple]:
    """The events one acknowledged studio request stores: the app's choice_events between the
    build the page showed (the query of HX-Current-URL) and the one the server pushed."""
    from configurator.engine import normalize, to_plain
    from configurator.querystate import parse_query, plain_from_query
    from configurator.snapshot import catalog_for
    from personalization.capture import choice_events

    product_id, version_id = refs[click["product"]]
    cat = catalog_for(version_id)
    before = to_plain(cat, normalize(cat, plain_from_query(cat, parse_query(click["before"])))[0])
    after = to_plain(cat, normalize(cat, plain_from_query(cat, parse_query(click["after"])))[0])
    if before == after:
        return []
    events = choice_events(cat, product_id, version_id, before, after, _action(click["trigger"], click["request"]),
                           datetime.now(UTC))
    return [(e["type"], product_id, e["group"], e["option"], bool(e["properties"].get("auto"))) for e in events]


def expected_events(journal: dict, refs: dict[str, tuple[int, int]]) -> Counter:
    """What the database must hold for one shopper. Nothing for a shopper who declined (their
    choices before deciding were dropped, none were stored after); for one who accepted, the
    choices made before deciding (attached on consent) and everything after."""
    expected: Counter = Counter()
    if journal["consent"] != "all":
        return expected
    for click in journal["clicks"]:
        expected.update(click_events(click, refs))
    for save in journal["saves"]:
        expected[("build_saved", save["build"])] += 1
    for share in journal["shares"]:
        expected[("build_shared", share["build"])] += 1
    for view in journal["share_views"]:
        expected[("share_viewed", view["build"])] += 1
    for remix in journal["remixes"]:  # a remix is a new saved build too
        expected[("build_remixed", remix["build"])] += 1
        expected[("build_saved", remix["build"])] += 1
    for order in journal["orders"]:
        expected[("order_placed", order["build"])] += 1
    for event in journal["client_events"]:
        expected[("client", event["type"], event["key"])] += 1
    return expected


def stored_events(client_keys: set[str]) -> dict[str, Counter]:
    """The events in the database per shopper, in the same terms as expected_events."""
    from personalization.models import Event

    found: dict[str, Counter] = {}
    rows = Event.objects.values_list("shopper_id", "type", "product_id", "group", "option", "build_id", "key",
                                     "properties")
    for shopper, type_, product, group, option, build, key, properties in rows.iterator(chunk_size=5000):
        if str(key) in client_keys:
            item = ("client", type_, str(key))
        elif type_ in CLICK_TYPES:
            item = (type_, product, group, option, bool((properties or {}).get("auto")))
        else:
            item = (type_, str(build) if build else None)
        found.setdefault(str(shopper), Counter())[item] += 1
    return found


def event_type(item: tuple) -> str:
    return item[1] if item[0] == "client" else item[0]


def compare(expected: dict[str, Counter], found: dict[str, Counter]) -> tuple[dict[str, list], list[tuple]]:
    """Per event type: [expected, stored, missing, extra]; and per shopper the differences
    (shopper, "missing"/"extra", item, count)."""
    table: dict[str, list[int]] = {t: [0, 0, 0, 0] for t in EVENT_TYPES}
    differences = []
    for shopper in sorted(set(expected) | set(found)):
        want, have = expected.get(shopper, Counter()), found.get(shopper, Counter())
        for item, n in want.items():
            table.setdefault(event_type(item), [0, 0, 0, 0])[0] += n
        for item, n in have.items():
            table.setdefault(event_type(item), [0, 0, 0, 0])[1] += n
        for label, diff, column in (("missing", want - have, 2), ("extra", have - want, 3)):
            for item, n in diff.items():
                table[event_type(item)][column] += n
                differences.append((shopper, label, item, n))
    return table, differences


# --- profiles ----------------------------------------------------------------------------------------

def profiles_behind(shopper_ids: list[str]) -> list[str]:
    """Consenting shoppers whose profile does not yet reflect all their events: it must exist,
    have been computed from exactly their events (event_count, last_event_id) and have scored
    every one of them with the current motivation map."""
    from django.db.models import Count, Max, Q

    from personalization.models import Event, Profile
    from personalization.services.profiles import current_map

    motivation_map = current_map()
    map_id = motivation_map.pk if motivation_map else None
    rows = (Event.objects.filter(shopper_id__in=shopper_ids).values("shopper_id")
            .annotate(n=Count("id"), last=Max("id"),
                      unscored=Count("id", filter=Q(scored_with_id__isnull=True) | ~Q(scored_with_id=map_id))))
    profiles = {str(p.shopper_id): p for p in Profile.objects.filter(shopper_id__in=shopper_ids)}
    behind = []
    for row in rows:
        profile = profiles.get(str(row["shopper_id"]))
        if (profile is None or profile.event_count != row["n"] or profile.last_event_id != row["last"]
                or row["unscored"]):
            behind.append(str(row["shopper_id"]))
    return behind


# --- the run -----------------------------------------------------------------------------------------

def warm_up(url: str, clock: Clock) -> None:
    """Each gunicorn worker compiles the catalogs and fills its fragment memo on its first
    pages; a few rounds of home and studio pages from several connections do that before the
    shoppers come (they record no events: no consent, no clicks)."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    address = urlsplit(url)

    def fetch(path: str) -> int:
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    paths = ["/en/", "/nl/", *(f"/{lang}/configure/{slug}/" for slug in ("city-car", "sneaker", "trench-coat")
                               for lang in ("en", "nl"))]
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            statuses = set(pool.map(fetch, paths * 2))
    if statuses != {200}:
        raise RuntimeError(f"warming up the stack answered {sorted(statuses)}")
    clock.say(f"warmed up in {time.monotonic() - started:.1f}s")


def run_locust(url: str, files: Path, args, clock: Clock) -> tuple[Path, Path]:
    prefix = files / "locust"
    journal = files / "journal.jsonl"
    journal.unlink(missing_ok=True)
    env = {**os.environ, "LOADTEST_JOURNAL": str(journal), "LOADTEST_WAIT": args.wait, "LOADTEST_CLICKS": args.clicks,
           "LOADTEST_PREVIEWS": str(args.previews),
           "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
               "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--host", url,
               "--csv", str(prefix), "--stop-timeout", "30", "--only-summary", "--loglevel", "WARNING"]
    clock.say(f"locust: {args.users} shoppers (spawn rate {args.spawn_rate}/s) for {args.seconds}s at {url}; think time "
              f"{args.wait}s, {args.clicks} clicks per product, {args.previews:.0%} of previews loaded ...")
    with (files / "locust.log").open("w") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                       timeout=args.seconds + 180, check=False)
    return Path(f"{journal}.stats.json"), journal


def print_latencies(stats: Path) -> tuple[int, int, dict[str, int]]:
    """The per-route table; returns (requests, errors, requests per route)."""
    data = json.loads(stats.read_text())
    routes = sorted(data["routes"], key=lambda r: r["name"])
    print(f"\n{'route':<20} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for r in routes:
        print(f"{r['name']:<20} {r['requests']:>9} {r['errors']:>7} {r['p50']:>8.0f} {r['p95']:>8.0f} {r['p99']:>8.0f} "
              f"{r['max'] or 0:>8.0f}")
    total, errors = sum(r["requests"] for r in routes), sum(r["errors"] for r in routes)
    print(f"{'all':<20} {total:>9} {errors:>7}")
    for e in data["errors"][:20]:
        print(f"  error: {e['method']} {e['name']}: {e['error']} (x{e['occurrences']})")
    per_route: dict[str, int] = {}
    for r in routes:
        per_route[r["name"]] = per_route.get(r["name"], 0) + r["requests"]
    return total, errors, per_route


def check_events(journals: list[dict], clock: Clock, kills: list[tuple[str, float]] | None = None,
                 window: float = 2.0) -> bool:
    """Every event the shoppers were answered for is stored, once. With nodes stopped (`kills`:
    (node, when it was killed with SIGKILL), maybe none), the differences a stop explains are
    counted apart (bench/explain.py) and only the rest fail the run."""
    from configurator.models import Product

    refs = {p.slug: (p.pk, p.current_version_id) for p in Product.objects.all()}
    expected: dict[str, Counter] = {}
    client_keys: set[str] = set()
    for journal in journals:
        client_keys.update(e["key"] for e in journal["client_events"])
        if journal["shopper"]:
            expected.setdefault(journal["shopper"], Counter()).update(expected_events(journal, refs))
    found = stored_events(client_keys)
    table, differences = compare(expected, found)
    consented = sum(1 for j in journals if j["consent"] == "all")
    declined = sum(1 for j in journals if j["consent"] == "necessary")
    print(f"\nevents: {len(journals)} shoppers, counting the visitor who shared a design of each product "
          f"first ({consented} accepted, {declined} declined, {len(journals) - consented - declined} undecided), "
          f"{len(found)} with events in the database")
    print(f"{'event type':<20} {'expected':>9} {'stored':>9} {'missing':>8} {'extra':>8}")
    totals = [0, 0, 0, 0]
    for type_, row in table.items():
        print(f"{type_:<20} {row[0]:>9} {row[1]:>9} {row[2]:>8} {row[3]:>8}")
        totals = [a + b for a, b in zip(totals, row, strict=True)]
    print(f"{'total':<20} {totals[0]:>9} {totals[1]:>9} {totals[2]:>8} {totals[3]:>8}")
    sent_twice = len(client_keys)
    stored_once = sum(n for c in found.values() for item, n in c.items() if item[0] == "client")
    print(f"client events: {sent_twice} keys, each sent twice; {stored_once} stored")
    declined_ids = {j["shopper"] for j in journals if j["consent"] != "all" and j["shopper"]}
    leaked = sum(sum(found[s].values()) for s in declined_ids if s in found)
    print(f"events of shoppers who declined consent: {leaked}")
    if kills is not None:
        differences = explained_by_stops(differences, journals, refs, kills, window)
    for shopper, label, item, n in differences[:30]:
        print(f"  {label}: shopper {shopper[:8]} {item} x{n}")
    if len(differences) > 30:
        print(f"  ... and {len(differences) - 30} more differences")
    shoppers_off = len({d[0] for d in differences})
    ok = not differences and totals[0] > 0
    clock.say(f"events {'match' if ok else 'DIFFER'}: {totals[1]} stored, {totals[0]} expected; "
              f"{shoppers_off} of {len(expected)} shoppers differ{' unexplained' if kills is not None else ''}")
    return ok


def explained_by_stops(differences: list[tuple], journals: list[dict], refs: dict, kills: list[tuple[str, float]],
                       window: float) -> list[tuple]:
    """Print what stopped nodes explain (bench/explain.py); return the differences left."""
    from bench.explain import CONSENT, LOST, REMIX, TWICE, explain

    def items_of(entry: dict) -> list[tuple]:
        if "product" in entry:  # a click
            return click_events(entry, refs)
        return [("share_viewed", entry["build"])]

    explained, unexplained, ages = explain(differences, journals, kills, window, items_of)
    killed = {node for node, _at in kills}
    answered = sum(1 for j in journals for e in [*j["clicks"], *j["share_views"]] if e.get("node") in killed)
    print(f"differences a stopped node explains (write-behind window {window:.1f}s before a SIGKILL):")
    for reason in (LOST, TWICE, REMIX, CONSENT):
        print(f"  {reason}: {explained.get(reason, 0)} events")
    if ages:
        print(f"  their answers came in {-max(ages) * 1000:+.0f} to {-min(ages) * 1000:+.0f} ms from the kill, their "
              f"requests having gone out before it (clicks and share views answered by killed nodes in the whole run: "
              f"{answered})")
    print(f"differences left unexplained: {sum(d[3] for d in unexplained)} events")
    by_shopper = {j["shopper"]: j for j in journals if j["shopper"]}
    for shopper, label, item, _n in unexplained[:10]:  # where an unexplained click or share view came from
        for entry in [*by_shopper.get(shopper, {}).get("clicks", ()), *by_shopper.get(shopper, {}).get("share_views", ())]:
            if item in items_of(entry):
                since = [(node, round(at - entry.get("at", 0), 2)) for node, at in kills]
                print(f"  {label} {item}: answered by {entry.get('node')}, seconds before each kill {since}, "
                      f"lost before by {entry.get('lost_from')}, consent {entry.get('consent')}")
    return unexplained


def check_profiles(journals: list[dict], stopped: float, deadline: float, clock: Clock) -> bool:
    from personalization.models import Shopper

    ids = [j["shopper"] for j in journals if j["consent"] == "all" and j["shopper"]]
    ids = [str(s) for s in Shopper.objects.filter(pk__in=ids, personalization=True).values_list("pk", flat=True)]
    while True:
        behind = profiles_behind(ids)
        waited = time.monotonic() - stopped
        if not behind or waited > deadline:
            break
        time.sleep(0.5)
    if behind:
        clock.say(f"profiles: {len(behind)} of {len(ids)} still behind their events {waited:.1f}s after the load "
                  f"stopped (limit {deadline:.0f}s), e.g. {', '.join(s[:8] for s in behind[:5])}")
        return False
    clock.say(f"profiles: all {len(ids)} consenting shoppers' profiles up to date {waited:.1f}s after the load "
              f"stopped (limit {deadline:.0f}s)")
    return True


def log_summary(files: Path) -> None:
    """What the workers and beat did, and server-side errors a response may not show (a failing
    task, a click event the database refused)."""
    import re

    def text(path: Path) -> str:
        return path.read_text(errors="replace") if path.exists() else ""

    sent = Counter(re.findall(r"Sending due task (\S+)", text(files / "beat.log")))
    print(f"beat sent: {', '.join(f'{k} x{n}' for k, n in sorted(sent.items())) or 'nothing'}")
    for worker in sorted(files.glob("worker*.log")):
        tasks = Counter(re.findall(r"Task (\S+)\[[^]]+\] succeeded", text(worker)))
        print(f"{worker.stem} ran: {', '.join(f'{k} x{n}' for k, n in sorted(tasks.items())) or 'nothing'}")
    marks = {"web": ("Traceback", "ERROR", "dropped"), "worker": ("raised unexpected", "Traceback", "ERROR/")}
    for path in sorted([*files.glob("web*.log"), *files.glob("worker*.log")]):
        lines = [line for line in text(path).splitlines()
                 if any(m in line for m in marks["web" if path.name.startswith("web") else "worker"])]
        if lines:
            print(f"{path.name}: {len(lines)} error lines, e.g.:")
            for line in lines[:5]:
                print(f"  {line[:200]}")


def setup_django(env: dict[str, str]) -> None:
    for key in (*stack.OWN, "DEBUG", "SECRET_KEY"):
        if key in env:
            os.environ[key] = env[key]
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--wait", default="0.5,1.5", help="think time between steps, min,max seconds")
    parser.add_argument("--clicks", default="3,6", help="option clicks per product after consent, min,max")
    parser.add_argument("--previews", type=float, default=1.0,
                        help="share of new previews a shopper's browser loads (1: every one, as a browser does)")
    parser.add_argument("--database", default="atelier_load")
    parser.add_argument("--cache-db", type=int, default=13)
    parser.add_argument("--broker-db", type=int, default=14)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (per node)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (>1: gthread)")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="run the Celery workers at this nice level (>0: background work yields the CPU to clicks)")
    parser.add_argument("--profile-deadline", type=float, default=60.0)
    parser.add_argument("--keep-database", action="store_true", help="keep the database for inspection")
    nodes_mode = parser.add_argument_group("several web nodes (make loadtest-nodes; README, Scaling out)")
    nodes_mode.add_argument("--nodes", type=int, default=1,
                            help="gunicorn nodes; more than one runs them behind HAProxy, with a Celery worker for "
                                 "the renders queue and one for the personalization queue")
    nodes_mode.add_argument("--stop", action="append", default=[], type=Stop.parse, metavar="SIGNAL:NODE:SECONDS",
                            help="stop a node during the load: term:web1:30 (graceful), kill:web2:40 (hard); "
                                 "may be repeated")
    nodes_mode.add_argument("--restart-after", type=float, default=None,
                            help="start a stopped node again this many seconds after it exited (a supervisor)")
    nodes_mode.add_argument("--behind-window", type=float, default=2.0,
                            help="seconds before a SIGKILL within which the killed node's answered clicks may "
                                 "still have been in its write-behind buffer")
    parser.add_argument("--write-behind", choices=("on", "off"), default=None,
                        help="ATELIER_EVENT_WRITE_BEHIND for the web nodes (default: the settings' default, on)")
    args = parser.parse_args(argv)
    if args.stop and args.nodes < 2:
        parser.error("--stop needs --nodes 2 or more (one node stopped, the others serve)")
    # A terminated run still stops its stack and drops its database (cleanups run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    clock = Clock()
    missing = stack.services_missing()
    if missing:
        print(f"loadtest: not run, missing {missing}")
        return 2
    if args.nodes > 1 and balancer.haproxy_binary() is None:
        print(f"loadtest: not run. {balancer.INSTALL}")
        return 2
    spec = stack.StackSpec(args.database, args.cache_db, args.broker_db)
    files = ROOT / "artifacts" / "load" / args.database
    files.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(files / "media" / "rendered", ignore_errors=True)  # renders of an earlier run's database
    for old in files.glob("*.log"):
        old.unlink()
    sys.stdout = Tee(sys.stdout, (files / "report.txt").open("w"))  # what is printed, also kept with the logs
    extra = {"ATELIER_RATELIMIT_ENABLED": "0"}
    if args.write_behind:
        extra["ATELIER_EVENT_WRITE_BEHIND"] = "1" if args.write_behind == "on" else "0"
    if args.nodes > 1:
        extra["ATELIER_RATELIMIT_PROXIES"] = "1"  # HAProxy in front: the client's address is in X-Forwarded-For
    env = stack.stack_env(spec, files, **extra)
    clock.say(f"stack: database {spec.database}, cache {spec.cache_url}, broker {spec.broker_url}; "
              f"migrate and seed ...")
    stack.database_recreate(spec.database)
    for url in (spec.cache_url, spec.broker_url):
        stack.redis_flush(url)
    ok = False
    try:
        stack.prepare(env)
        setup_django(env)
        ok = run_nodes(args, env, files, clock) if args.nodes > 1 else run(args, env, files, clock)
    finally:
        for url in (spec.cache_url, spec.broker_url):
            stack.redis_flush(url)
        if not args.keep_database:
            from django.conf import settings

            if settings.configured:
                from django.db import connections

                connections.close_all()
            stack.database_drop(spec.database)
    clock.say(f"loadtest {'PASSED' if ok else 'FAILED'} (logs in {files.relative_to(ROOT)})")
    return 0 if ok else 1


def run(args, env: dict[str, str], files: Path, clock: Clock) -> bool:
    workers = f"{args.workers} {'gthread x' + str(args.threads) if args.threads > 1 else 'sync'} workers"
    with (stack.celery_worker(env, files / "worker.log", nice=args.worker_nice) as worker,
          stack.celery_beat(env, files / "beat.log") as beat):
        with stack.gunicorn(env, files / "web.log", workers=args.workers, threads=args.threads) as web:
            niced = f" at nice {args.worker_nice}" if args.worker_nice else ""
            clock.say(f"stack up: gunicorn ({workers}) at {web.url}, a Celery worker{niced} and beat, PostgreSQL, Redis; "
                      "DEBUG=0, rate limits off (every shopper here comes from 127.0.0.1)")
            warm_up(web.url, clock)
            stats, journal_file = run_locust(web.url, files, args, clock)
            stopped = time.monotonic()
            clock.say("load stopped; stopping gunicorn gracefully (its workers write their buffered events) ...")
        clock.say(f"gunicorn exited with {web.returncode}")
        ok = verify(args, files, clock, stats, journal_file, stopped)
    clock.say(f"worker exited with {worker.returncode}, beat with {beat.returncode}")
    log_summary(files)
    return ok and web.returncode == 0


def run_nodes(args, env: dict[str, str], files: Path, clock: Clock) -> bool:
    """Several gunicorn nodes behind HAProxy, a worker per queue group, one beat; nodes stopped
    as --stop says."""
    workers = f"{args.workers} {'gthread x' + str(args.threads) if args.threads > 1 else 'sync'} workers each"
    with (stack.celery_worker(env, files / "worker-renders.log", name="renders", queues="celery,renders",
                              nice=args.worker_nice) as renders,
          stack.celery_worker(env, files / "worker-personalization.log", name="personalization",
                              queues="personalization", nice=args.worker_nice) as personalization,
          stack.celery_beat(env, files / "beat.log") as beat):
        with nodes.web_nodes(env, files, count=args.nodes, workers=args.workers, threads=args.threads,
                             warm=lambda url: warm_up(url, clock)) as web:
            clock.say(f"stack up: {args.nodes} gunicorn nodes ({workers}) behind HAProxy at {web.url}; a Celery "
                      "worker for the celery and renders queues, one for personalization, and beat; PostgreSQL, "
                      "Redis; DEBUG=0, rate limits off")
            stops = nodes.StopSchedule(web, args.stop, clock.say, restart_after=args.restart_after)
            stops.start()
            try:
                stats, journal_file = run_locust(web.url, files, args, clock)
            finally:
                stops.cancel()
                stops.join()
            stopped = time.monotonic()
            rows = web.balancer.stats()
            clock.say("load stopped; stopping the nodes gracefully (their workers write their buffered events) ...")
        print_balancer(rows)
        exits = {node.name: node.exits for node in web.nodes}
        clock.say(f"nodes exited with {exits}; HAProxy with {web.balancer.returncode}")
        kills = [(s.stop.node, s.at) for s in stops.done if s.stop.kind == "kill"]
        ok = verify(args, files, clock, stats, journal_file, stopped, kills=kills, stopped_nodes=bool(stops.done))
    clock.say(f"workers exited with {renders.returncode} (celery, renders) and {personalization.returncode} "
              f"(personalization), beat with {beat.returncode}")
    log_summary(files)
    for error in stops.errors:
        clock.say(error)
    expected_exits = stops.exits_as_expected()
    if not expected_exits:
        clock.say("a node did not exit as it should have (0 after SIGTERM or at the end, -9 after SIGKILL)")
    all_done = len(stops.done) == len(args.stop)
    if not all_done:
        clock.say(f"only {len(stops.done)} of {len(args.stop)} stops happened before the load ended")
    return ok and expected_exits and all_done and not stops.errors


def print_balancer(rows: list[dict[str, str]]) -> None:
    """HAProxy's counters per node: what it sent where, and what it sent again."""
    print(f"\n{'HAProxy':<10} {'status':<8} {'requests':>9} {'5xx':>6} {'conn err':>9} {'resp err':>9} "
          f"{'retried':>8} {'redisp.':>8} {'downs':>6}")
    for row in rows:
        if row["svname"] in ("FRONTEND", "BACKEND") and row["pxname"] != "nodes":
            continue
        name = "all" if row["svname"] == "BACKEND" else row["svname"]
        print(f"{name:<10} {row['status']:<8} {row['stot']:>9} {row['hrsp_5xx'] or 0:>6} {row['econ'] or 0:>9} "
              f"{row['eresp'] or 0:>9} {row['wretr'] or 0:>8} {row['wredis'] or 0:>8} {row['chkdown'] or 0:>6}")


def verify(args, files: Path, clock: Clock, stats: Path, journal_file: Path, stopped: float,
           kills: list[tuple[str, float]] | None = None, stopped_nodes: bool = False) -> bool:
    """The load's answers, then the events and the profiles (see the module docstring). With
    `kills` (several nodes), what stopped nodes explain is counted apart."""
    if not (stats.exists() and journal_file.exists()):
        clock.say(f"locust did not finish its run; see {files / 'locust.log'}")
        return False
    total, failures, per_route = print_latencies(stats)
    journals = [json.loads(line) for line in journal_file.read_text().splitlines()]
    unexercised = [r for r in ROUTES if not per_route.get(r)]
    interrupted = [j["user"] for j in journals if j["in_flight"]]
    failed = sum(j["failures"] for j in journals)
    retried = Counter(r["name"] for j in journals for r in j.get("retries", ()))
    in_doubt = Counter(r["name"] for j in journals for r in j.get("in_doubt", ()))
    clock.say(f"load: {total} requests, {failed} errors; {len(journals)} shoppers")
    clock.say(f"answers lost and sent again: {sum(retried.values())} ({dict(retried) or 'none'}); lost and not sent "
              f"again (in doubt, not idempotent): {sum(in_doubt.values())} ({dict(in_doubt) or 'none'})")
    lost_without_stop = (retried or in_doubt) and not stopped_nodes
    if lost_without_stop:
        clock.say("answers were lost although no node was stopped")
    if unexercised:
        clock.say(f"routes never exercised (the run proves nothing about them): {', '.join(unexercised)}")
    if failed:
        clock.say(f"shoppers saw {failed} unexpected answers (see the errors above and locust.log)")
    if interrupted:
        clock.say(f"shoppers stopped in the middle of a request (their journal is incomplete): {interrupted}")
    events_ok = check_events(journals, clock, kills if stopped_nodes else None, args.behind_window)
    profiles_ok = check_profiles(journals, stopped, args.profile_deadline, clock)
    return (failures == sum(in_doubt.values()) and total > 0 and not failed and not unexercised and not interrupted
            and not lost_without_stop and events_ok and profiles_ok)


if __name__ == "__main__":
    raise SystemExit(main())
