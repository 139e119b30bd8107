"""Limits lookups per second: the compiled, cached database against a naive fnmatch scan.

10,000 distinct names (real tags, namespaced and hf.co names, unknown names) are looked up:

* baseline: normalise the name, then ``fnmatch.fnmatchcase`` against every database pattern and
  keep the most specific match (the same answer, found the obvious way);
* cold: ``ModelDatabase.match`` with every cache empty (first lookup of each name);
* warm: the same names again (cached).

Each figure is the best of a few runs; the table prints the ratio to the baseline measured in
the same run. Run: ``.venv/bin/python benchmarks/bench_limits.py``.
"""

from __future__ import annotations

import fnmatch
import random
import time
from collections.abc import Callable, Sequence

from _report import record

from ollm_actors.vocab.database import ModelDatabase, load_builtin_database
from ollm_actors.vocab.entries import ModelEntry
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.patterns import compile_pattern

NAMES = 10_000
RUNS = 3
TARGET = 10.0

_TAGS = (
    "latest",
    "1b",
    "3b",
    "7b",
    "8b",
    "13b",
    "70b",
    "q4_0",
    "7b-instruct-q4_K_M",
    "mini",
    "medium-128k",
    "16b",
    "2b",
    "27b",
    "22m",
    "v1.5",
)


def make_names(db: ModelDatabase, count: int, seed: int = 7) -> list[str]:
    """Distinct names: a third real-looking tags, a third namespaced, a third unknown."""
    rng = random.Random(seed)
    prefixes = {compile_pattern(e.pattern).prefix for e in db}
    bases = sorted({p.split(":")[0].rstrip("-.") for p in prefixes} - {""})
    names: set[str] = set()
    while len(names) < count:
        base = rng.choice(bases)
        tag = rng.choice(_TAGS)
        kind = len(names) % 3
        if kind == 0:
            names.add(f"{base}:{tag}-{rng.randrange(1000)}")
        elif kind == 1:
            host = rng.choice(("", "hf.co/", "registry.example.com:5000/"))
            names.add(f"{host}user{rng.randrange(10_000)}/{base}:{tag}")
        else:
            names.add(f"unknown{rng.randrange(1_000_000)}-model:{tag}")
    return sorted(names)


def naive_scan(entries: Sequence[ModelEntry]) -> Callable[[str], ModelEntry | None]:
    """The most specific entry for a normalised name, by trying every pattern."""
    keys = [(*compile_pattern(e.pattern).specificity(), i) for i, e in enumerate(entries)]
    patterns = [e.pattern.lower() for e in entries]

    def scan(short: str) -> ModelEntry | None:
        best: tuple[int, int, int] | None = None
        for i, pattern in enumerate(patterns):
            if fnmatch.fnmatchcase(short, pattern) and (best is None or keys[i] < best):
                best = keys[i]
        return None if best is None else entries[best[2]]

    return scan


def timed(
    lookup: Callable[[str], object], names: Sequence[str], before: Callable[[], None]
) -> float:
    best = float("inf")
    for _ in range(RUNS):
        before()
        start = time.perf_counter()
        for name in names:
            lookup(name)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    db = load_builtin_database()
    names = make_names(db, NAMES)
    scan = naive_scan(db.entries)

    def naive(name: str) -> ModelEntry | None:
        return scan(parse_model_name(name).short)

    # Same answers first: a fast wrong matcher is worth nothing.
    wrong = [n for n in names if naive(n) is not db.match(n)]
    if wrong:
        raise SystemExit(f"answers differ for {len(wrong)} names, e.g. {wrong[:3]}")
    matched = sum(1 for n in names if db.match(n) is not None)

    def clear_all() -> None:
        db.cache_clear()

    baseline = timed(naive, names, clear_all)
    cold = timed(db.match, names, clear_all)
    for name in names:
        db.match(name)
    warm = timed(db.match, names, lambda: None)
    # The same comparison without normalisation, which both sides share.
    shorts = [parse_model_name(n).short for n in names]
    scan_only = timed(scan, shorts, lambda: None)
    index_only = timed(db.match_normalised, shorts, db.cache_clear)
    parse_only = timed(parse_model_name, names, lambda: None)

    print(
        f"limits lookups: {len(names)} distinct names ({matched} matched), "
        f"{len(db)} database entries, best of {RUNS} runs"
    )
    print(f"{'case':<34}{'lookups/s':>12}{'ratio':>9}{'target':>9}  met")
    rows = [
        ("end to end (name -> entry)", None, None, None),
        ("  baseline: parse + fnmatch scan", baseline, baseline, None),
        ("  index, cold caches", cold, baseline, TARGET),
        ("  index, warm caches", warm, baseline, TARGET),
        ("matching only (normalised names)", None, None, None),
        ("  baseline: fnmatch scan", scan_only, scan_only, None),
        ("  index, cold cache", index_only, scan_only, TARGET),
    ]
    for label, seconds, reference, target in rows:
        if seconds is None or reference is None:
            print(label)
            continue
        rate = len(names) / seconds
        ratio = reference / seconds
        goal = f">={target:g}x" if target is not None else "-"
        met = "-"
        if target is not None:
            met = "yes" if record("limits", label.strip(), ratio, target) else "NO"
        print(f"{label:<34}{rate:>12,.0f}{ratio:>8.1f}x{goal:>9}  {met}")
    share = parse_only / cold
    print(
        f"parse_model_name is {share:.0%} of a cold end-to-end lookup "
        f"({parse_only / len(names) * 1e6:.1f} us of {cold / len(names) * 1e6:.1f} us)"
    )


if __name__ == "__main__":
    main()
