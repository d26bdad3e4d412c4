"""#11: personal-text moderation on its corpus (configurator/moderation/corpus/): the share of
disguised rude texts let through (target <= 2%), of innocent look-alikes refused (target: none)
and of plain rude texts let through, per language, with the default word lists that `seed_demo`
installs; and the time one check takes. Pure Python: no database, no stack."""

from __future__ import annotations

import time

from bench.common import Result, median, percentile


def run(*, repeats: int = 20) -> tuple[list[Result], str]:
    """(results for the table, a Markdown section naming every miss and false refusal)."""
    from configurator.moderation.corpus import (
        LANGUAGES,
        MAX_DISGUISED_MISS_RATE,
        MAX_INNOCENT_REFUSAL_RATE,
        evaluate,
        load,
    )
    from configurator.moderation.defaults import default_lists
    from configurator.moderation.matching import Matcher, readings

    started = time.perf_counter()
    matcher = Matcher(default_lists())
    build_ms = (time.perf_counter() - started) * 1000
    rows: list[Result] = []
    lines = ["## Personal-text moderation (`configurator/moderation/corpus/`)", "",
             "| language | rude | disguised | innocent | rude let through | disguised let through | innocent refused |",
             "|---|---|---|---|---|---|---|"]
    misses = []
    timings: list[float] = []
    for language in LANGUAGES:
        rates = evaluate(matcher, language)
        n = rates.counts
        rows += [
            Result(11, f"moderation {language}: disguised rude texts let through", rates.disguised_miss_rate * 100, "%",
                   None, None, f"<= {MAX_DISGUISED_MISS_RATE * 100:g}%",
                   rates.disguised_miss_rate <= MAX_DISGUISED_MISS_RATE,
                   f"({len(rates.missed_disguised)} of {n['disguised']})"),
            Result(11, f"moderation {language}: innocent look-alikes refused", rates.false_refusal_rate * 100, "%",
                   None, None, f"<= {MAX_INNOCENT_REFUSAL_RATE * 100:g}% (none)",
                   rates.false_refusal_rate <= MAX_INNOCENT_REFUSAL_RATE,
                   f"({len(rates.refused_innocent)} of {n['innocent']})"),
            Result(11, f"moderation {language}: plain rude texts let through", rates.rude_miss_rate * 100, "%",
                   None, None, "reported", True, f"({len(rates.missed_rude)} of {n['rude']})"),
        ]
        lines.append(f"| {language} | {n['rude']} | {n['disguised']} | {n['innocent']} | {len(rates.missed_rude)} | "
                     f"{len(rates.missed_disguised)} ({rates.disguised_miss_rate:.1%}) | "
                     f"{len(rates.refused_innocent)} ({rates.false_refusal_rate:.1%}) |")
        misses += [f"- {language}, let through: `{text}`" for text in (*rates.missed_rude, *rates.missed_disguised)]
        misses += [f"- {language}, refused: `{text}` (read as `{hit.read_as}`, blocked `{hit.entry}`)"
                   for text, hit in rates.refused_innocent]
        texts = [text for kind in load(language).values() for text in kind]
        for _ in range(repeats):
            for text in texts:
                readings.cache_clear()  # each check from scratch, as a new keystroke is
                t = time.perf_counter()
                matcher.refuses(text)
                timings.append((time.perf_counter() - t) * 1000)
    p50, p99 = median(timings), percentile(timings, 99)
    rows.append(Result(11, "moderation: one check p99", p99, "ms", None, None, "reported", True,
                       f"(p50 {p50:.3f} ms over {len(timings)} checks; lists compiled in {build_ms:.0f} ms)"))
    lines += ["", "What the matcher gets wrong on the corpus:" if misses else "Nothing in the corpus is misread.", "",
              *misses, ""]
    return rows, "\n".join(lines)
