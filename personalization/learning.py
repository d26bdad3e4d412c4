"""A map that learns: expectation-maximization over the choice model, with the staff map as the
prior. Pure: features in, parameters out.

Staff write the first map by hand and get it partly wrong. The stored choices say what each
kind of shopper really picks, but not who is which kind: that is a latent-class model, and EM
fits it.
- E-step: every shopper's class probabilities under the current model (choice_model.posterior).
- M-step: per class, the option utilities that best explain the choices weighed by those
  probabilities (a multinomial logit per product, solved by Newton's method), pulled towards the
  staff map's utilities by a Gaussian prior of strength `prior_strength`; the rates of personal
  text, sharing, clicks per product and which products are configured, each with a Beta or
  Dirichlet prior; and the class prior (the motivation mix) from the probabilities.
The staff map anchors which class is which motivation: without it EM would find groups of
shoppers but not their names. Each iteration raises the (penalized) log-likelihood; the log is
kept so staff can see it settle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from personalization.choice_model import (
    BEHAVIOURS,
    Features,
    Model,
    ModelParams,
    _logsumexp,
    click_loglik,
    option_key,
    posterior,
    step_key,
    with_secondary,
)

# A learned map reads a shopper as a main motivation coloured by a second at this share
# (choice_model.ModelParams.secondary), and EM fits it that way. Without it a shopper's clicks are
# read as if one motivation alone made them all, and the probabilities come out too sure. It is a
# fixed modelling constant. On simulated shoppers (two seeds, a roughly-right staff map) 0.3 gives
# the data its highest likelihood but probabilities too sure (calibration error 0.11), 0.4 gives
# calibrated ones (0.04) at the same or better accuracy, and 0.45 or more starts to confuse the
# main motivation with the second. Calibration is what a marketer reads, so 0.4.
SECONDARY = 0.4
# Clicks read at once when a staff map's model reads them by step (memory: clicks x options x classes).
CLICK_CHUNK = 2000


@dataclass(frozen=True)
class Stacked:
    """Many shoppers' features as matrices (one row per shopper)."""

    choices: sparse.csr_matrix  # (N, G) weighted option choices
    clicks_of: sparse.csr_matrix  # (N, E) which click is whose, with its weight
    excluded: sparse.csr_matrix  # (E, G) the options selected already at each click
    click_product: np.ndarray  # (E,) the product index of each click
    click_rows: np.ndarray  # (E,) the option row of each click
    removed: sparse.csr_matrix  # (N, G)
    text_yes: sparse.csr_matrix  # (N, T)
    text_no: sparse.csr_matrix  # (N, T)
    shares: np.ndarray  # (N,)
    not_shared: np.ndarray  # (N,)
    clicks: np.ndarray  # (N,)
    products: sparse.csr_matrix  # (N, P) configured
    behaviours: np.ndarray  # (N, B, 2) per BEHAVIOURS: happened, did not

    @property
    def size(self) -> int:
        return self.choices.shape[0]


def stack(feats: Sequence[Features], model: Model) -> Stacked:
    n, g, t, p = len(feats), len(model.utility), len(model.text_keys), len(model.products)

    def matrix(cols: int, pick) -> sparse.csr_matrix:
        rows, columns, values = [], [], []
        for i, f in enumerate(feats):
            c, v = pick(f)
            rows.extend([i] * len(c))
            columns.extend(c.tolist())
            values.extend(v.tolist())
        return sparse.csr_matrix((values, (rows, columns)), shape=(n, cols))

    offsets = np.cumsum([0, *[len(f.choice_rows) for f in feats]])
    e = int(offsets[-1])
    owner = np.concatenate([np.full(len(f.choice_rows), i) for i, f in enumerate(feats)] or [np.zeros(0)])
    click_rows = np.concatenate([f.choice_rows for f in feats] or [np.zeros(0)]).astype(int)
    return Stacked(
        choices=matrix(g, lambda f: (f.choice_rows, f.choice_weights)),
        clicks_of=sparse.csr_matrix((np.concatenate([f.choice_weights for f in feats] or [np.zeros(0)]),
                                     (owner.astype(int), np.arange(e))), shape=(n, e)),
        excluded=sparse.vstack([sparse.csr_matrix(f.excluded, shape=(len(f.choice_rows), g), dtype=float)
                                for f in feats], format="csr") if feats else sparse.csr_matrix((0, g)),
        click_product=model.option_product[click_rows].astype(int),
        click_rows=click_rows,
        removed=matrix(g, lambda f: (f.removed_rows, f.removed_weights)),
        text_yes=matrix(t, lambda f: (f.text_rows[f.text_filled > 0], f.text_weights[f.text_filled > 0])),
        text_no=matrix(t, lambda f: (f.text_rows[f.text_filled == 0], f.text_weights[f.text_filled == 0])),
        shares=np.array([f.shares for f in feats], dtype=float),
        not_shared=np.array([f.not_shared for f in feats], dtype=float),
        clicks=np.array([f.clicks for f in feats], dtype=float),
        products=matrix(p, lambda f: (f.product_rows, np.ones(len(f.product_rows)))),
        behaviours=np.array([f.behaviours for f in feats]).reshape(n, len(BEHAVIOURS), 2),
    )


