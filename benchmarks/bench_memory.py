"""The memory rule's cost per call: ``estimate_memory`` and ``max_context`` (a bisection of
estimates) for llama3.1:8b, beside ``compute_budget`` (the budget every request already pays)
measured in the same run as the baseline.

Then ``select_model`` over the router benchmark's fleet (16 hosts × 300 models, a new prompt
size each call, the router's memo warm) with memory facts and host capacity on every
candidate vs the same fleet without: once under the profile as built in (memory decides
ties and adds its reason) and once with ``allowCpuSpill: false`` (every candidate checked).
Run: ``.venv/bin/python benchmarks/bench_memory.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec
from _report import record
from bench_router import PROFILE, make_fleet

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ollm_actors.limits.budget import compute_budget
from ollm_actors.limits.resolve import resolve_limits
from ollm_actors.routing.candidate import Candidate, CandidateMemory, parse_parameter_size
from ollm_actors.routing.select import ScoreMemo, select_model
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.memory import MemoryFacts, estimate_memory, facts_from_model_info
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


GB = 1_000_000_000
FLEET_CALLS = 300
TARGET_RATIO = 1.2
_SHAPES = ((2, 16, 2048), (4, 28, 3072), (9, 32, 4096), (15, 40, 5120), (34, 60, 6656))


def _facts(billions: float, size: int) -> MemoryFacts:
    layers, embedding = next(((n, e) for top, n, e in _SHAPES if billions <= top), (80, 8192))
    info = {
        "general.architecture": "llama", "llama.block_count": layers,
        "llama.embedding_length": embedding, "llama.attention.head_count": 32,
        "llama.attention.head_count_kv": 8, "llama.context_length": 131072,
    }
    facts = facts_from_model_info(info, size=size)
    assert facts is not None
    return facts


def with_memory(fleet: Sequence[Candidate], seed: int = 23) -> tuple[Candidate, ...]:
    """The fleet with memory facts per model (one digest per model name, as on real hosts)
    and a capacity per host (8 to 80 GB, some of it held by loaded models)."""
    rng = random.Random(seed)
    hosts = sorted({c.host for c in fleet})
    vram = {h: (8, 16, 24, 48, 80)[i % 5] * GB for i, h in enumerate(hosts)}
    used = {h: rng.choice((0, 0, 4 * GB)) for h in hosts}
    facts: dict[str, MemoryFacts] = {}
    out = []
    for c in fleet:
        if c.name not in facts:
            facts[c.name] = _facts(parse_parameter_size(c.parameter_size) or 7.0, c.size)
        memory = CandidateMemory(digest=f"sha256:{c.name}", facts=facts[c.name],
                                 vram=vram[c.host], free=vram[c.host] - used[c.host])
        out.append(msgspec.structs.replace(c, memory=memory))
    return tuple(out)


def _p50(fleet: tuple[Candidate, ...], profiles: object, prompts: Sequence[int]) -> float:
    memo = ScoreMemo()

    def call(prompt: int) -> object:
        return select_model(PROFILE, fleet, profiles=profiles,  # type: ignore[arg-type]
                            prompt_tokens=prompt, max_output=1024, memo=memo)

    call(prompts[0])  # the router actor's memo is warm after its first selection
    samples = []
    for prompt in prompts:
        started = time.process_time()
        call(prompt)
        samples.append(time.process_time() - started)
    return statistics.median(samples)


def section_select() -> None:
    plain = make_fleet()
    memory = with_memory(plain)
    strict = {**BUILTIN_PROFILES, PROFILE: msgspec.structs.replace(
        BUILTIN_PROFILES[PROFILE], allowCpuSpill=False)}
    rng = random.Random(2)
    prompts = [rng.randrange(500, 30_000) for _ in range(FLEET_CALLS)]
    base = _p50(plain, BUILTIN_PROFILES, prompts)
    ours = _p50(memory, BUILTIN_PROFILES, prompts)
    checked = _p50(memory, strict, prompts)
    print(f"select_model('{PROFILE}') over 16 hosts x 300 models, new prompt each call, p50 ms")
    print(f"{'without memory facts':>32} {base * 1e3:>8.3f}")
    print(f"{'with memory (ties, reasons)':>32} {ours * 1e3:>8.3f}  ratio {ours / base:.2f}")
    print(f"{'with allowCpuSpill: false':>32} {checked * 1e3:>8.3f}  ratio {checked / base:.2f}")
    record("memory", "select_model p50 with memory vs without, 16 hosts x 300",
           ours / base, TARGET_RATIO, higher_is_better=False)
    record("memory", "same, allowCpuSpill: false (every candidate checked)",
           checked / base, TARGET_RATIO, higher_is_better=False)



if __name__ == "__main__":
    main()
    print()
    section_select()
