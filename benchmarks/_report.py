"""Shared by the benchmark scripts: a result row, and how run_all.py collects them.

Each script prints its own table for a person; when ``OLLM_BENCH_RESULTS`` names a file, it
also appends one JSON line per measured target there, which ``run_all.py`` gathers into a
single table.
"""

from __future__ import annotations

import json
import os
from typing import Any


def record(
    bench: str,
    measure: str,
    value: float,
    target: float,
    *,
    higher_is_better: bool = True,
    unit: str = "x",
) -> bool:
    """Record one figure against its target; returns whether the target is met."""
    met = value >= target if higher_is_better else value <= target
    path = os.environ.get("OLLM_BENCH_RESULTS")
    if path:
        row = {
            "bench": bench,
            "measure": measure,
            "value": value,
            "target": target,
            "op": ">=" if higher_is_better else "<=",
            "unit": unit,
            "met": met,
        }
        with open(path, "a", encoding="utf-8") as fh:  # noqa: PTH123 - plain append
            fh.write(json.dumps(row) + "\n")
    return met


def start_emulator_child(code: str, *args: str) -> tuple[Any, str]:
    """Run ``code`` (a script that serves the emulator and prints its URL) in a child
    process; return the process and the URL. Exits when no URL comes."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    url = child.stdout.readline().strip()
    if not url.startswith("http"):
        child.kill()
        raise SystemExit(f"the emulator did not start: {url!r}")
    return child, url