def batch_loglik(data: Stacked, model: Model) -> np.ndarray:
    """(N, K) every shopper's log-likelihood under each class (choice_model.loglik, in bulk)."""
    log_choice = model.log_choice
    if model.by_step:  # a staff map's reading (the first E-step): click by click, in chunks
        per_click = np.vstack([
            click_loglik(data.click_rows[start:start + CLICK_CHUNK],
                         data.excluded[start:start + CLICK_CHUNK].toarray() > 0, model)
            for start in range(0, len(data.click_rows), CLICK_CHUNK)] or [np.zeros((0, len(model.log_prior)))])
        out = np.asarray(data.clicks_of @ per_click).reshape(data.size, len(model.log_prior))
    else:
        out = data.choices @ log_choice
        if data.excluded.nnz:
            mass = np.asarray(data.excluded @ np.exp(log_choice))
            out -= data.clicks_of @ np.log1p(-np.minimum(mass, 1 - 1e-9))
    if data.removed.nnz:
        out += data.removed @ np.log(np.clip(-np.expm1(log_choice), 1e-12, 1.0))
    if model.text_yes.size:
        out += data.text_yes @ model.text_yes + data.text_no @ model.text_no
    out += data.shares[:, None] * model.share_yes + data.not_shared[:, None] * model.share_no
    configured = np.asarray(data.products.sum(axis=1)).ravel()
    if model.click_rate is not None:
        rate = configured[:, None] * model.click_rate
        out += np.where(configured[:, None] > 0, data.clicks[:, None] * np.log(model.click_rate) - rate, 0.0)
    if model.product_choice is not None:
        out += data.products @ model.product_choice
    if model.behaviour_yes is not None:
        out += data.behaviours[:, :, 0] @ model.behaviour_yes + data.behaviours[:, :, 1] @ model.behaviour_no
    return np.asarray(out)


def responsibilities(data: Stacked, model: Model) -> tuple[np.ndarray, float]:
    """(N, K) class probabilities and the total log-likelihood."""
    joint = batch_loglik(data, model) + model.log_prior
    top = joint.max(axis=1, keepdims=True)
    p = np.exp(joint - top)
    total = p.sum(axis=1, keepdims=True)
    return p / total, float((np.log(total) + top).sum())


def _log_norm(utility: np.ndarray, model: Model) -> np.ndarray:
    return np.vstack([_logsumexp(utility[model.option_product == p], axis=0)
                      for p in range(len(model.products))]) if len(model.products) else model.log_norm


