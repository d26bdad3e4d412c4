"""The profile summary of bench/where_time_goes.py: py-spy's raw stacks and the worker's task
lines read back into shares and timings."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from where_time_goes import summarize, task_timings  # noqa: E402


def test_shares_are_inclusive_and_counted_once_per_stack(tmp_path):
    own = f"{ROOT}/configurator/previews.py"
    raw = tmp_path / "web.txt"
    raw.write_text(
        f"handle (sync.py:1);preview_fetch ({own}:240);render_preview ({own}:119);Image.alpha_composite (Image.py:9) 6\n"
        f"handle (sync.py:1);preview_fetch ({own}:240);Cursor.execute (c.py:1);Connection.wait (c.py:2) 3\n"
        f"handle (sync.py:1);f ({own}:1);f ({own}:1) 1\n"  # recursion counts once
        # py-spy writes files under the working directory relative; a library's own "atelier/" is not ours
        "trace_task (celery/app/trace.py:1);social_card_render (configurator/tasks.py:54) 2\n"
        "run (/usr/lib/python3/site-packages/atelier/x.py:1) 1\n"
    )
    total, named, own_functions = summarize(raw)
    assert total == 13
    assert dict(named) == {"Pillow: alpha_composite": 6, "waiting on PostgreSQL": 3}
    shares = dict(own_functions)
    assert shares["configurator/previews.py: preview_fetch"] == 9
    assert shares["configurator/previews.py: render_preview"] == 6
    assert shares["configurator/previews.py: f"] == 1
    assert shares["configurator/tasks.py: social_card_render"] == 2
    assert not any("site-packages" in name for name in shares)


def test_task_timings_come_from_the_worker_log(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text("\n".join([
        "[x: INFO/ForkPoolWorker-1] Task personalization.profile_recompute[a1] succeeded in 0.010s: {}",
        "[x: INFO/ForkPoolWorker-2] Task personalization.profile_recompute[a2] succeeded in 0.030s: {}",
        "[x: INFO/ForkPoolWorker-1] Task configurator.social_card_render[b1] succeeded in 0.900s: []",
        "[x: INFO/MainProcess] Task personalization.profile_recompute[a3] received",
    ]))
    rows = task_timings(log)
    assert [row[0] for row in rows] == ["configurator.social_card_render", "personalization.profile_recompute"]
    _task, runs, p50, p95, total = rows[1]
    assert (runs, round(p50, 3), round(p95, 3), round(total, 3)) == (2, 0.02, 0.03, 0.04)
    assert task_timings(tmp_path / "missing.log") == []


def test_statements_table_keeps_one_line_per_statement_and_escapes_pipes():
    from where_time_goes import statement_rows

    lines = statement_rows([(120, 480.0, 4.0, 0.6, "SELECT a\n  FROM t WHERE x = $1 OR b || c"),
                            (3, 12.5, 4.17, None, "UPDATE " + "x" * 200)])
    assert lines[2] == "| `SELECT a FROM t WHERE x = $1 OR b \\|\\| c` | 120 | 480 | 4.00 | 60.0% |"
    assert lines[3].endswith(" …` | 3 | 12 | 4.17 | 0.0% |") and len(lines) == 4
