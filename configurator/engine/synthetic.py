"""Generated catalogs of any size, for benchmarks and load tests.

Rules look like a merchandiser's: a rule's subjects come from one step and its targets from
another ("Electric excludes the 18-inch wheels"), and each rule is kept only if the default build
still satisfies it.
"""

from __future__ import annotations

import random
from typing import Any

from .catalog import compile_catalog
from .rules import is_valid_mask
from .state import default_state

KINDS = ("requires", "excludes", "availability", "cardinality", "price")


def synthetic_snapshot(*, groups: int = 20, options: int = 20, rules: int = 300, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    raw_groups = []
    for g in range(groups):
        kind = "multi" if g % 5 == 4 else "single"
        raw_groups.append({
            "code": f"g{g}",
            "name": {"en": f"Step {g}", "nl": f"Stap {g}"},
            "kind": kind,
            "required": kind == "single",
            "default": "o0" if kind == "single" else None,
            "min": 0,
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
    base = default_state(compile_catalog(snapshot)).mask

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
        trial = dict(snapshot, rules=[*snapshot["rules"], rule])
        if is_valid_mask(compile_catalog(trial), base):
            snapshot["rules"].append(rule)
    return snapshot


def synthetic_catalog(**kwargs):
    """A compiled synthetic catalog with its unreachable options marked, as publishing does."""
    from .check import reachability

    snapshot = synthetic_snapshot(**kwargs)
    cat = compile_catalog(snapshot)
    dead, witnesses = reachability(cat)
    snapshot["unreachable"] = [cat.options[i].key for i in dead]
    snapshot["witnesses"] = [cat.mask_keys(mask) for mask in witnesses]
    return compile_catalog(snapshot)