def _fit_utilities(data: Stacked, resp: np.ndarray, mixing: np.ndarray, model: Model, anchor: Model,
                   strength: float) -> np.ndarray:
    """Per product and motivation, the option utilities maximizing the clicks' likelihood (each
    click among what was on offer at that moment) weighed by `resp`, minus strength/2 times the
    squared distance to the staff map's utilities. `resp` is per column of the model read with a
    secondary motivation; `mixing` (columns x motivations) says how each column's utilities mix
    the motivations' (the identity without one). Newton steps with the gradient of the exact
    objective and the Hessian of the plain logit, which each click's offer set is close to."""
    counts = np.asarray(data.choices.T @ resp)  # (G, C) weighted choices
    per_click = np.asarray(data.clicks_of.T @ resp)  # (E, C) each click's weight per column
    utility = model.utility.copy()
    columns, k = mixing.shape
    for _ in range(12):
        mixed = utility @ mixing.T  # (G, C)
        log_norm = _log_norm(mixed, model)
        share = np.exp(mixed - log_norm[model.option_product])  # (G, C) over the whole product
        mass = np.asarray(data.excluded @ share) if data.excluded.nnz else np.zeros((len(per_click), columns))
        scaled = per_click / (1 - np.minimum(mass, 1 - 1e-9))  # (E, C)
        offered = np.zeros((len(model.products), columns))
        np.add.at(offered, data.click_product, scaled)
        expected = share * (offered[model.option_product] - np.asarray(data.excluded.T @ scaled))
        grad = (counts - expected) @ mixing - strength * (utility - anchor.utility)
        largest = 0.0
        for p_index in range(len(model.products)):
            rows = model.option_product == p_index
            e = expected[rows]  # (n, C)
            totals = np.maximum(e.sum(axis=0), 1e-12)
            for m in range(k):
                a = mixing[:, m] ** 2
                hess = np.diag(e @ a) - (e * (a / totals)) @ e.T + strength * np.eye(len(e))
                step = np.linalg.solve(hess, grad[rows, m])
                utility[rows, m] += step
                largest = max(largest, float(np.abs(step).max(initial=0.0)))
        if largest < 1e-4:
            break
    return utility


def _rate(hits: np.ndarray, trials: np.ndarray, base: np.ndarray, strength: float) -> np.ndarray:
    return np.clip((hits + strength * base) / (trials + strength), 1e-4, 1 - 1e-4)


def m_step(data: Stacked, resp: np.ndarray, model: Model, anchor: Model, *, prior_strength: float,
           mixing: np.ndarray | None = None, mains: np.ndarray | None = None) -> Model:
    """The model (one class per motivation) that best explains the data given the probabilities
    `resp` of each column (see _fit_utilities). The rates and the prior take each column as its
    main motivation."""
    k = len(model.classes)
    mixing = np.eye(k) if mixing is None else mixing
    utility = _fit_utilities(data, resp, mixing, model, anchor, prior_strength)
    if mains is not None:  # each column's probability goes to its main motivation
        resp = resp @ (mains[:, None] == np.arange(k)).astype(float)
    log_norm = _log_norm(utility, model)
    yes = np.asarray(data.text_yes.T @ resp)
    no = np.asarray(data.text_no.T @ resp)
    text_p = _rate(yes, yes + no, np.exp(anchor.text_yes), 5.0) if yes.size else np.zeros((0, k))
    share_p = _rate(data.shares @ resp, (data.shares + data.not_shared) @ resp, np.exp(anchor.share_yes), 5.0)
    configured = np.asarray(data.products.sum(axis=1)).ravel()
    base_clicks = float(data.clicks.sum() / max(configured.sum(), 1.0))
    clicks = (data.clicks @ resp + 5.0 * base_clicks) / (configured @ resp + 5.0)
    chosen = np.asarray(data.products.T @ resp) + 1.0  # (P, K)
    happened, missed = data.behaviours[:, :, 0], data.behaviours[:, :, 1]  # (N, B)
    pooled = (happened.sum(axis=0) + 1) / (happened.sum(axis=0) + missed.sum(axis=0) + 2)  # (B,)
    behaviour_p = _rate(happened.T @ resp, (happened + missed).T @ resp, pooled[:, None], 5.0)  # (B, K)
    prior = resp.sum(axis=0) + 1.0
    return replace(
        model, utility=utility, log_norm=log_norm, log_prior=np.log(prior / prior.sum()),
        text_yes=np.log(text_p), text_no=np.log1p(-text_p), share_yes=np.log(share_p), share_no=np.log1p(-share_p),
        click_rate=clicks, product_choice=np.log(chosen / chosen.sum(axis=0, keepdims=True)),
        behaviour_yes=np.log(behaviour_p), behaviour_no=np.log1p(-behaviour_p),
        by_step=False,  # the utilities are now fitted as one logit over the product
    )


