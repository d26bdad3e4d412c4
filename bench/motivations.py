"""#10: the motivation reading's accuracy against the Bayes-optimal ceiling, before and after the
map-learning job, its mix bias and calibration, and the profile recompute time. Runs
`manage.py evaluate_motivations` on a throwaway SQLite database with in-process tasks (it adds
simulated shoppers and map versions), seeded so a run is repeatable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import BENCH_SECRET_KEY, ROOT, Result

SERVICES = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def run(*, shoppers: int, seed: int = 1) -> tuple[list[Result], str]:
    """(results for the table, the Markdown section with every figure)."""
    with tempfile.TemporaryDirectory(prefix="atelier-eval-") as folder:
        env = {k: v for k, v in os.environ.items() if k not in SERVICES}
        env.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
        env.update(DJANGO_SETTINGS_MODULE="atelier.settings", DATABASE_URL=f"sqlite:///{folder}/eval.sqlite3",
                   MEDIA_ROOT=f"{folder}/media")
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"], ["seed_personalization"]):
            subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        out = Path(folder)
        subprocess.run([*manage, "evaluate_motivations", "--shoppers", str(shoppers), "--seed", str(seed),
                        "--json", str(out / "r.json"), "--markdown", str(out / "r.md")],
                       env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        results = json.loads((out / "r.json").read_text())
        section = (out / "r.md").read_text()
    from personalization.evaluation.report import target_rows

    rows = []
    for label, value, target, ok in target_rows(results):
        rows.append(Result(10, label, float(value), "", None, None, target, ok,
                           f"({results['scored_shoppers']} simulated shoppers, seed {seed})"))
    return rows, section
