"""What picking an option that needs other changes really costs.

An option in conflict cannot be added as it is: the studio offers the engine's minimal repair,
which changes other choices too (choosing Electric swaps the 18-inch wheels for 17-inch ones).
Its own price delta then says little; what the shopper pays is the total after that repair.
Each such price is a repair search, so only the step a page shows open gets them: at 40 steps x
30 options with 1,000 rules, a build has about 600 options in conflict (0.9 s of repairs),
one step about 15.
Pure Python over the compiled catalog, like the engine; no ORM, no request.
"""

from __future__ import annotations

from decimal import Decimal

from configurator.engine import Action, Availability, Catalog, State, apply_action, minimal_repair, option_status
from configurator.engine.catalog import TEXT, GroupDef
from configurator.engine.evaluate import price
from configurator.lru import LRU

# Per (catalog, options chosen, step): the same build recurs on every click of a session, and a
# repair search is the dearest thing on the page. A compiled catalog never changes, so entries
# never go stale; each holds on to its catalog, so the id in its key cannot be reused while it lives.
_remembered: LRU[tuple[Catalog, dict[int, Decimal | None]]] = LRU(4096)


def conflict_costs(cat: Catalog, state: State, avail: Availability, group: GroupDef | None) -> dict[int, Decimal | None]:
    """option index -> the change of the total if the shopper picks it and accepts the repair,
    for each option of `group` in conflict (None: no repair exists; no group: none). Personal
    text is left out: it costs the same before and after a repair, which only ever changes
    option choices."""
    if group is None or group.kind == TEXT:
        return {}
    key = (id(cat), state.mask, group.index)
    return _remembered.get(key, lambda: (cat, _costs(cat, State(state.mask), avail, group)))[1]


def _costs(cat: Catalog, state: State, avail: Availability, group: GroupDef) -> dict[int, Decimal | None]:
    before = price(cat, state).total
    costs: dict[int, Decimal | None] = {}
    for index in group.options:
        if option_status(avail, index) != "conflict":
            continue
        # As quote() does for the click (the same pins, the same search), without evaluating
        # everything else about the repaired build: only its price is wanted here.
        clicked, pins, errors = apply_action(cat, state, Action(group.code, cat.options[index].code, True))
        repaired = None if errors else minimal_repair(cat, clicked.mask, pins)
        costs[index] = None if repaired is None else price(cat, State(repaired)).total - before
    return costs
