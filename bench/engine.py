"""Engine speed on generated large products: 20 steps x 20 options with 300 rules (issue #2),
and a car-sized one, 40 steps x 30 options with 1,000 rules: 800 constraints, 200 price rules
(issue #15).

Shoppers are simulated as random walks: each click is applied (with its repair when it needs
one), so the builds measured are the varied, non-default ones real shoppers reach.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from django.http import QueryDict

from bench.common import Result, percentile
from configurator.engine import (
    Action,
    Catalog,
    State,
    availability,
    compile_catalog,
    default_state,
    evaluate,
    quote,
    to_plain,
)
from configurator.engine.check import reachability
from configurator.engine.synthetic import synthetic_catalog, synthetic_snapshot


@dataclass
class Walk:
    evaluate_times: list[float] = field(default_factory=list)  # validate + price + availability
    repair_times: list[float] = field(default_factory=list)  # a click that needs a repair, whole
    # The same clicks in this thread's CPU time: what the engine works, without the time other
    # processes on the machine take the core from it.
    repair_cpu: list[float] = field(default_factory=list)
    # (build, the step clicked): where a shopper is after a click, with that step open.
    visited: list[tuple[State, str]] = field(default_factory=list)

    def ms(self, times: list[float], q: float) -> float:
        return percentile(times, q) * 1000


def walk(cat: Catalog, clicks: int, seed: int) -> Walk:
    rng = random.Random(seed)
    state = default_state(cat)
    out = Walk()
    clickable = [o for o in cat.options if o.index not in cat.unreachable]
    for _ in range(clicks):
        start = time.perf_counter()
        evaluate(cat, state)
        availability(cat, state)
        out.evaluate_times.append(time.perf_counter() - start)
        option = rng.choice(clickable)
        group = cat.groups[option.group]
        selected = not (group.kind == "multi" and state.mask >> option.index & 1)
        start, cpu = time.perf_counter(), time.thread_time()
        result = quote(cat, to_plain(cat, state), Action(group.code, option.code, selected))
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
        if result.repair is not None:
            out.repair_times.append(elapsed)
            out.repair_cpu.append(cpu)
            state = result.repair.state
        elif result.evaluation.valid:
            state = result.state
        out.visited.append((state, group.code))
    return out


def studio_page_times(cat: Catalog, visited: list[tuple[State, str]], pages: int) -> tuple[list[float], list[float]]:
    """The studio page as plain data (configurator.studio.studio_page: the engine's answer, the
    open step's conflict costs, the steps), for `pages` builds spread along a walk, each with
    the step last clicked open; the template is not rendered. (Wall times, CPU times.)"""
    from configurator.querystate import query_from_plain
    from configurator.selectors import ProductRef
    from configurator.studio import studio_page

    ref = ProductRef(0, cat.slug, 0, 1)
    times, cpu = [], []
    for state, step in visited[:: max(1, len(visited) // pages)][:pages]:
        query = QueryDict(f"{query_from_plain(cat, to_plain(cat, state))}&step={step}")
        start, started_cpu = time.perf_counter(), time.thread_time()
        studio_page(cat, ref, query)
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - started_cpu)
    return times, cpu


def run(clicks: int = 1500, seed: int = 7) -> list[Result]:
    cat = synthetic_catalog(groups=20, options=20, rules=300, seed=1)
    w = walk(cat, clicks, seed)
    p50, p99 = w.ms(w.evaluate_times, 50), w.ms(w.evaluate_times, 99)
    r50, r99 = w.ms(w.repair_times, 50), w.ms(w.repair_times, 99)
    note = f"({len(cat.rules)} rules, {len(cat.options)} options, {len(w.repair_times)} repairs)"
    return [
        Result(2, "validate + price + availability p50", p50, "ms", None, p50 / 1.0, "p50 <= 1 ms", p50 <= 1.0, note),
        Result(2, "validate + price + availability p99", p99, "ms", None, None, "reported", True),
        Result(2, "repair p50", r50, "ms", None, None, "reported", True),
        Result(2, "repair p99", r99, "ms", None, r99 / 20.0, "p99 <= 20 ms", r99 <= 20.0),
    ]


def run_car_size(clicks: int = 3000, seed: int = 7, pages: int = 200) -> list[Result]:
    """The car-sized product: the same walk, and publish-time reachability (exact, by SAT)."""
    snapshot = synthetic_snapshot(groups=40, options=30, rules=1000, seed=1)
    draft = compile_catalog(snapshot)
    start = time.perf_counter()
    found = reachability(draft)
    seconds = time.perf_counter() - start
    cat = compile_catalog({**snapshot, "unreachable": [draft.options[i].key for i in found.unreachable]})
    w = walk(cat, clicks, seed)
    p50, p99 = w.ms(w.evaluate_times, 50), w.ms(w.evaluate_times, 99)
    r50, r99 = w.ms(w.repair_times, 50), w.ms(w.repair_times, 99)
    rmax = max(w.repair_times, default=float("nan")) * 1000
    page_times, page_cpu = studio_page_times(cat, w.visited, pages)
    size = f"40 x 30, {len(cat.constraint_rules)} constraints + {len(cat.price_rules)} price rules"
    note = f"({size}, {len(w.evaluate_times)} builds, {len(w.repair_times)} repairs)"
    reach_note = f"({size}, {len(found.unreachable)} of {len(cat.options)} options unreachable, {len(found.undecided)} undecided)"
    return [
        Result(15, "car size: validate + price + availability p50", p50, "ms", None, p50 / 1.0, "p50 <= 1 ms",
               p50 <= 1.0, note),
        Result(15, "car size: validate + price + availability p99", p99, "ms", None, None, "reported", True),
        Result(15, "car size: repair p50", r50, "ms", None, None, "reported", True),
        Result(15, "car size: repair p99", r99, "ms", None, r99 / 20.0, "p99 <= 20 ms", r99 <= 20.0),
        Result(15, "car size: repair max", rmax, "ms", None, None, "reported", True),
        Result(15, "car size: repair p99, CPU time of the click", w.ms(w.repair_cpu, 99), "ms", None, None,
               "reported", True, "(the same clicks; without the time other processes took the core)"),
        Result(15, "car size: studio page (engine, open step's conflict costs, steps) p50",
               percentile(page_times, 50) * 1000, "ms", None, None, "reported", True,
               f"({len(page_times)} pages along the walk, without the template; CPU time p50 "
               f"{percentile(page_cpu, 50) * 1000:.1f} ms)"),
        Result(15, "car size: studio page p99", percentile(page_times, 99) * 1000, "ms", None, None, "reported", True),
        Result(15, "car size: publish-time reachability", seconds, "s", None, seconds / 10.0, "<= 10 s",
               seconds <= 10.0 and not found.undecided, reach_note),
    ]
