"""Mutation testing of the pure rules with mutmut: run it, then print the score and survivors.

    python scripts/mutation.py --setup        # once: a venv of its own, .venv-mutation
    python scripts/mutation.py                # a fresh run: 1590 mutants, 4-11 min on 2 cores
    python scripts/mutation.py --report       # the report of the last run, without running
    python scripts/mutation.py --incremental  # keep mutmut's cached results of unchanged code

What is mutated and which tests run are in ``[tool.mutmut]`` of ``pyproject.toml``: the pure
rules of ``vocab/``, ``limits/``, ``downloads/progress.py`` and ``config/`` against their fast
tests only (no emulator, no subprocess). mutmut runs, for each mutant, only the tests that
call the mutated function (it records that in a first, clean run) and runs
``--max-children`` mutants at once.

The report gives, per module and overall, killed / total, where a mutant counts as killed
when a test failed on it or it made the tests run out of time (an endless loop); a mutant no
fast test reaches ("no tests") counts as survived. Then the survivors, each as
``module:line`` and the line before and after the mutation. Survivors judged equivalent (no
behaviour tells them apart from the original) are listed with the reason in
``scripts/mutation_equivalent.md``; the report marks them, gives the score without them as
well, and flags an entry that no longer matches a surviving mutant (stale after a change of
the code). The exit code is 1 when the score (equivalents excluded) is below ``--min-score``.

Timeouts are wall-clock (``timeout_multiplier`` in ``pyproject.toml``): on a machine busy
with other work a correct but slow mutant could be stopped and counted as killed. An
equivalent mutant reported as a stale entry with ``[timeout]`` is the sign; run again when
the machine is quieter, or raise the multiplier.

Why a venv of its own: mutmut needs click, and with click installed ``import httpx`` also
imports httpx's command-line client (and with it rich), which the start-up guard of
``ollm list --json`` (``tests/e2e/test_startup.py``) rightly refuses. So mutmut lives in the
``mutation`` extra, installed into ``.venv-mutation``, never into the dev venv.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
VENV = ROOT / ".venv-mutation"
EQUIVALENT_FILE = ROOT / "scripts" / "mutation_equivalent.md"

# mutmut's exit codes (mutmut/stats.py), grouped the way this report counts them.
_KILLED = {1: "killed", 3: "killed", 37: "killed"}  # 37: caught by the type check
_TIMEOUT = {36, 24, -24, 152, 255, -9, -11}  # SIGXCPU / SIGKILL after the CPU limit
_NO_TESTS = {33, 5}
_SURVIVED = {0}

_KEY = re.compile(r"^(?P<module>[\w.]+)\.(?P<function>x[^.]*?)__mutmut_(?P<number>\d+)$")
_EQUIVALENT_ENTRY = re.compile(r"^- `(?P<key>[^`]+)`")


@dataclass(frozen=True)
class Mutant:
    key: str
    module: str
    status: str  # killed | timeout | survived | no tests | other
    line: int
    before: str
    after: str

    @property
    def change(self) -> str:
        return f"`{self.before}` -> `{self.after}`"

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _have_mutmut() -> bool:
    try:
        import mutmut  # noqa: F401
    except ImportError:
        return False
    return True


def _setup() -> int:
    """Create .venv-mutation with the project, its dev tools and mutmut."""
    if not _venv_python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    python = str(_venv_python())
    subprocess.run([python, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev,mutation]"], check=True
    )
    print(f"mutmut installed in {VENV}")
    return 0


def _mutmut_command() -> list[str]:
    # mutmut's own entry point, in the interpreter that has it.
    return [sys.executable, "-c", "import sys; from mutmut.__main__ import cli; sys.exit(cli())"]


def _run_mutmut(max_children: int, *, fresh: bool) -> float:
    if fresh and MUTANTS.exists():
        shutil.rmtree(MUTANTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
    started = time.monotonic()
    subprocess.run(
        [*_mutmut_command(), "run", "--max-children", str(max_children)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.monotonic() - started


def _status(code: int | None) -> str:
    if code in _KILLED:
        return "killed"
    if code in _TIMEOUT:
        return "timeout"
    if code in _SURVIVED:
        return "survived"
    if code in _NO_TESTS:
        return "no tests"
    return "not checked" if code is None else f"other ({code})"


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function of a module by name; methods as ``Class.name``."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    # mutmut's copies keep their mangled name; the original is Class.name
                    name = item.name if item.name.startswith("xǁ") else f"{node.name}.{item.name}"
                    found[name] = item
    return found


def _original_name(mangled: str) -> str:
    # x_name -> name; xǁClassǁname -> Class.name
    if mangled.startswith("xǁ"):
        _, cls, name = mangled.split("ǁ")
        return f"{cls}.{name}"
    return mangled[2:]


_COPY_NAME = re.compile(r"__mutmut_(?:orig|\d+)\(")


def _lines(source: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    lines = source[node.lineno - 1 : node.end_lineno or node.lineno]
    # The copies differ in their names; only what follows the name counts.
    return [_COPY_NAME.sub("(", lines[0], count=1), *lines[1:]]


def _change(before: list[str], after: list[str]) -> tuple[int, str, str]:
    """The first changed line of a function: (offset in the function, before, after)."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old = " ".join(line.strip() for line in before[i1:i2]) or "(nothing)"
        new = " ".join(line.strip() for line in after[j1:j2]) or "(removed)"
        return i1, old, new
    return 0, "(no change)", "(no change)"


