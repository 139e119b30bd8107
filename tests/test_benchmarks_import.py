"""Every benchmark script still imports: a reshape that moves a module must move its
benchmarks too (ruff cannot see an import of a name that no longer exists)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_imports(script: str) -> None:
    code = f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import {script}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLM_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
