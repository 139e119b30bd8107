"""The inventory's rules stay pure: no event loop, no HTTP, no bus, not even lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ollm_actors" / "inventory"
PURE = ("rules", "hoststate", "pending")
FORBIDDEN = ("anyio", "httpx", "pyee", "trio", "sniffio")


def imported(path: Path) -> set[str]:
    """Every module an ``import`` anywhere in ``path`` names (functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_imports_no_async_or_network_library(module: str) -> None:
    found = {name for name in imported(PACKAGE / f"{module}.py") if name.split(".")[0] in FORBIDDEN}
    assert found == set()


def test_importing_the_rules_loads_none_of_them() -> None:
    modules = ", ".join(f"ollm_actors.inventory.{m}" for m in PURE)
    code = (
        f"import sys, {modules}\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parents[1],
    )
    assert out.stdout.strip() == "[]"
