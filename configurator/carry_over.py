"""How saved builds would fare, exactly as they are, on another catalog: the numbers the publish
confirmation shows for the builds a new version makes stale. Pure: the engine over plain data.

A build keeps its own catalog version, so publishing never changes it. These numbers say what
its owner meets on updating it to the new version (a rebase): a build that is not valid there
as it is must change its choices, one that lacks a newly required step must get it, and one
whose total differs changes price.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from configurator.engine import Catalog, evaluate, normalize

INVALID, INCOMPLETE, REPRICED, SAME = "invalid", "incomplete", "repriced", "same"


@dataclass(frozen=True)
class CarryOver:
    checked: int = 0
    invalid: int = 0  # not a valid build of the catalog as it is (unknown or switched-off option, rule broken)
    incomplete: int = 0  # valid, complete before, but a required step is now open
    repriced: int = 0  # valid (and as complete as before), another total


def fate(cat: Catalog, selections: Any, total: Decimal, complete: bool) -> str:
    """One build's fate on `cat`: INVALID, INCOMPLETE, REPRICED or SAME (in that order of weight)."""
    state, errors = normalize(cat, selections)
    result = evaluate(cat, state)
    if errors or not result.valid:
        return INVALID
    if complete and not result.complete:
        return INCOMPLETE
    return REPRICED if result.price.total != total else SAME


def carry_over(cat: Catalog, builds: Iterable[tuple[Any, Decimal, bool]]) -> CarryOver:
    """Count the fates of `builds` ((selections, total, complete) each) on `cat`. Builds with the
    same choices, total and completeness are evaluated once: popular builds recur."""
    seen: dict[str, str] = {}
    counts = {INVALID: 0, INCOMPLETE: 0, REPRICED: 0, SAME: 0}
    for selections, total, complete in builds:
        key = json.dumps([selections, str(total), complete], sort_keys=True, default=str)
        found = seen.get(key)
        if found is None:
            found = seen[key] = fate(cat, selections, Decimal(total), complete)
        counts[found] += 1
    return CarryOver(sum(counts.values()), counts[INVALID], counts[INCOMPLETE], counts[REPRICED])
