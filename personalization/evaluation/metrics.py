"""Accuracy measures of predicted motivation probabilities against known main motivations.
Pure: arrays in, a plain dict out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BINS = 10


def evaluate(probabilities: np.ndarray, truth: np.ndarray, classes: Sequence[str]) -> dict:
    """`probabilities` (N, K) per shopper (rows sum to 1), `truth` (N,) class indexes.

    - accuracy: the most probable motivation is the main one; top-2 likewise;
    - macro-F1, and precision and recall per motivation (of the most probable);
    - confusion[true][predicted] counts;
    - mix bias: predicted share (the mean probability, as the mix report sums them) minus the
      true share, per motivation, in points;
    - expected calibration error: shoppers in 10 bins of their top probability, the mean gap
      between the top probability and how often it is right, weighted by bin size; with the
      reliability table behind it.
    """
    n, k = probabilities.shape
    predicted = probabilities.argmax(axis=1) if n else np.zeros(0, dtype=int)
    top2 = np.argsort(-probabilities, axis=1)[:, :2] if n else np.zeros((0, 2), dtype=int)
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (truth, predicted), 1)
    per_class, f1s = {}, []
    for i, code in enumerate(classes):
        tp = confusion[i, i]
        precision = tp / confusion[:, i].sum() if confusion[:, i].sum() else 0.0
        recall = tp / confusion[i].sum() if confusion[i].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[code] = {"precision": round(float(precision), 4), "recall": round(float(recall), 4),
                           "f1": round(float(f1), 4), "support": int(confusion[i].sum())}
    true_share = np.bincount(truth, minlength=k) / n if n else np.zeros(k)
    predicted_share = probabilities.mean(axis=0) if n else np.zeros(k)
    confidence = probabilities.max(axis=1) if n else np.zeros(0)
    correct = predicted == truth
    bins = np.minimum((confidence * BINS).astype(int), BINS - 1)
    reliability, ece = [], 0.0
    for b in range(BINS):
        inside = bins == b
        if inside.any():
            gap = abs(confidence[inside].mean() - correct[inside].mean())
            ece += inside.mean() * gap
            reliability.append({"low": b / BINS, "high": (b + 1) / BINS, "shoppers": int(inside.sum()),
                                "confidence": round(float(confidence[inside].mean()), 4),
                                "accuracy": round(float(correct[inside].mean()), 4)})
    bias = {code: round(float(100 * (predicted_share[i] - true_share[i])), 2) for i, code in enumerate(classes)}
    return {
        "shoppers": int(n),
        "accuracy": round(float(correct.mean()), 4) if n else 0.0,
        "top2": round(float((top2 == truth[:, None]).any(axis=1).mean()), 4) if n else 0.0,
        "macro_f1": round(float(np.mean(f1s)), 4),
        "per_motivation": per_class,
        "confusion": confusion.tolist(),
        "true_share": {code: round(float(100 * true_share[i]), 2) for i, code in enumerate(classes)},
        "predicted_share": {code: round(float(100 * predicted_share[i]), 2) for i, code in enumerate(classes)},
        "mix_bias": bias,
        "worst_bias": max((abs(v) for v in bias.values()), default=0.0),
        "ece": round(float(ece), 4),
        "reliability": reliability,
    }
