"""Engine speed on a generated large product: 20 steps x 20 options, 300 rules.

Shoppers are simulated as random walks: each click is applied (with its repair when it needs
one), so the builds measured are the varied, non-default ones real shoppers reach.
"""

from __future__ import annotations

import random
import time

from bench.common import Result, percentile
from configurator.engine import Action, availability, default_state, evaluate, quote, to_plain
from configurator.engine.synthetic import synthetic_catalog


def run(clicks: int = 1500, seed: int = 7) -> list[Result]:
    cat = synthetic_catalog(groups=20, options=20, rules=300, seed=1)
    rng = random.Random(seed)
    state = default_state(cat)
    evaluate_times: list[float] = []
    repair_times: list[float] = []
    clickable = [o for o in cat.options if o.index not in cat.unreachable]
    for _ in range(clicks):
        start = time.perf_counter()
        evaluate(cat, state)
        availability(cat, state)
        evaluate_times.append(time.perf_counter() - start)
        option = rng.choice(clickable)
        group = cat.groups[option.group]
        selected = not (group.kind == "multi" and state.mask >> option.index & 1)
        start = time.perf_counter()
        result = quote(cat, to_plain(cat, state), Action(group.code, option.code, selected))
        elapsed = time.perf_counter() - start
        if result.repair is not None:
            repair_times.append(elapsed)
            state = result.repair.state
        elif result.evaluation.valid:
            state = result.state
    p50 = percentile(evaluate_times, 50) * 1000
    p99 = percentile(evaluate_times, 99) * 1000
    r99 = percentile(repair_times, 99) * 1000
    r50 = percentile(repair_times, 50) * 1000
    note = f"({len(cat.rules)} rules, {len(cat.options)} options, {len(repair_times)} repairs)"
    return [
        Result(2, "validate + price + availability p50", p50, "ms", None, p50 / 1.0, "p50 <= 1 ms", p50 <= 1.0, note),
        Result(2, "validate + price + availability p99", p99, "ms", None, None, "reported", True),
        Result(2, "repair p50", r50, "ms", None, None, "reported", True),
        Result(2, "repair p99", r99, "ms", None, r99 / 20.0, "p99 <= 20 ms", r99 <= 20.0),
    ]
