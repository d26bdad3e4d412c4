"""The render benchmarks alone (previews, the social card and the pictures for every network):
`.venv/bin/python bench/render_alone.py [--builds N]`. ATELIER_BENCH_DB names another database
than the shared atelier_bench (say, for a branch whose migrations that one must not get)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import server
from bench.run import setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builds", type=int, default=40)
    args = parser.parse_args()
    env, _stack = server.stack_env()
    setup_django(env)
    server.prepare(env)
    from bench import render

    render.reset_rendered()
    for result in render.run(builds=args.builds):
        print(result.line(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
