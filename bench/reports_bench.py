"""The motivation report over 1,000,000 events (issue #4, absolute target: <= 1 s of server time).

Fills the benchmark's PostgreSQL database (atelier_bench, see bench/server.py) with realistic,
motivation-biased events of the seeded demo products, written by COPY: 50 000 shoppers with
profiles, ~20 events each over the last 60 days (option choices scored toward the motivation
their option is tagged with, saves, shares, share views, remixes, orders), three segments and a
few thousand shared builds with remixes and orders. Then it refreshes the rollups, and times the
motivation report's server side: the admin view requested through Django's test client (the
queries, the charts, the template), default filters (the last 90 days, every product, everyone).

The rows it writes carry the marker language="bench" on their shoppers; they are removed at the
end (and at the start, after an interrupted run), and the rollups of those days refreshed again.

Standalone: `.venv/bin/python -m bench.reports_bench` (add --keep to leave the data in place).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from bench.common import Result

TARGET_SECONDS = 1.0
MARKER = "bench"
DAYS = 60
NAME = "motivation report over 1,000,000 events (server time)"
MOTIVATIONS = ("practical", "status", "self-expression", "sustainability", "value", "performance")
COLOURS = ("#3c8dbc", "#8e44ad", "#d35400", "#2f9e6e", "#c9a227", "#c0392b")


def _say(text: str) -> None:
    print(f"  reports: {text}", flush=True)


def _motivations() -> list[str]:
    from personalization.models import Motivation

    for i, code in enumerate(MOTIVATIONS):
        Motivation.objects.get_or_create(code=code, defaults={
            "name_en": code.replace("-", " ").capitalize(), "name_nl": code, "colour": COLOURS[i], "position": i})
    return list(Motivation.objects.values_list("code", flat=True))


def _catalog(codes: list[str], rng: random.Random) -> list[dict]:
    """Per demo product: its options, each tagged with one motivation (a stable pick)."""
    from configurator.models import Option, Product

    products = []
    for product in Product.objects.filter(current_version__isnull=False):
        options = list(Option.objects.filter(group__product=product).values_list("group__code", "code", "price_delta"))
        # (group, option, properties JSON, scores JSON), made once: the filler picks from them.
        tagged = [(g, o, json.dumps({"version": product.current_version_id, "price": str(price)}), code)
                  for g, o, price in options for code in [rng.choice(codes)]]
        products.append({"id": product.pk, "version": product.current_version_id, "base": product.base_price,
                         "options": [(g, o, props, json.dumps({code: 1.0})) for g, o, props, code in tagged],
                         "by_motivation": {c: [(g, o, props, json.dumps({c: 1.0})) for g, o, props, code in tagged
                                               if code == c] for c in codes}})
    if not products:
        raise RuntimeError("no published products: run seed_demo first")
    return products


def cleanup() -> None:
    """Remove every row an earlier run wrote, and refresh the rollups of those days."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from configurator.models import Build, Order
    from personalization.models import Event, Segment, Shopper
    from personalization.services.rollups import rollups_refresh

    shoppers = Shopper.objects.filter(language=MARKER)
    if not shoppers.exists():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        ids = shoppers.values("pk")
        Order.objects.filter(owner_key__in=ids).delete()
        Build.objects.filter(owner_key__in=ids, remixed_from__isnull=False).delete()
        Build.objects.filter(owner_key__in=ids).delete()
        Event.objects.filter(shopper_id__in=ids).delete()
        Segment.objects.filter(name__startswith="Bench: ").delete()
        shoppers.delete()
        get_user_model().objects.filter(username="reports-bench").delete()
    if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (a test's)
        with connection.cursor() as cursor:
            # A million deleted rows would bloat the table and its indexes for the benchmarks
            # that follow (every click inserts into them): give the space back.
            cursor.execute("VACUUM ANALYZE personalization_event")
    rollups_refresh(since=(_today() - timedelta(days=DAYS + 1)))


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _copy(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _shoppers(n: int, codes: list[str], rng: random.Random) -> list[tuple[uuid.UUID, str]]:
    from django.utils import timezone

    from personalization.models import Motivation

    now = timezone.now()
    people = [(uuid.UUID(int=rng.getrandbits(128)), rng.choices(codes, weights=range(len(codes), 0, -1))[0])
              for _ in range(n)]
    _copy("personalization_shopper",
          ["id", "created_at", "analytics", "personalization", "marketing", "gpc", "email", "country", "language",
           "consent_updated_at"],
          ((sid, now, True, True, rng.random() < 0.4, False, "", "NL", MARKER, now) for sid, _m in people))
    motivation_ids = dict(Motivation.objects.values_list("code", "pk"))
    def probabilities(main: str) -> str:  # 0.6 on the main motivation, the rest spread evenly
        return json.dumps({c: 0.6 if c == main else round(0.4 / (len(codes) - 1), 6) for c in codes})

    _copy("personalization_profile",
          ["shopper_id", "scores", "dominant_id", "confidence", "determined", "evidence", "event_count",
           "last_event_id", "computed_at", "depth", "depth_band", "depth_detail", "running"],
          ((sid, probabilities(m), motivation_ids[m], 0.6, True, "[]", 20, 0, now, 5.0, "medium", "{}", "{}")
           for sid, m in people))
    return people


def event_draw(rng: random.Random, product: dict, motivation: str, *, last: bool) -> tuple[str, str, str, str, str]:
    """One event of a session: (type, step, option, properties JSON, scores JSON). Mostly choices,
    more often of the options tagged with the shopper's motivation; a session's last event may be
    an order. bench/scale_fill.py draws its sessions with this too."""
    roll = rng.random()
    if last and roll < 0.08:
        return "order_placed", "", "", json.dumps({"total": str(product["base"] + rng.randint(0, 4000))}), "{}"
    if roll < 0.82:
        mine = product["by_motivation"].get(motivation)
        group, option, properties, scores = rng.choice(mine if mine and rng.random() < 0.6 else product["options"])
        return "option_selected", group, option, properties, scores
    if roll < 0.90:
        return "build_saved", "", "", json.dumps({"total": str(product["base"])}), "{}"
    kind = "build_shared" if roll < 0.94 else "share_viewed" if roll < 0.98 else "build_remixed"
    return kind, "", "", "{}", "{}"


def _events(people, products, total: int, rng: random.Random):
    """Sessions of ~20 events: choices (biased toward the shopper's motivation), then maybe a
    save, a share, an order; some shoppers view and remix others' shares."""
    from django.utils import timezone

    now = timezone.now()
    per, extra = divmod(total, len(people))
    written = 0
    for index, (sid, motivation) in enumerate(people):
        product = rng.choice(products)
        start = now - timedelta(days=rng.random() * DAYS)
        n = min(per + (index < extra), total - written)
        for i in range(n):
            kind, group, option, properties, scores = event_draw(rng, product, motivation, last=i == n - 1)
            yield (uuid.UUID(int=rng.getrandbits(128)), kind, start + timedelta(seconds=20 * i), now, sid,
                   product["id"], group, option, properties, scores)
        written += n
        if written >= total:
            return


def _lineage(people, products, rng: random.Random) -> int:
    """Shared builds, views of their pages, remixes of some of them and orders of some remixes.
    Returns how many view events it wrote."""
    from django.utils import timezone

    from configurator.models import Build, Order
    from personalization.models import Event

    now = timezone.now()
    sharers = rng.sample(people, min(3000, len(people) // 4))  # 3,000 from 12,000 shoppers (240,000 events) up
    shared = [Build(product_id=p["id"], catalog_version_id=p["version"], selections={}, price={}, total=p["base"],
                    fingerprint="0" * 64, owner_key=sid, status="shared", shared_at=now - timedelta(days=rng.random() * DAYS))
              for sid, _m in sharers for p in [rng.choice(products)]]
    Build.objects.bulk_create(shared, batch_size=1000)
    remixes = []
    for source in rng.sample(shared, min(1200, len(shared) * 2 // 5)):
        for _ in range(rng.randint(1, 3)):
            remixes.append(Build(product_id=source.product_id, catalog_version_id=source.catalog_version_id,
                                 selections={}, price={}, total=source.total, fingerprint="0" * 64,
                                 owner_key=rng.choice(people)[0], remixed_from=source))
    Build.objects.bulk_create(remixes, batch_size=1000)
    orders = [Order(number=f"BENCH{i:07d}", build=b, product_id=b.product_id, catalog_version_id=b.catalog_version_id,
                    selections={}, price={}, total=b.total + Decimal(rng.randint(0, 900)), fingerprint="0" * 32,
                    name="Bench", email="bench@example.invalid", country="NL", owner_key=b.owner_key)
              for i, b in enumerate(rng.sample(remixes, min(400, len(remixes) // 3)))]
    Order.objects.bulk_create(orders, batch_size=1000)
    views = [Event(type="share_viewed", occurred_at=b.shared_at + timedelta(hours=1), shopper_id=rng.choice(people)[0],
                   product_id=b.product_id, build_id=b.pk, properties={"sharer": str(b.owner_key)})
             for b in shared for _ in range(rng.randint(0, 4))]
    Event.objects.bulk_create(views, batch_size=2000)
    return len(views)


def _segments(people, rng: random.Random) -> None:
    from personalization.models import Segment

    segments = [Segment.objects.create(name=f"Bench: {name}") for name in ("Green", "Families", "Bold")]
    _copy("personalization_segmentmembership", ["segment_id", "shopper_id", "added_at"],
          ((s.pk, sid, _now()) for s in segments for sid, _m in rng.sample(people, len(people) // 5)))


def _now():
    from django.utils import timezone

    return timezone.now()


def fill(events: int, seed: int = 4) -> int:
    from django.db import connection, transaction

    rng = random.Random(seed)
    codes = _motivations()
    products = _catalog(codes, rng)
    with transaction.atomic():
        people = _shoppers(max(1, events // 20), codes, rng)
        views = _lineage(people, products, rng)
        _copy("personalization_event",
              ["key", "type", "occurred_at", "recorded_at", "shopper_id", "product_id", '"group"', "option",
               "properties", "scores"],
              _events(people, products, events - views, rng))
        _segments(people, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from personalization.models import Event

    return Event.objects.filter(shopper__language=MARKER).count()


def _time_report(runs: int) -> tuple[float, float, int]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _created = get_user_model().objects.get_or_create(
        username="reports-bench", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.invalid"})
    client = Client()
    client.force_login(user)
    url = "/admin/personalization/reports/mix/"
    response = client.get(url)  # warm: the first request imports and compiles the templates
    if response.status_code != 200 or b"<svg" not in response.content:
        raise RuntimeError(f"the motivation report answered {response.status_code}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times), max(times), len(response.content)


def run(events: int = 1_000_000, runs: int = 7, keep: bool = False) -> list[Result]:
    from django.db import connection

    from personalization.services.rollups import rollups_refresh

    if connection.vendor != "postgresql":
        return [Result(4, NAME, 0.0, "s", None, None, f"<= {TARGET_SECONDS:g} s", False, "(not run: needs PostgreSQL)")]
    cleanup()
    started = time.perf_counter()
    written = fill(events)
    filled = time.perf_counter() - started
    _say(f"{written:,} events written in {filled:.1f}s")
    started = time.perf_counter()
    refreshed = rollups_refresh(since=_today() - timedelta(days=DAYS + 1))
    refresh = time.perf_counter() - started
    _say(f"rollups refreshed in {refresh:.1f}s ({refreshed.daily_rows} daily rows, {refreshed.lineage_rows} lineage)")
    try:
        seconds, worst, size = _time_report(runs)
    finally:
        if not keep:
            cleanup()
    note = (f"(median of {runs}, worst {worst:.3f} s; {written:,} events; rollup refresh {refresh:.1f} s; "
            f"COPY fill {filled:.0f} s; page {size // 1024} kB)")
    return [Result(4, NAME, seconds, "s", None, seconds / TARGET_SECONDS, f"<= {TARGET_SECONDS:g} s",
                   seconds <= TARGET_SECONDS, note)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="leave the generated rows in the database")
    args = parser.parse_args()
    from bench import server
    from bench.run import setup_django

    env, _stack = server.stack_env()
    setup_django(env)
    server.prepare(env)
    for result in run(events=args.events, keep=args.keep):
        print(result.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
