"""Side by side: this tree's benchmarks against another commit's, run alternately in one go.

The other commit is checked out into a temporary git worktree and run with the same Python (its
own folder first on ``PYTHONPATH``, so it imports its own code whatever its package layout). Each
benchmark runs ``--rounds`` times per side, alternating sides so that machine noise hits both;
the best run of each side counts (the fastest is the least disturbed one). A figure's direction
comes from its unit: per-second figures are better higher, ``ms`` figures lower.

    python bench/compare.py --base c6c52d5 --rounds 3

The last line is ``compare: worst change +X.X % (name)``, negative when something got slower.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(r"^(?P<name>[\w-]+): (?P<value>[\d.]+) (?P<unit>\S+)")
DEFAULT_BENCHES = ("engine.py", "lp_engine.py", "backtest_lp.py")


def run(script: Path, tree: Path) -> tuple[float, str]:
    """Run one benchmark script of ``tree``; return its headline figure and unit."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tree, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{script} failed in {tree}:\n{done.stderr[-2000:]}")
    last = done.stdout.strip().splitlines()[-1]
    match = FIGURE.match(last)
    if match is None:
        raise SystemExit(f"{script}: expected 'name: value unit' on the last line, got {last!r}")
    return float(match["value"]), match["unit"]


def better(unit: str) -> int:
    """+1 when a higher figure is better, -1 when lower is."""
    return -1 if unit.startswith("ms") else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="c6c52d5", help="the commit to compare against")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("benches", nargs="*", default=list(DEFAULT_BENCHES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base_tree = Path(scratch) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base_tree), args.base],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            rows = []
            for name in args.benches:
                best: dict[str, float] = {}
                unit = ""
                for round_ in range(args.rounds):
                    sides = [("base", base_tree), ("here", ROOT)]
                    for side, tree in sides if round_ % 2 == 0 else reversed(sides):
                        value, unit = run(tree / "bench" / name, tree)
                        pick = max if better(unit) > 0 else min
                        best[side] = pick(best.get(side, value), value)
                change = better(unit) * (best["here"] / best["base"] - 1) * 100
                rows.append((name, best["base"], best["here"], unit, change))
                print(
                    f"{name:<16} {args.base}: {best['base']:>12,.1f}   this tree: "
                    f"{best['here']:>12,.1f} {unit:<10} {change:+.1f} %",
                    flush=True,
                )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_tree)],
                cwd=ROOT,
                capture_output=True,
            )
    worst = min(rows, key=lambda row: row[4])
    print(f"compare: worst change {worst[4]:+.1f} % ({worst[0]})")


if __name__ == "__main__":
    main()
