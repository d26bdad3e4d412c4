"""The ceiling: the Bayes-optimal classifier that knows the simulator's true generative model.

For a simulated shopper, P(main motivation | everything they did) under the model that made
them (personalization.simulate): the prior over mixes (a leading motivation drawn by
PREVALENCE, gamma(0.6) shares plus 3 on the leading one), and the likelihood of every recorded
draw (which product, each click's step and option among what was offered, personal text or not,
how many clicks, save, share, order, remix). The integral over mixes is done by importance
sampling from the prior, stratified by the leading motivation. No classifier can beat this on
average; every model is reported as a fraction of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from personalization.simulate import CLICKS_SD, MESSAGE_CLICK, MESSAGE_ORDER_LIFT, PREVALENCE, RATES, Trace

_FLOOR = 1e-12


def mix_samples(motivations: Sequence[str], per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(mixes (n, K), log prior weight of each sample (n,)): `per_class` mixes for every leading
    motivation, weighted by that motivation's prevalence."""
    rng = np.random.default_rng(seed)
    k = len(motivations)
    mixes, weights = [], []
    for lead, code in enumerate(motivations):
        raw = rng.gamma(0.6, 1.0, size=(per_class, k))
        raw[:, lead] += 3.0
        mixes.append(raw / raw.sum(axis=1, keepdims=True))
        weights.append(np.full(per_class, math.log(PREVALENCE.get(code, 0.0) + _FLOOR)))
    return np.vstack(mixes), np.concatenate(weights)


def _vectors(tags: Sequence[Mapping[str, float] | None], motivations: Sequence[str]) -> np.ndarray:
    index = {m: i for i, m in enumerate(motivations)}
    out = np.zeros((len(tags), len(motivations)))
    for row, weights in enumerate(tags):
        for code, w in (weights or {}).items():
            if code in index:
                out[row, index[code]] = w
    return out


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(x)


def trace_loglik(trace: Trace, mixes: np.ndarray, motivations: Sequence[str]) -> np.ndarray:
    """(n,) log-likelihood of one shopper's recorded draws under each mix."""
    total = np.zeros(len(mixes))
    rates = {what: _vectors([{m: RATES[m][what] for m in RATES}], motivations)[0] for what in
             ("save", "share", "order", "remix", "clicks")}
    for record in trace:
        kind = record[0]
        if kind == "click":
            _kind, offered, (step, option) = record
            sizes = [len(actions) for actions in offered]
            starts = np.cumsum([0, *sizes[:-1]])
            flat = [action for actions in offered for action in actions]
            fit = mixes @ _vectors([tags for tags, _add in flat], motivations).T  # (n, A)
            adds = np.array([add for _tags, add in flat])
            w = np.where(adds, 0.05 + 4 * fit * fit + fit, np.where(fit < 0.15, 0.3, 0.02))
            step_weights = np.maximum.reduceat(w, starts, axis=1)  # (n, S)
            step_totals = np.add.reduceat(w, starts, axis=1)
            chosen = w[:, starts[step] + option]
            total += (np.log(step_weights[:, step] / step_weights.sum(axis=1))
                      + np.log(chosen / step_totals[:, step]))
        elif kind == "text":
            _kind, tags, personalized = record
            p = np.clip(0.05 + 0.9 * (mixes @ _vectors([tags], motivations)[0]), _FLOOR, 1.0)
            total += np.log(p) if personalized else np.log(np.clip(1 - p, _FLOOR, 1.0))
        elif kind == "rate":
            _kind, what, happened, factor, *message = record
            p = (mixes @ rates[what]) * factor
            if message and message[0] in motivations:  # a campaign message lifts the order rate
                p = p * (1 + MESSAGE_ORDER_LIFT * mixes[:, list(motivations).index(message[0])])
            p = np.clip(p, _FLOOR, 1.0)
            total += np.log(p) if happened else np.log(np.clip(1 - p, _FLOOR, 1.0))
        elif kind == "message":
            _kind, motivation, clicked = record
            share = mixes[:, list(motivations).index(motivation)] if motivation in motivations else 0.0
            p = np.clip(MESSAGE_CLICK[0] + MESSAGE_CLICK[1] * share, _FLOOR, 1.0)
            total += np.log(p) if clicked else np.log(np.clip(1 - p, _FLOOR, 1.0))
        elif kind == "clicks":
            n = record[1]
            mean = mixes @ rates["clicks"]
            high = _normal_cdf((n + 1 - mean) / CLICKS_SD)
            low = _normal_cdf((n - mean) / CLICKS_SD) if n > 2 else 0.0
            total += np.log(np.clip(high - low, _FLOOR, 1.0))
        elif kind == "product":
            _kind, products, chosen = record
            appeal = np.vstack([
                0.3 + 10 * (mixes @ _vectors(list(tags), motivations).T).mean(axis=1) if tags else np.full(len(mixes), 0.3)
                for tags in products
            ])
            total += np.log(appeal[chosen] / appeal.sum(axis=0))
    return total


def bayes_posterior(trace: Trace, mixes: np.ndarray, log_prior: np.ndarray, motivations: Sequence[str]) -> np.ndarray:
    """(K,) P(main motivation = m | the trace) under the true model."""
    log_w = trace_loglik(trace, mixes, motivations) + log_prior
    w = np.exp(log_w - log_w.max())
    main = mixes.argmax(axis=1)
    out = np.bincount(main, weights=w, minlength=len(motivations))
    return out / out.sum()
