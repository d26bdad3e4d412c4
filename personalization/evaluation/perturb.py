"""A staff map that is only roughly right, as a marketer would write it: from the true weights,
each kept weight times lognormal noise, a share of the tags dropped, and a few wrong tags
added. Seeded, so a run is repeatable."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

WeightKey = tuple[int, str, str, str]


def perturb_weights(truth: Mapping[WeightKey, float], motivations: Sequence[str], *, sigma: float, drop: float,
                    wrong: int, seed: int) -> dict[WeightKey, float]:
    """`truth` with noise: each tag dropped with probability `drop`, the others' weights times
    exp(N(0, sigma)) rounded to 0.05 (at least 0.05); then `wrong` tags added, each on a random
    option for a motivation it did not have, with a weight between 0.3 and 0.8."""
    rng = random.Random(seed)
    out: dict[WeightKey, float] = {}
    by_option: dict[tuple[int, str, str], list[WeightKey]] = {}
    for key in sorted(truth):
        by_option.setdefault(key[:3], []).append(key)
    for keys in by_option.values():
        for key in keys:
            if rng.random() < drop:
                continue
            out[key] = max(round(truth[key] * rng.lognormvariate(0.0, sigma) / 0.05) * 0.05, 0.05)
    options = sorted(by_option)
    for _ in range(wrong):
        option = rng.choice(options)
        held = {key[3] for key in by_option[option]}
        others = [m for m in motivations if m not in held]
        if others:
            out[(*option, rng.choice(others))] = round(rng.uniform(0.3, 0.8), 2)
    return out
