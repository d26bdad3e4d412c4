"""The cost-curve harness (bench/scale.py, `make bench-scale`) at two small sizes: every step runs
and is checked against what it must have done, and the growth exponents and the report come
out. No timing is asserted: at these sizes the times are noise."""

from __future__ import annotations

import math

import pytest

from bench import scale


def test_exponent_is_the_slope_of_log_time_against_log_size():
    assert scale.exponent([1_000, 10_000, 100_000], [0.01, 0.1, 1.0]) == pytest.approx(1.0)
    assert scale.exponent([1_000, 10_000, 100_000], [0.5, 0.5, 0.5]) == pytest.approx(0.0)
    assert scale.exponent([1_000, 10_000], [0.01, 1.0]) == pytest.approx(2.0)
    assert scale.exponent([1_000], [1.0]) is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_harness_measures_every_step_at_two_sizes(settings, demo_layer_cache, tmp_path, monkeypatch):
    from personalization.models import Event, Shopper
    from personalization.reports import REPORTS
    from personalization.services.motivations import motivation_map_seed
    from tests.conftest import seed_demo_reusing_art

    settings.ATELIER_RATELIMIT_ENABLED = False
    # Less fixed work per step than `make bench-scale` does, to stay within CI's budget.
    for name, value in (("API_BATCHES", 2), ("CLICKS", 10), ("STALE", 20), ("REPORT_RUNS", 1), ("ERASURES", 2)):
        monkeypatch.setattr(scale, name, value)
    seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)
    motivation_map_seed()
    results = []
    for events in (2_000, 20_000):
        Event.objects.all().delete()
        Shopper.objects.all().delete()
        results.append(scale.measure(events=events, shoppers=events // 10, rescore_budget=2.0))
    small, large = results
    expected = {"api ingest", "click path", "profile sweep", "rescore history", "segment materialize",
                "marketing export", "rollup refresh", "retention purge", "erasure of one shopper",
                *(f"report: {slug}" for slug in REPORTS)}  # every admin report
    assert set(small.steps) == set(large.steps) == expected
    assert all(step.seconds > 0 and math.isfinite(step.seconds) for r in results for step in r.steps.values())
    path = scale.write(results, "test run", directory=tmp_path)
    text = path.read_text()
    assert "| 2,000 events / 200 shoppers | 20,000 events / 2,000 shoppers | exponent |" in text
    row = next(line for line in text.splitlines() if line.startswith("| erasure of one shopper |"))
    assert row.count("|") == 6 and "target 50 ms" in row
    assert not [line for line in text.splitlines() if line.startswith("| report: ") and "| — |" in line]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_filled_database_is_measured_again_without_filling(settings, demo_layer_cache, monkeypatch):
    """--reuse: the same seed names the same shoppers as the fill wrote, so the steps find them."""
    from bench import scale_fill
    from personalization.models import Event, Shopper
    from personalization.services.motivations import motivation_map_seed
    from tests.conftest import seed_demo_reusing_art

    settings.ATELIER_RATELIMIT_ENABLED = False
    monkeypatch.setattr(scale, "ERASURES", 2)
    seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)
    motivation_map_seed()
    wrote = scale_fill.fill(events=2_000, shoppers=200)
    again = scale_fill.filled(shoppers=200)
    assert again["people"] == wrote["people"] and again["events"] == Event.objects.count() == 2_000
    result = scale.measure(events=2_000, shoppers=200, only=("erasure",), reuse=True)
    assert result.fill_seconds == 0 and set(result.steps) == {"erasure of one shopper"}
    assert not Shopper.objects.filter(pk__in=[sid for sid, _m in wrote["people"][2:4]]).exists()  # erased
    with pytest.raises(RuntimeError, match="fill it first"):
        scale_fill.filled(shoppers=5_000)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_report_benchmark_fills_by_copy_and_times_the_mix_report(settings, demo_layer_cache):
    """`make bench`'s motivation-report row (bench/reports_bench.py) at a small size: the COPY
    fill must match the tables as migrated (a new NOT NULL column broke it once unnoticed)."""
    from bench import reports_bench
    from personalization.models import Shopper
    from personalization.services.motivations import motivation_map_seed
    from tests.conftest import seed_demo_reusing_art

    seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)
    motivation_map_seed()
    [result] = reports_bench.run(events=20_000, runs=1)
    assert "not run" not in result.note and "20,000 events" in result.note
    assert result.measured > 0 and math.isfinite(result.measured)
    assert not Shopper.objects.filter(language=reports_bench.MARKER).exists()  # cleaned up after
