"""Where the time goes under load: a load test (bench/loadtest.py) with a sampling profiler on
every process, and the Celery task timings.

    .venv/bin/python bench/where_time_goes.py [--sample-seconds 40] [loadtest arguments ...]

It starts `bench/loadtest.py` with the given arguments (100 shoppers for 60 s by default),
waits until the load runs, then samples gunicorn's workers and the Celery worker's processes
with py-spy (a sampling profiler that attaches from outside: the code runs unchanged) for
`--sample-seconds`. When the load test ends it writes `where-time-goes.md` next to the load
test's logs (artifacts/load/<database>/): per process group, the share of samples in
Atelier's own functions and in the calls that usually dominate (drawing, JPEG, waiting on
PostgreSQL or Redis, templates), each inclusive (a function's share counts what it calls);
and per Celery task, how many ran and their median, p95 and total time, from the worker's log.
py-spy needs to be allowed to read other processes' memory (root, or
`kernel.yama.ptrace_scope=0`)."""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
PY_SPY = Path(sys.executable).with_name("py-spy")
# Frames worth naming besides Atelier's own code: (label, how the frame's function starts).
NAMED = (
    ("waiting on PostgreSQL", "Connection.wait"),
    ("PostgreSQL: connection health check", "DatabaseWrapper.is_usable"),
    ("waiting on Redis", "Connection.read_response"),
    ("Pillow: alpha_composite", "Image.alpha_composite"),
    ("Pillow: JPEG/PNG encode", "Image.save"),
    ("Pillow: convert/tint", "Image.convert"),
    ("Django templates", "Template.render"),
    ("Django ORM: compile SQL", "SQLCompiler.as_sql"),
    ("Django middleware and view dispatch", "BaseHandler._get_response"),
    ("Celery task", "build_tracer.<locals>.trace_task"),
)
OWN = ("configurator/", "personalization/", "atelier/")


def frames_of(line: str) -> tuple[list[str], int]:
    """One py-spy raw line: 'frame;frame;... count', each frame 'function (file:line)'."""
    stack, _, count = line.rstrip().rpartition(" ")
    return (stack.split(";") if stack else []), int(count or 0)


def summarize(raw: Path, top: int = 25) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(samples, named shares, Atelier functions by inclusive samples)."""
    total = 0
    named: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        frames, count = frames_of(line)
        if not frames:
            continue
        total += count
        seen_named, seen_own = set(), set()
        for frame in frames:
            function, _, where = frame.partition(" (")
            for label, start in NAMED:
                if function.startswith(start) and label not in seen_named:
                    named[label] += count
                    seen_named.add(label)
            # py-spy names a file under the working directory by its relative path, others in full.
            path = where.split(":")[0].removeprefix(str(ROOT) + "/")
            if path.startswith(OWN):
                name = f"{path}: {function}"
                if name not in seen_own:
                    own[name] += count
                    seen_own.add(name)
    return total, [(label, named[label]) for label, _ in NAMED if named[label]], own.most_common(top)


def task_timings(worker_log: Path) -> list[tuple[str, int, float, float, float]]:
    """(task, runs, p50 s, p95 s, total s) from the worker's 'succeeded in' lines."""
    runs: dict[str, list[float]] = defaultdict(list)
    pattern = re.compile(r"Task (\S+)\[[^\]]+\] succeeded in ([0-9.]+)s")
    for line in worker_log.read_text(errors="replace").splitlines() if worker_log.exists() else []:
        match = pattern.search(line)
        if match:
            runs[match.group(1)].append(float(match.group(2)))
    out = []
    for task, seconds in sorted(runs.items(), key=lambda item: -sum(item[1])):
        seconds.sort()
        out.append((task, len(seconds), statistics.median(seconds), seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))],
                    sum(seconds)))
    return out


