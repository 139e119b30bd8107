"""Shared by the benchmark scripts: a result row, and how run_all.py collects them.

Each script prints its own table for a person; when ``OLLM_BENCH_RESULTS`` names a file, it
also appends one JSON line per measured target there, which ``run_all.py`` gathers into a
single table.
"""

from __future__ import annotations

import json
import os


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