def em_step(data: Stacked, model: Model, anchor: Model, *, prior_strength: float = 1.0,
            secondary: float = 0.0) -> tuple[Model, float]:
    """One EM iteration: the improved model and the log-likelihood before it. With `secondary`,
    shoppers are read as a main motivation coloured by a second (choice_model.with_secondary),
    the way the learned map will read them."""
    if not secondary:
        resp, ll = responsibilities(data, model)
        return m_step(data, resp, model, anchor, prior_strength=prior_strength), ll
    read = with_secondary(model, secondary)
    resp, ll = responsibilities(data, read)
    k = len(model.classes)
    mixing = np.zeros((len(read.main_of), k))
    mixing[np.arange(len(read.main_of)), read.main_of] = 1.0
    seconds = np.array([j for _i in range(k) for j in range(k)])
    coloured = read.main_of != seconds
    mixing[coloured, read.main_of[coloured]] = 1 - secondary
    mixing[coloured, seconds[coloured]] = secondary
    return m_step(data, resp, model, anchor, prior_strength=prior_strength, mixing=mixing, mains=read.main_of), ll


def learned_params(model: Model, base: ModelParams) -> ModelParams:
    """A learned model as the parameters a map version stores."""
    classes = model.classes
    utilities = {}
    by_row = {row: key for key, row in model.option_row.items()}
    for row in range(len(model.utility)):
        utilities[option_key(*by_row[row])] = {c: round(float(v), 4) for c, v in zip(classes, model.utility[row],
                                                                                      strict=True)}
    text_rates = {step_key(*key): {c: round(float(np.exp(v)), 4) for c, v in zip(classes, model.text_yes[i],
                                                                                  strict=True)}
                  for i, key in enumerate(model.text_keys)}
    prior = np.exp(model.log_prior)
    return replace(
        base, utilities=utilities, text_rates=text_rates,
        share_rates={c: round(float(np.exp(v)), 4) for c, v in zip(classes, model.share_yes, strict=True)},
        click_rates={c: round(float(v), 4) for c, v in zip(classes, model.click_rate, strict=True)}
        if model.click_rate is not None else None,
        product_rates={c: {str(p): round(float(np.exp(model.product_choice[i, m])), 4)
                           for i, p in enumerate(model.products)} for m, c in enumerate(classes)}
        if model.product_choice is not None else None,
        prior={c: round(float(v), 4) for c, v in zip(classes, prior, strict=True)},
        behaviour_rates={b: {c: round(float(np.exp(model.behaviour_yes[i, m])), 4) for m, c in enumerate(classes)}
                         for i, b in enumerate(BEHAVIOURS)} if model.behaviour_yes is not None else None,
    )


def learned_weights(model: Model, sensitivity: float) -> dict[tuple[int, str, str, str], float]:
    """The learned utilities read back as map weights, for staff to review as a diff: per class,
    how far above the product's average an option's utility is, in units of `sensitivity`,
    squared (a map's weights pull by their square root, see choice_model), rounded to 0.05
    (below 0.05: no weight)."""
    out = {}
    by_row = {row: key for key, row in model.option_row.items()}
    for p_index in range(len(model.products)):
        rows = np.flatnonzero(model.option_product == p_index)
        centred = model.utility[rows] - model.utility[rows].mean(axis=0)
        for i, row in enumerate(rows):
            for m, code in enumerate(model.classes):
                w = round(max(float(centred[i, m]) / max(sensitivity, 1e-6), 0.0) ** 2 / 0.05) * 0.05
                if w >= 0.05:
                    out[(*by_row[row], code)] = round(w, 2)
    for i, key in enumerate(model.text_keys):
        odds = model.text_yes[i] - model.text_no[i]
        centred = odds - odds.mean()
        for m, code in enumerate(model.classes):
            w = round(max(float(centred[m]) / max(sensitivity, 1e-6), 0.0) ** 2 / 0.05) * 0.05
            if w >= 0.05:
                out[(*key, "", code)] = round(w, 2)
    return out


__all__ = ["Stacked", "batch_loglik", "em_step", "learned_params", "learned_weights", "posterior",
           "stack"]