def pg_statements(database: str, *, reset: bool = False, top: int = 15) -> list[tuple] | None:
    """PostgreSQL's own view of the load (pg_stat_statements in the load's database): with `reset`,
    start counting; else the `top` statements by total time as (calls, total ms, mean ms, share
    of all statement time, query). None when the server does not load the extension (it must be
    in shared_preload_libraries, which takes a restart: README, "Where the time goes")."""
    import psycopg

    try:
        with psycopg.connect(f"{PG}/{database}", autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            if reset:
                conn.execute("SELECT pg_stat_statements_reset()")
                return []
            return conn.execute(
                "SELECT calls, total_exec_time, mean_exec_time, "
                "total_exec_time / NULLIF(sum(total_exec_time) OVER (), 0), query "
                "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "ORDER BY total_exec_time DESC LIMIT %s", [top]).fetchall()
    except psycopg.Error:
        return None


def statement_rows(rows: list[tuple]) -> list[str]:
    """The Markdown table of `pg_statements`."""
    lines = ["| statement | calls | total ms | mean ms | share |", "|---|---|---|---|---|"]
    for calls, total, mean, share, query in rows:
        text = " ".join(query.split())
        text = (text[:140] + " …" if len(text) > 140 else text).replace("|", "\\|")
        lines.append(f"| `{text}` | {calls} | {total:.0f} | {mean:.2f} | {100 * (share or 0):.1f}% |")
    return lines


def pid_of(pattern: str) -> str | None:
    found = subprocess.run(["pgrep", "-o", "-f", pattern], capture_output=True, text=True).stdout.split()
    return found[0] if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample-seconds", type=int, default=40)
    parser.add_argument("--rate", type=int, default=50, help="samples per second per process")
    args, loadtest_args = parser.parse_known_args(argv)
    if not PY_SPY.exists() and not shutil.which("py-spy"):
        print("where_time_goes: py-spy is missing (make dev-deps installs it)")
        return 2
    spy = str(PY_SPY if PY_SPY.exists() else shutil.which("py-spy"))
    database = next((loadtest_args[i + 1] for i, a in enumerate(loadtest_args[:-1]) if a == "--database"),
                    "atelier_load")
    files = ROOT / "artifacts" / "load" / database
    output = Path("/tmp") / f"where-time-goes-{database}.log"
    with output.open("w") as log:
        load = subprocess.Popen([sys.executable, str(ROOT / "bench" / "loadtest.py"), *loadtest_args],
                                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        while load.poll() is None and "locust:" not in output.read_text():
            time.sleep(0.5)
        time.sleep(10)  # past the ramp-up
        counting = pg_statements(database, reset=True) is not None
        groups = {"web": pid_of("gunicorn bench.stack:wsgi_app"), "worker": pid_of("celery -A atelier worker")}
        samplers = {
            name: subprocess.Popen([spy, "record", "--pid", pid, "--subprocesses", "--nonblocking", "--format", "raw",
                                    "--rate", str(args.rate), "--duration", str(args.sample_seconds),
                                    "--output", str(Path("/tmp") / f"spy-{database}-{name}.txt")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in groups.items() if pid
        }
        for sampler in samplers.values():
            sampler.wait()
        statements = pg_statements(database) if counting else None  # before the load test drops the database
        code = load.wait()
    sys.stdout.write(output.read_text())
    lines = [f"# Where the time goes: `bench/where_time_goes.py {' '.join(loadtest_args)}`", "",
             f"py-spy, {args.rate} samples a second per process for {args.sample_seconds} s while the load ran "
             "(idle time not counted). Shares are inclusive: a function counts what it calls.", ""]
    for name in samplers:
        raw = Path("/tmp") / f"spy-{database}-{name}.txt"
        if not raw.exists():
            lines += [f"## {name}: no samples", ""]
            continue
        total, named, own = summarize(raw)
        shutil.copy(raw, files / f"py-spy-{name}.txt")
        lines += [f"## {name} ({total} samples)", "", "| where | share |", "|---|---|"]
        lines += [f"| {label} | {100 * n / max(total, 1):.1f}% |" for label, n in named]
        lines += ["", "| Atelier's function | share |", "|---|---|"]
        lines += [f"| `{function}` | {100 * n / max(total, 1):.1f}% |" for function, n in own]
        lines.append("")
    lines += ["## PostgreSQL statements (pg_stat_statements, the same seconds)", ""]
    lines += statement_rows(statements) if statements is not None else [
        "Not counted: this PostgreSQL does not load pg_stat_statements (see the README)."]
    lines += ["", "## Celery tasks (worker log)", "", "| task | runs | p50 s | p95 s | total s |", "|---|---|---|---|---|"]
    lines += [f"| {task} | {runs} | {p50:.3f} | {p95:.3f} | {total:.1f} |"
              for task, runs, p50, p95, total in task_timings(files / "worker.log")]
    report = "\n".join(lines) + "\n"
    (files / "where-time-goes.md").write_text(report)
    print(report)
    return code


if __name__ == "__main__":
    sys.exit(main())
