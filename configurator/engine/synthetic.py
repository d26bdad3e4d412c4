"""Generated catalogs of any size, for benchmarks, load tests and the exactness tests at scale.

Rules look like a merchandiser's: a rule's subjects come from one step and its targets from
another ("Electric excludes the 18-inch wheels"), and each rule is kept only if the default build
still satisfies it. Every fifth rule is a price rule, so 1,000 rules are 800 constraints and
200 price rules (the car-sized product of issue #15: 40 steps x 30 options).

`varied=True` also mixes in what makes completeness differ from validity: multiple-choice steps
with a minimum, optional single-choice steps without a default, and required ones without one.
"""

from __future__ import annotations

import random
from typing import Any

from .catalog import compile_catalog, compile_rule
from .state import default_state

KINDS = ("requires", "excludes", "availability", "cardinality", "price")


def _step_shape(g: int, varied: bool) -> tuple[str, bool, str | None, int]:
    """(kind, required, default, min) of step g."""
    kind = "multi" if g % 5 == 4 else "single"
    if not varied:
        return (kind, kind == "single", "o0" if kind == "single" else None, 0)
    if kind == "multi":
        return (kind, g % 10 == 9, None, 2 if g % 15 == 14 else 0)
    if g % 7 == 3:
        return (kind, False, None, 0)
    return (kind, True, None if g % 11 == 5 else "o0", 0)


def synthetic_snapshot(
    *, groups: int = 20, options: int = 20, rules: int = 300, seed: int = 1, varied: bool = False
) -> dict[str, Any]:
    rng = random.Random(seed)
    raw_groups = []
    for g in range(groups):
        kind, required, default, low = _step_shape(g, varied)
        raw_groups.append({
            "code": f"g{g}",
            "name": {"en": f"Step {g}", "nl": f"Stap {g}"},
            "kind": kind,
            "required": required,
            "default": default,
            "min": low,
            "max": 4 if kind == "multi" else None,
            "options": [
                {"code": f"o{o}", "name": {"en": f"Option {g}.{o}", "nl": f"Optie {g}.{o}"},
                 "price": f"{rng.randint(0, 40) * 25}.00", "available": True}
                for o in range(options)
            ],
        })
    snapshot: dict[str, Any] = {
        "product": {"slug": "synthetic", "name": {"en": "Synthetic"}, "base_price": "1000.00"},
        "groups": raw_groups,
        "rules": [],
    }
    bare = compile_catalog(snapshot)
    base = default_state(bare).mask

    def pick(n: int, group: int) -> list[str]:
        """n options of one step (never its default, o0), like "Sport or JCW trim"."""
        return sorted({f"g{group}.o{rng.randrange(1, options)}" for _ in range(n)})

    attempts = 0
    while len(snapshot["rules"]) < rules and attempts < rules * 20:
        attempts += 1
        kind = KINDS[len(snapshot["rules"]) % len(KINDS)]
        g, h = rng.sample(range(groups), 2)
        rule = {
            "code": f"r{len(snapshot['rules'])}",
            "kind": kind,
            "subjects": pick(rng.randint(1, 2), g),
            "targets": pick(rng.randint(1, 3), h),
            "condition": "any",
            "explanation": {"en": "Generated rule", "nl": "Gegenereerde regel"},
        }
        if kind == "cardinality":
            rule["subjects"] = sorted({o for gi in rng.sample(range(groups), 4) for o in pick(1, gi)})
            rule["targets"] = []
            rule["min"], rule["max"] = 0, 2
        if kind == "price":
            rule["amount"] = f"-{rng.randint(1, 20) * 10}.00"
        if not compile_rule(rule, 0, bare.option_by_key).violated(base):
            snapshot["rules"].append(rule)
    return snapshot


def synthetic_catalog(**kwargs):
    """A compiled synthetic catalog with its unreachable options marked, as publishing does."""
    return publish(synthetic_snapshot(**kwargs))


def publish(snapshot: dict[str, Any]):
    """Compile `snapshot` with its unreachable options marked, as publishing stores it."""
    from .check import unreachable_options

    cat = compile_catalog(snapshot)
    snapshot = {**snapshot, "unreachable": [cat.options[i].key for i in unreachable_options(cat)]}
    return compile_catalog(snapshot)
