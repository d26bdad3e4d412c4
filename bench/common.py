"""Shared pieces of the benchmarks: results, percentiles and the report."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Benchmark processes run with DEBUG off, which needs a SECRET_KEY; this one signs nothing that
# outlives a benchmark run (a key set in the environment wins).
BENCH_SECRET_KEY = "atelier-benchmarks-only-not-a-secret-5d0c8e7a1f3b4962"  # noqa: S105


@dataclass
class Result:
    issue: int
    name: str
    measured: float
    unit: str
    baseline: float | None  # the limit measured in the same run (None: an absolute target)
    ratio: float | None
    target: str
    ok: bool
    note: str = ""

    def line(self) -> str:
        ratio = f"ratio {self.ratio:.2f}" if self.ratio is not None else ""
        base = f"baseline {self.baseline:.3f} {self.unit}" if self.baseline is not None else ""
        verdict = "OK  " if self.ok else "MISS"
        parts = [p for p in (f"{self.measured:.3f} {self.unit}", base, ratio) if p]
        return f"[{verdict}] #{self.issue} {self.name}: {', '.join(parts)} (target {self.target}) {self.note}".rstrip()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def write_report(results: list[Result], path: Path, header: str, details: str = "") -> None:
    lines = [
        "# Benchmark report",
        "",
        header,
        "",
        "| issue | benchmark | measured | limit measured in the same run | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        base = f"{r.baseline:.3f} {r.unit}" if r.baseline is not None else "—"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        lines.append(
            f"| #{r.issue} | {r.name} | {r.measured:.3f} {r.unit} | {base} | {ratio} | {r.target} | "
            f"{'yes' if r.ok else '**no**'} {r.note} |"
        )
    path.write_text("\n".join(lines) + "\n" + (f"\n{details}" if details else "") + _included())


# Sections measured by the long runs outside `make bench` (`make capacity`, `make bench-scale`):
# each writes bench/results/<name>.md, and the report keeps the latest of each below this line.
INCLUDED = "<!-- Below: the latest sections from bench/results/ (make capacity, make bench-scale). -->"


def _included() -> str:
    sections = sorted((ROOT / "bench" / "results").glob("*.md"))
    return f"\n{INCLUDED}\n\n" + "\n".join(p.read_text() for p in sections) if sections else ""


def report_sections_refresh(path: Path) -> None:
    """Replace the included sections of an existing report with the latest ones."""
    text = path.read_text() if path.exists() else "# Benchmark report\n"
    path.write_text(text.split(f"\n{INCLUDED}")[0].rstrip("\n") + "\n" + _included())
