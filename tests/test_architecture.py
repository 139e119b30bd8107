"""The package's shape, held by tests (README, "Architecture").

Every import counts: module level, inside functions, under ``TYPE_CHECKING``, and the
module names of lazy-export tables (any string constant that names one of our modules).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ollm_actors"

#: the layers, lowest first: a part may import only the parts before it (and itself)
LAYERS: tuple[str, ...] = (
    "errors",
    "vocab",
    "actors",
    "ollama",
    "config",
    "state",
    "inventory",
    "limits",
    "downloads",
    "routing",
    "service",
    "runtime",
    "testing",
    "",  # the public face, ollm_actors/__init__.py
    "cli",
    "__main__",
)
#: the emulator stands apart: it imports nothing of ours but errors
EMULATOR = "emulator"
#: each actor's pure rules (no anyio, httpx or pyee), beside its protocol and its actor
ACTOR_RULES: dict[str, tuple[str, ...]] = {
    "inventory": (
        "cache", "health", "hoststate", "pending", "rules", "snapshots", "store", "types",
    ),
    "limits": ("budget", "resolve", "tokens"),
    "downloads": ("progress", "result"),
    "routing": (
        "_fast",
        "build_decision",
        "candidate",
        "candidates_from",
        "decision",
        "disabled",
        "no_model",
        "outcome",
        "ranking",
        "scoring",
        "search",
        "select",
        "shared_cooldowns",
    ),
}
ACTOR_PACKAGES = tuple(ACTOR_RULES)
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def part_of(module: str) -> str:
    """The layer a module belongs to: ``ollm_actors.routing.select`` is in ``routing``."""
    rest = module.split(".")[1:]
    return rest[0] if rest else ""


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """(imported module of ours, line) for every import in ``module``, wherever it is."""
    known = modules()
    path = known[module]
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path.name == "__init__.py", node)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            targets = [node.value]
        for target in targets:
            if target in known and target != module:
                yield target, getattr(node, "lineno", 0)


def test_every_module_is_in_a_layer() -> None:
    parts = {part_of(m) for m in modules()}
    assert parts <= {*LAYERS, EMULATOR}, parts - {*LAYERS, EMULATOR}


def test_the_import_graph_only_points_down() -> None:
    order = {name: i for i, name in enumerate(LAYERS)}
    wrong = []
    for module in modules():
        here = part_of(module)
        for target, line in imports_of(module):
            there = part_of(target)
            if here == EMULATOR:
                ok = there in (EMULATOR, "errors")
            elif there == EMULATOR:
                ok = here in ("testing", "cli", "__main__")
            else:
                ok = order[there] <= order[here]
            if not ok:
                wrong.append(f"{module}:{line} imports {target}")
    assert wrong == []


def test_the_package_graph_is_acyclic() -> None:
    # Implied by the layer order; checked on its own so a cycle is named plainly.
    edges: dict[str, set[str]] = {}
    for module in modules():
        for target, _ in imports_of(module):
            a, b = part_of(module), part_of(target)
            if a != b:
                edges.setdefault(a, set()).add(b)
    seen: dict[str, int] = {}

    def visit(node: str, path: tuple[str, ...]) -> None:
        if seen.get(node) == 2:
            return
        assert seen.get(node) != 1, f"import cycle: {' -> '.join((*path, node))}"
        seen[node] = 1
        for nxt in sorted(edges.get(node, ())):
            visit(nxt, (*path, node))
        seen[node] = 2

    for node in sorted(edges):
        visit(node, ())


def _pure_modules() -> list[str]:
    names = [m for m in modules() if part_of(m) == "vocab"]
    for package, rules in ACTOR_RULES.items():
        names += [f"ollm_actors.{package}.{rule}" for rule in rules]
    return names


def test_the_rules_named_here_exist() -> None:
    missing = [m for m in _pure_modules() if m not in modules()]
    assert missing == []


_BLOCKER = """
import importlib.abc, sys
BLOCKED = ("anyio", "httpx", "httpcore", "pyee", "sniffio", "trio")
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked")
        return None