def collect() -> list[Mutant]:
    """Every mutant of the last run, with its status and where and what it changed.

    The modules come from mutmut's results, so a module added to ``only_mutate`` in
    ``pyproject.toml`` is reported with no change here. ROUTING: ``routing/scoring.py`` and
    ``routing/select*.py`` join that way once the split of ``routing/`` has landed.
    """
    mutants: list[Mutant] = []
    for meta_path in sorted(MUTANTS.rglob("*.py.meta")):
        relative = meta_path.relative_to(MUTANTS).with_suffix("")  # .../x.py
        original_path = ROOT / relative
        mutated_text = (MUTANTS / relative).read_text(encoding="utf-8").splitlines()
        original_text = original_path.read_text(encoding="utf-8").splitlines()
        mutated = _functions(ast.parse("\n".join(mutated_text)))
        original = _functions(ast.parse("\n".join(original_text)))
        codes: dict[str, int | None] = json.loads(meta_path.read_text())["exit_code_by_key"]
        for key, code in codes.items():
            match = _KEY.match(key)
            if match is None:
                continue
            function = match["function"]
            orig_node = mutated.get(f"{function}__mutmut_orig")
            mutant_node = mutated.get(f"{function}__mutmut_{match['number']}")
            source_node = original.get(_original_name(function))
            line, before, after = 0, "?", "?"
            if orig_node and mutant_node:
                offset, before, after = _change(
                    _lines(mutated_text, orig_node), _lines(mutated_text, mutant_node)
                )
                if source_node is not None:
                    line = source_node.lineno + offset
            mutants.append(
                Mutant(
                    key=key,
                    module=str(relative),
                    status=_status(code),
                    line=line,
                    before=before,
                    after=after,
                )
            )
    return mutants


def equivalent_entry(mutant: Mutant) -> str:
    """The line that lists ``mutant`` in mutation_equivalent.md (the reason follows it)."""
    return f"- `{mutant.key}` ({mutant.where}): {mutant.change}"


def load_equivalents() -> dict[str, str]:
    """key -> the entry line as written, from mutation_equivalent.md."""
    if not EQUIVALENT_FILE.exists():
        return {}
    entries: dict[str, str] = {}
    for line in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
        match = _EQUIVALENT_ENTRY.match(line)
        if match:
            entries[match["key"]] = line.strip()
    return entries


def _score(killed: int, total: int) -> str:
    return f"{killed}/{total} ({100.0 * killed / total:.1f} %)" if total else "0/0"


