"""The evaluation's results as Markdown, for bench/REPORT.md."""

from __future__ import annotations

# How the models are listed: the staff map's reading first, the ceiling (the reference) last.
MODEL_ORDER = ("choice model, roughly-right map", "old tag sum, roughly-right map", "choice model, exact map",
               "choice model, learned map", "ceiling (Bayes-optimal)")

TARGETS = (
    # (label, model, measure, target text, check)
    ("top-1 accuracy, roughly-right map", "choice model, roughly-right map", "of_ceiling", ">= 0.90 of the ceiling",
     lambda v: v >= 0.90),
    ("top-1 accuracy after the map-learning job", "choice model, learned map", "of_ceiling", ">= 0.97 of the ceiling",
     lambda v: v >= 0.97),
)


def target_rows(results: dict) -> list[tuple[str, float, str, bool]]:
    """(measure, value, target, met) for the issue's targets."""
    models = results["models"]
    rows = [(label, models[model][measure], target, check(models[model][measure]))
            for label, model, measure, target, check in TARGETS if model in models]
    for model in [m for m in ("choice model, roughly-right map", "choice model, learned map") if m in models]:
        rows.append((f"mix bias, worst motivation, {model} (points)", models[model]["worst_bias"], "<= 3",
                     models[model]["worst_bias"] <= 3))
        rows.append((f"expected calibration error, {model}", models[model]["ece"], "<= 0.05", models[model]["ece"] <= 0.05))
    for key, label in (("timing", "profile recompute, 200 events, p99 (ms)"),
                       ("timing_staff", "profile recompute, 200 events, staff map, p99 (ms)")):
        if key in results:
            p99 = results[key]["p99_ms"]
            rows.append((label, p99, "<= 2", p99 <= 2))
    return rows


def markdown(results: dict) -> str:
    s = results["settings"]
    classes = results["classes"]
    lines = [
        "## Motivation accuracy (`manage.py evaluate_motivations`)",
        "",
        f"{results['scored_shoppers']} simulated shoppers with personalization consent (of {s['shoppers']}; seed "
        f"{s['seed']}). Staff map: the true tags with lognormal noise sigma {s['sigma']}, {s['drop']:.0%} of the tags "
        f"dropped and {s['wrong']} wrong tags. Ceiling: the Bayes-optimal classifier under the true generative model "
        f"({s['samples']} prior samples per leading motivation).",
        "",
        "| model | top-1 | of ceiling | top-2 | macro-F1 | worst mix bias (points) | ECE |",
        "|---|---|---|---|---|---|---|",
    ]
    models = {name: results["models"][name] for name in MODEL_ORDER if name in results["models"]}
    for name, m in models.items():
        lines.append(f"| {name} | {m['accuracy']:.3f} | {m['of_ceiling']:.3f} | {m['top2']:.3f} | {m['macro_f1']:.3f} | "
                     f"{m['worst_bias']:.1f} | {m['ece']:.3f} |")
    lines += ["", "Mix bias per motivation (predicted share minus true share, points):", "",
              "| model | " + " | ".join(classes) + " |", "|---|" + "---|" * len(classes)]
    models = {name: results["models"][name] for name in MODEL_ORDER if name in results["models"]}
    for name, m in models.items():
        lines.append(f"| {name} | " + " | ".join(f"{m['mix_bias'][c]:+.1f}" for c in classes) + " |")
    for name in [n for n in ("choice model, roughly-right map", "choice model, learned map") if n in results["models"]]:
        m = results["models"][name]
        lines += ["", f"Per motivation, {name}:", "", "| motivation | precision | recall | F1 | shoppers |",
                  "|---|---|---|---|---|"]
        lines += [f"| {c} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
                  for c, v in m["per_motivation"].items()]
        lines += ["", f"Confusion (rows: true, columns: predicted), {name}:", "",
                  "| true \\ predicted | " + " | ".join(classes) + " |", "|---|" + "---|" * len(classes)]
        lines += [f"| {c} | " + " | ".join(str(n) for n in row) + " |" for c, row in zip(classes, m["confusion"],
                                                                                      strict=True)]
    t = results["timing"]
    lines += ["", f"Profile recompute (pure core), {t['events']} events: p50 {t['p50_ms']} ms, p99 {t['p99_ms']} ms "
                  f"over {t.get('runs', 0)} runs. The refresh after a click (the stored running profile of "
                  f"{t['events'] - 1} events read, one new event folded in, stored again): p50 "
                  f"{t.get('refresh_p50_ms', '-')} ms, p99 {t.get('refresh_p99_ms', '-')} ms."
                  + (_staff_timing(results["timing_staff"]) if "timing_staff" in results else ""),
              "", "| target | measured | target | met |", "|---|---|---|---|"]
    lines += [f"| {label} | {value:.3f} | {target} | {'yes' if ok else '**no**'} |"
              for label, value, target, ok in target_rows(results)]
    return "\n".join(lines) + "\n"


def _staff_timing(t: dict) -> str:
    return (f" With the staff map (read by step) instead: recompute p50 {t['p50_ms']} ms, p99 {t['p99_ms']} ms; "
            f"refresh p50 {t['refresh_p50_ms']} ms, p99 {t['refresh_p99_ms']} ms.")
