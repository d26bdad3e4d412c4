"""The data of the cost curves (bench/scale.py): shoppers, profiles, events over 13 months,
shared builds, remixes and orders, written by COPY (psycopg 3) on PostgreSQL.

About ten events per shopper, in sessions at random times over the last ~13 months (so every
month's partition holds some, and the oldest are past a one-year retention); the mix of a
configurator: mostly option choices (biased toward the shopper's motivation), then saves,
shares, views of shares, remixes and a few orders. Every shopper consented to analytics and
personalization, 40% also to marketing (with an e-mail address). Profiles are up to date: the
sweep finds only the shoppers the harness makes stale.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from bench.reports_bench import event_draw

DAYS = 400  # a little over 13 months
EVENT_COLUMNS = ["key", "type", "occurred_at", "recorded_at", "shopper_id", "product_id", '"group"', "option",
                 "properties", "scores", "scored_with_id"]


def copy_rows(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    n = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def catalog(rng: random.Random) -> tuple[list[str], list[dict]]:
    """The motivations and, per published demo product, its options with the motivation each is
    tagged with (its strongest tag in the current map, else a stable random one)."""
    from configurator.models import Option, Product
    from personalization.models import Motivation

    codes = list(Motivation.objects.filter(active=True).values_list("code", flat=True)) or \
        list(Motivation.objects.values_list("code", flat=True))
    products = []
    for product in Product.objects.filter(current_version__isnull=False).order_by("pk"):
        options = list(Option.objects.filter(group__product=product).values_list("group__code", "code", "price_delta"))
        tagged = [(g, o, json.dumps({"version": product.current_version_id, "price": str(p)}), rng.choice(codes))
                  for g, o, p in options]
        products.append({
            "id": product.pk, "version": product.current_version_id, "base": product.base_price,
            "options": [(g, o, props, json.dumps({m: 1.0})) for g, o, props, m in tagged],
            "by_motivation": {c: [(g, o, props, json.dumps({c: 1.0})) for g, o, props, m in tagged if m == c]
                              for c in codes},
        })
    if not products:
        raise RuntimeError("no published products: run seed_demo first")
    return codes, products


def _shopper_rows(people, now: datetime, rng: random.Random) -> Iterator[tuple]:
    for sid, _m in people:
        marketing = rng.random() < 0.4
        email = f"s{sid.hex[:12]}@example.invalid" if marketing else ""
        yield (sid, now - timedelta(days=DAYS), True, True, marketing, False, email, rng.choice(("NL", "BE", "DE")),
               rng.choice(("en", "nl")), now - timedelta(days=DAYS))


def _profile_rows(people, codes: list[str], motivation_ids: dict, version: int, now: datetime) -> Iterator[tuple]:
    rest = round(0.4 / max(1, len(codes) - 1), 6)
    for sid, main in people:
        scores = json.dumps({c: 0.6 if c == main else rest for c in codes})
        yield (sid, scores, motivation_ids[main], 0.6, True, "[]", 10, 0, now - timedelta(days=1), version, 5.0,
               "medium", "{}", "{}")


def _event_rows(people, products, per_shopper: int, total: int, map_id: int, now: datetime,
                rng: random.Random) -> Iterator[tuple]:
    """Sessions of `per_shopper` events, oldest shoppers first (ids then grow with time, as in a
    real table, so BRIN ranges stay tight)."""
    starts = sorted((now - timedelta(days=rng.random() * DAYS, hours=1), i) for i in range(len(people)))
    written = 0
    for start, index in starts:
        sid, motivation = people[index]
        product = products[index % len(products)]
        n = min(per_shopper, total - written)
        for i in range(n):
            kind, group, option, props, scores = event_draw(rng, product, motivation, last=i == n - 1)
            yield (uuid.UUID(int=rng.getrandbits(128)), kind, start + timedelta(seconds=20 * i), now, sid,
                   product["id"], group, option, props, scores, map_id)
        written += n
        if written >= total:
            return


def _builds(people, products, now: datetime, rng: random.Random) -> None:
    """Shared builds (one in 30 shoppers), remixes of some, orders of some remixes."""
    from configurator.models import Build, Order

    sharers = rng.sample(people, max(3, len(people) // 30))
    shared = [Build(product_id=p["id"], catalog_version_id=p["version"], selections={}, price={}, total=p["base"],
                    fingerprint="0" * 64, owner_key=sid, status="shared",
                    shared_at=now - timedelta(days=rng.random() * 80))
              for sid, _m in sharers for p in [rng.choice(products)]]
    Build.objects.bulk_create(shared, batch_size=2000)
    remixes = [Build(product_id=s.product_id, catalog_version_id=s.catalog_version_id, selections={}, price={},
                     total=s.total, fingerprint="0" * 64, owner_key=rng.choice(people)[0], remixed_from=s)
               for s in rng.sample(shared, len(shared) // 3)]
    Build.objects.bulk_create(remixes, batch_size=2000)
    run = uuid.uuid4().hex[:6]  # order numbers are unique: a second fill in one database gets its own
    orders = [Order(number=f"S{run}{i:07d}", build=b, product_id=b.product_id, catalog_version_id=b.catalog_version_id,
                    selections={}, price={}, total=b.total + Decimal(rng.randint(0, 900)), fingerprint="0" * 32,
                    name="Scale", email="scale@example.invalid", country="NL", owner_key=b.owner_key)
              for i, b in enumerate(rng.sample(remixes, len(remixes) // 3))]
    Order.objects.bulk_create(orders, batch_size=2000)


def partitions_for_history(now: datetime) -> None:
    """Every month of the filled history has its partition (as it would have had in production)."""
    from personalization.services.partitions import event_partitions_create

    event_partitions_create(ahead=16, now=now - timedelta(days=DAYS + 5))


def drawn(rng: random.Random, shoppers: int) -> tuple[list[str], list[dict], list[tuple[uuid.UUID, str]]]:
    """The motivations, the products and the shoppers (id, main motivation) a fill writes: the
    first draws of `rng`, so the same seed names the same shoppers again (`filled`)."""
    codes, products = catalog(rng)
    people = [(uuid.UUID(int=rng.getrandbits(128)), rng.choices(codes, weights=range(len(codes), 0, -1))[0])
              for _ in range(shoppers)]
    return codes, products, people


def filled(*, shoppers: int, seed: int = 15) -> dict:
    """What `fill` returned, for a database it filled earlier with the same seed and shoppers."""
    from django.db import connection

    from personalization.models import Event

    _codes, products, people = drawn(random.Random(seed), shoppers)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM personalization_shopper")
        if cursor.fetchone()[0] < shoppers:
            raise RuntimeError(f"the database holds fewer than {shoppers:,} shoppers: fill it first")
    return {"events": Event.objects.count(), "shoppers": shoppers, "people": people, "products": products}


def fill(*, events: int, shoppers: int, seed: int = 15) -> dict:
    """Write `shoppers` shoppers with profiles and `events` events; returns what it wrote."""
    from django.db import connection, transaction
    from django.utils import timezone

    from personalization.models import Motivation
    from personalization.services.profiles import current_map

    rng = random.Random(seed)
    now = timezone.now()
    codes, products, people = drawn(rng, shoppers)
    motivation_map = current_map()
    partitions_for_history(now)
    motivation_ids = dict(Motivation.objects.values_list("code", "pk"))
    with transaction.atomic():
        copy_rows("personalization_shopper",
                  ["id", "created_at", "analytics", "personalization", "marketing", "gpc", "email", "country",
                   "language", "consent_updated_at"], _shopper_rows(people, now, rng))
        copy_rows("personalization_profile",
                  ["shopper_id", "scores", "dominant_id", "confidence", "determined", "evidence", "event_count",
                   "last_event_id", "computed_at", "map_version", "depth", "depth_band", "depth_detail", "running"],
                  _profile_rows(people, codes, motivation_ids, motivation_map.version, now))
        written = copy_rows("personalization_event", EVENT_COLUMNS,
                            _event_rows(people, products, max(1, -(-events // shoppers)), events, motivation_map.pk,
                                        now, rng))
        _builds(people, products, now, rng)
        with connection.cursor() as cursor:
            # Profiles have counted their events (what the sweep and the refresh look at).
            cursor.execute("UPDATE personalization_profile p SET last_event_id = e.newest, event_count = e.n "
                           "FROM (SELECT shopper_id, max(id) AS newest, count(*) AS n FROM personalization_event "
                           "GROUP BY shopper_id) e WHERE e.shopper_id = p.shopper_id")
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"events": written, "shoppers": shoppers, "people": people, "products": products}