def report(mutants: list[Mutant], *, wall: float | None, min_score: float) -> int:
    equivalents = load_equivalents()
    by_key = {m.key: m for m in mutants}
    stale = [
        key
        for key, line in equivalents.items()
        if key not in by_key
        or by_key[key].status not in ("survived", "no tests")
        or line != equivalent_entry(by_key[key])
    ]
    modules = sorted({m.module for m in mutants})
    width = max((len(m) for m in modules), default=10)
    print()
    print(f"{'module':<{width}}  {'killed/total':>22}  timeout  survived  no-tests  equiv.")
    totals: Counter[str] = Counter()
    for module in modules:
        counts = Counter(m.status for m in mutants if m.module == module)
        equiv = sum(
            1 for m in mutants if m.module == module and m.key in equivalents and m.key not in stale
        )
        killed = counts["killed"] + counts["timeout"]
        total = sum(counts.values())
        totals.update(counts)
        totals["equivalent"] += equiv
        print(
            f"{module:<{width}}  {_score(killed, total):>22}  {counts['timeout']:>7}"
            f"  {counts['survived']:>8}  {counts['no tests']:>8}  {equiv:>6}"
        )
    killed = totals["killed"] + totals["timeout"]
    total = sum(v for k, v in totals.items() if k != "equivalent")
    print(
        f"{'overall':<{width}}  {_score(killed, total):>22}  {totals['timeout']:>7}"
        f"  {totals['survived']:>8}  {totals['no tests']:>8}  {totals['equivalent']:>6}"
    )
    without = total - totals["equivalent"]
    print(
        f"\nscore: {_score(killed, total)} killed; {_score(killed, without)} without the "
        f"{totals['equivalent']} equivalent mutants"
    )
    if wall is not None:
        print(f"wall time of the mutmut run: {wall:.0f} s ({wall / 60:.1f} min)")

    survivors = [m for m in mutants if m.status not in ("killed", "timeout")]
    live = [m for m in survivors if m.key not in equivalents or m.key in stale]
    print(f"\nsurvivors not judged equivalent: {len(live)}")
    for m in sorted(live, key=lambda m: (m.module, m.line, m.key)):
        print(f"  {m.where:<40} [{m.status}] {m.change}   ({m.key.rsplit('.', 1)[-1]})")
    timeouts = [m for m in mutants if m.status == "timeout"]
    if timeouts:
        print(f"\nkilled by running out of time (an endless loop): {len(timeouts)}")
        for m in sorted(timeouts, key=lambda m: (m.module, m.line, m.key)):
            print(f"  {m.where:<40} {m.change}")
    judged = [m for m in survivors if m.key in equivalents and m.key not in stale]
    if judged:
        print(f"\nsurvivors judged equivalent ({EQUIVALENT_FILE.name}): {len(judged)}")
        for m in sorted(judged, key=lambda m: (m.module, m.line, m.key)):
            print(f"  {m.where:<40} {m.change}")
    if stale:
        print(f"\nstale entries of {EQUIVALENT_FILE.name} (fix or remove them):")
        for key in stale:
            now = by_key.get(key)
            print(f"  {key}: " + (equivalent_entry(now) + f" [{now.status}]" if now else "gone"))
    score = 100.0 * killed / without if without else 100.0
    if score < min_score:
        print(f"\nscore {score:.1f} % is below the minimum of {min_score:.1f} %")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--setup", action="store_true", help="create .venv-mutation and exit")
    parser.add_argument("--report", action="store_true", help="report the last run only")
    parser.add_argument("--incremental", action="store_true", help="keep the results mutmut cached")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--min-score", type=float, default=90.0)
    parser.add_argument(
        "--entries", nargs="*", metavar="KEY", help="print mutation_equivalent.md entries"
    )
    args = parser.parse_args(argv)

    if args.setup:
        return _setup()
    if not _have_mutmut() and not args.report and args.entries is None:
        if _venv_python().exists() and Path(sys.executable) != _venv_python():
            return subprocess.call([str(_venv_python()), __file__, *sys.argv[1:]])
        print("mutmut is not installed here: run `python scripts/mutation.py --setup` first")
        return 2
    wall = None
    if not args.report and args.entries is None:
        wall = _run_mutmut(args.max_children, fresh=not args.incremental)
    if not MUTANTS.exists():
        print("no mutation results: run without --report first")
        return 2
    mutants = collect()
    if args.entries is not None:
        wanted = set(args.entries)
        for m in mutants:
            if not wanted or m.key in wanted:
                print(equivalent_entry(m))
        return 0
    return report(mutants, wall=wall, min_score=args.min_score)


if __name__ == "__main__":
    sys.exit(main())
