"""The router's rules import without an event loop library, an HTTP client or pyee."""

from __future__ import annotations

import subprocess
import sys

import pytest

RULES = (
    "candidate",
    "candidates_from",
    "scoring",
    "_fast",
    "ranking",
    "outcome",
    "build_decision",
    "no_model",
    "disabled",
    "search",
    "select",
    "decision",
)


@pytest.mark.parametrize("module", RULES)
def test_rules_import_without_anyio_httpx_or_pyee(module: str) -> None:
    code = (
        f"import sys, ollm_actors.routing.{module}; "
        "print(sorted(m for m in ('anyio', 'httpx', 'pyee', 'trio') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