sys.meta_path.insert(0, Block())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ok")
"""


def test_the_vocabulary_and_the_rules_need_no_event_loop_wire_or_bus() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLM_")}
    done = subprocess.run(
        [sys.executable, "-c", _BLOCKER, *_pure_modules()],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_blocker_would_catch_an_event_loop_import() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLLM_")}
    done = subprocess.run(
        [sys.executable, "-c", _BLOCKER, "ollm_actors.actors.supervision"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode != 0 and "anyio is blocked" in done.stderr


def test_actors_reach_each_other_only_through_typed_clients() -> None:
    """Outside its own package, an actor's ``actor`` and ``messages`` modules are imported
    only by the wiring (``runtime``); no one looks refs up by a string key."""
    wrong = []
    for module, path in modules().items():
        here = part_of(module)
        for target, line in imports_of(module):
            there = part_of(target)
            private = target.rsplit(".", 1)[-1] in ("actor", "messages")
            if there in ACTOR_PACKAGES and private and here not in (there, "runtime"):
                wrong.append(f"{module}:{line} imports {target}")
        source = path.read_text()
        if "refs[" in source or "refs.get(" in source:
            wrong.append(f"{module}: looks an actor up by name")
    assert wrong == []


def test_the_cli_goes_through_open_runtime() -> None:
    wrong = [
        f"{module}:{line} imports {target}"
        for module in modules()
        if part_of(module) == "cli"
        for target, line in imports_of(module)
        if part_of(target) in (*ACTOR_PACKAGES, "actors")
        and target.rsplit(".", 1)[-1] in ("actor", "messages", "supervision")
    ]
    assert wrong == []


def _top_level_functions(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node


def _is_cache_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in ("cache", "lru_cache", "cached_property")


_MUTABLE = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
_MUTABLE_CALLS = ("dict", "list", "set", "OrderedDict", "defaultdict", "deque", "Counter")


def _module_level_mutables(tree: ast.Module) -> Iterator[tuple[str, int]]:
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if value is None or not names or all(n.isupper() or n == "__all__" for n in names):
                continue
            call = isinstance(value, ast.Call) and getattr(value.func, "id", "") in _MUTABLE_CALLS
            if isinstance(value, _MUTABLE) or call:
                yield names[0], node.lineno


def test_no_module_level_caches_or_mutable_state() -> None:
    """Memo tables and caches belong to an instance (a database, an actor), not to a module:
    a library that agents embed must not share hidden state between runtimes."""
    wrong = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text())
        for fn in _top_level_functions(tree):
            if any(_is_cache_decorator(d) for d in fn.decorator_list):
                wrong.append(f"{module}:{fn.lineno} caches {fn.name}()")
        wrong += [
            f"{module}:{line} holds mutable {name}"
            for name, line in _module_level_mutables(tree)
        ]
    assert wrong == []


def test_no_sys_modules_tricks() -> None:
    wrong = [m for m, p in modules().items() if "sys.modules" in p.read_text()]
    assert wrong == []


#: The error tree is one module by design (every OllmError in ``ollm_actors.errors``, drawn in
#: its docstring): a list of small classes, not logic, so it may grow past the others' bound.
TREE_MAX_LINES = 600


@pytest.mark.parametrize("module", sorted(modules()))
def test_modules_stay_small(module: str) -> None:
    lines = len(modules()[module].read_text().splitlines())
    bound = TREE_MAX_LINES if module == "ollm_actors.errors" else MAX_LINES
    assert lines <= bound, f"{module} has {lines} lines"


def test_one_did_you_mean() -> None:
    """Close-match suggestions have one home; everything else calls it."""
    users = [
        m
        for m, p in modules().items()
        if "difflib" in p.read_text() and not m.startswith("ollm_actors.emulator")
    ]
    assert users == ["ollm_actors.vocab.suggest"]


def test_one_backoff() -> None:
    users = [
        f"{m}:{node.lineno}"
        for m, p in modules().items()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Pow)
        and isinstance(node.left, ast.Constant)
        and node.left.value == 2.0
    ]
    assert [u.split(":")[0] for u in users] == ["ollm_actors.vocab.backoff"]


def test_one_fit_rule() -> None:
    """Only the fit rule compares a window with a profile's minimum or a prompt."""
    readers = sorted(
        m
        for m, p in modules().items()
        if ".minContextWindow" in p.read_text()
        and part_of(m) not in ("config", "cli")  # validation and display only
    )
    assert readers == ["ollm_actors.vocab.fit"]
