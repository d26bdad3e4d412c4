"""#14: how long the publish confirmation takes to check the builds a new version makes stale.

configurator.carry_over evaluates each build, as it is, on the new catalog; the confirmation
checks at most STALE_CHECK_LIMIT of them (the most recent). Measured here on the generated large
product (20 steps x 20 options, 300 rules) with STALE_CHECK_LIMIT distinct builds, against the
bare engine work in the same run (normalize + evaluate of each build, no bookkeeping). Pure
Python: no database, no stack (reading the rows is one indexed query in chunks of 2,000)."""

from __future__ import annotations

import random
import time
from decimal import Decimal

from bench.common import Result
from configurator.engine import compile_catalog, evaluate, normalize
from configurator.engine.synthetic import synthetic_snapshot


def _builds(snapshot: dict, count: int, seed: int) -> list[tuple[dict, Decimal, bool]]:
    rng = random.Random(seed)
    builds = []
    for _ in range(count):
        selections = {}
        for group in snapshot["groups"]:
            codes = [o["code"] for o in group["options"]]
            selections[group["code"]] = rng.choice(codes) if group["kind"] == "single" else rng.sample(codes, 2)
        builds.append((selections, Decimal(rng.randint(1000, 9000)), True))
    return builds


def run(*, count: int | None = None, seed: int = 3) -> list[Result]:
    from configurator.carry_over import carry_over
    from configurator.services.catalog import STALE_CHECK_LIMIT

    count = count or STALE_CHECK_LIMIT
    snapshot = synthetic_snapshot(groups=20, options=20, rules=300, seed=1)
    for group in snapshot["groups"][::4]:  # the new version: dearer options, one switched off per fourth step
        group["options"][3]["available"] = False
        for option in group["options"]:
            option["price"] = str(Decimal(option["price"]) + 5)
    new = compile_catalog(snapshot)
    builds = _builds(snapshot, count, seed)

    started = time.perf_counter()
    for selections, _total, _complete in builds:
        evaluate(new, normalize(new, selections)[0])
    bare = time.perf_counter() - started

    started = time.perf_counter()
    fates = carry_over(new, builds)
    measured = time.perf_counter() - started
    ratio = measured / bare
    note = f"({fates.checked} builds: {fates.invalid} invalid, {fates.repriced} repriced)"
    return [
        Result(14, f"stale-build check of {count} builds vs bare normalize + evaluate", measured, "s", bare, ratio,
               "ratio <= 1.5", ratio <= 1.5, note),
        Result(14, f"stale-build check of {count} builds (large product)", measured, "s", None, None, "<= 10 s",
               measured <= 10.0),
    ]


if __name__ == "__main__":  # python -m bench.carry_over (make bench runs it with the engine's)
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    for result in run():
        print(result.line())
