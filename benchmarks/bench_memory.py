"""The memory rule's cost per call: ``estimate_memory`` and ``max_context`` (a bisection of
estimates) for llama3.1:8b, beside ``compute_budget`` (the budget every request already pays)
measured in the same run as the baseline.

Not measured yet: ``select_model`` with memory checks vs without over 16 hosts × 300
models — the router does not check memory yet (see the README's "Will it fit?").
Run: ``.venv/bin/python benchmarks/bench_memory.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ollm_actors.limits.budget import compute_budget
from ollm_actors.limits.resolve import resolve_limits
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.memory import estimate_memory, facts_from_model_info
from ollm_actors.vocab.memory_fit import max_context

CALLS = 2000
RUNS = 3
INFO = {
    "general.architecture": "llama", "llama.block_count": 32, "llama.embedding_length": 4096,
    "llama.attention.head_count": 32, "llama.attention.head_count_kv": 8,
    "llama.vocab_size": 128256, "llama.context_length": 131072,
}


def _per_call(work: Callable[[int], object]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        for i in range(CALLS):
            work(i)
        best = min(best, (time.perf_counter() - started) / CALLS)
    return best


def main() -> None:
    facts = facts_from_model_info(INFO, size=4_920_753_328)
    assert facts is not None
    limits = resolve_limits("llama3.1:8b", database=load_builtin_database(), overrides={})
    budget = _per_call(lambda i: compute_budget(limits, prompt_tokens=1000 + i))
    estimate = _per_call(lambda i: estimate_memory(facts, num_ctx=1024 + i))

    def at(n: int) -> object:
        return estimate_memory(facts, num_ctx=n)

    fit = _per_call(lambda i: max_context(at, (8 + i % 40) * 1024**3, 131072))  # type: ignore[arg-type]
    print(f"{'':28}{'µs/call':>10}{'× budget':>10}")
    for label, value in (("compute_budget (baseline)", budget), ("estimate_memory", estimate),
                         ("max_context", fit)):
        print(f"{label:28}{value * 1e6:>10.1f}{value / budget:>10.1f}")


if __name__ == "__main__":
    main()
