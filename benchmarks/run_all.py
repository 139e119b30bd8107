"""Run every benchmark and print one table of figures against their targets.

Usage: ``python benchmarks/run_all.py [--verbose] [NAME ...]`` where NAME is e.g. ``wire``
(default: all ``bench_*.py`` beside this file). Each benchmark runs in its own process, one
after another, so none competes with another for the two cores. Exit status 0 even when a
target is missed: the table says which; a benchmark that crashes makes the exit status 1.
``bench_startup.py`` builds a venv without the dev extras on its first run (cached after).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The exact sizes, which a single script run leaves behind a flag to stay short.
EXTRA_ARGS: dict[str, list[str]] = {"bench_pull.py": ["--full"]}


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    crashed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.jsonl"
        env = dict(os.environ, OLLM_BENCH_RESULTS=str(results))
        for script in scripts:
            started = time.perf_counter()
            print(f"running {script.name} ...", file=sys.stderr, flush=True)
            proc = subprocess.run(
                [sys.executable, str(script), *EXTRA_ARGS.get(script.name, [])],
                env=env,
                capture_output=True,
                text=True,
            )
            took = time.perf_counter() - started
            if verbose or proc.returncode:
                sys.stderr.write(proc.stdout + proc.stderr)
            if proc.returncode:
                crashed.append(script.name)
            print(f"  done in {took:.1f} s", file=sys.stderr, flush=True)
        rows = [json.loads(line) for line in results.read_text().splitlines()] if (
            results.exists()
        ) else []
    print("| benchmark | measure | figure | target | met |")
    print("|---|---|---|---|---|")
    for row in rows:
        unit = row["unit"]
        value = f"{row['value']:.2f}{unit}" if unit == "x" else f"{row['value']:.1f} {unit}"
        target = f"{row['op']} {row['target']:g}{unit if unit == 'x' else ' ' + unit}"
        print(
            f"| {row['bench']} | {row['measure']} | {value} | {target} | "
            f"{'yes' if row['met'] else 'NO'} |"
        )
    met = sum(1 for r in rows if r["met"])
    print(f"\n{met} of {len(rows)} targets met", end="")
    print(f"; crashed: {', '.join(crashed)}" if crashed else "")
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
