"""Router benchmark: ``select_model`` latency against the number of available candidates.

Run: ``.venv/bin/python benchmarks/bench_router.py``

Section 1 times the pure selection function with 10, 100, 1,000 and 10,000 candidates (a
realistic mix of families, sizes, quantizations, embedding and vision models over several
hosts, some loaded, some from an offline host's cache). The baseline, measured in the same
run, is a single linear pass that only applies the hard filters to the same candidates; the
ratio says what scoring, ranking and explaining cost on top of touching every candidate once.
It also prints the per-candidate cost of each size relative to the 100-candidate run: a ratio
near 1.0 means linear growth. The timed calls pass one ``ScoreMemo`` per size, as the router
actor passes its own to every selection; the "no memo" column times a one-off call that
starts afresh (what a first selection costs).

Section 2 is the fleet: 16 hosts x 300 models (4,800 candidates, each model on every host,
a few loaded, every fifth host degraded, each host with its own probe latency), with a new
prompt size on each call, as an agent routing one request after another does: the fit
changes every time, the scores do not. Baseline, in the same run: the same call with a
fresh memo (nothing kept from earlier calls), and the filter-only pass.

Section 3 times ``rt.router.select_model`` through the router actor when the decision is
cached, under asyncio and trio, against the emulator in-process. The baseline is a bare ask
of the same actor (its statistics): the ratio says what the cache lookup, the ``route.decided``
event and the API add to one actor round trip.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _report import record

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.scoring import reject, rules_for
from ollm_actors.routing.select import ScoreMemo, select_model
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES

SIZES = (10, 100, 1_000, 10_000)
PROFILE = "code"
PROMPT_TOKENS = 6000
TARGET_P50_MS_AT_1000 = 1.0

# (base name, routing family, tags with parameter sizes, window, capabilities, profiles)
_FAMILIES: tuple[tuple[str, str, tuple[str, ...], int, frozenset[str], tuple[str, ...]], ...] = (
    ("llama3.1", "llama", ("8B", "70B"), 131072,
     frozenset({"completion", "tools", "streaming"}), ("general", "code")),
    ("llama3.2", "llama", ("1B", "3B"), 131072,
     frozenset({"completion", "tools", "streaming"}), ("general", "fast")),
    ("qwen2.5-coder", "qwen2.5-coder", ("1.5B", "7B", "14B", "32B"), 32768,
     frozenset({"completion", "tools", "insert", "streaming"}), ("code",)),
    ("qwen2.5", "qwen2", ("0.5B", "7B", "14B", "72B"), 32768,
     frozenset({"completion", "tools", "streaming"}), ("general", "tools")),
    ("mistral", "mistral", ("7B",), 32768,
     frozenset({"completion", "tools", "streaming"}), ("general", "fast")),
    ("phi3", "phi3", ("3.8B", "14B"), 4096, frozenset({"completion", "streaming"}), ("fast",)),
    ("gemma3", "gemma3", ("1B", "4B", "12B", "27B"), 131072,
     frozenset({"completion", "vision", "streaming"}), ("general", "vision")),
    ("codellama", "llama", ("7B", "13B", "34B"), 16384,
     frozenset({"completion", "insert", "streaming"}), ("code",)),
    ("deepseek-coder", "deepseek-coder", ("1.3B", "6.7B", "33B"), 16384,
     frozenset({"completion", "streaming"}), ("code",)),
    ("nomic-embed-text", "nomic-bert", ("137M",), 8192, frozenset({"embedding"}), ("embedding",)),
    ("llava", "llama", ("7B", "13B"), 4096,
     frozenset({"completion", "vision", "streaming"}), ("vision",)),
)
_QUANTS = ("Q4_K_M", "Q4_0", "Q5_K_M", "Q8_0", "F16", "")


def make_candidates(count: int, seed: int, distinct: int = 400) -> list[Candidate]:
    """``count`` candidates over ``4 + count // 100`` online hosts, one in ten from an offline
    host's cached list. As in a real fleet, model names repeat across hosts: at most
    ``distinct`` different names (the catalogue above under numbered tags)."""
    rng = random.Random(seed)
    hosts = [f"http://10.0.0.{i // 250}.{i % 250}:11434" for i in range(4 + count // 100)]
    offline_host = "http://10.0.0.250:11434"
    out: list[Candidate] = []
    index = 0
    while len(out) < count:
        base, family, sizes, window, caps, profiles = _FAMILIES[index % len(_FAMILIES)]
        size_text = sizes[rng.randrange(len(sizes))]
        quant = _QUANTS[rng.randrange(len(_QUANTS))]
        # One candidate in ten comes from the cached list of a host that is offline.
        offline = rng.random() < 0.1
        host = offline_host if offline else hosts[rng.randrange(len(hosts))]
        out.append(
            Candidate(
                name=f"{base}:{size_text.lower()}-v{index % distinct}",
                host=host,
                family=family,
                parameter_size=size_text,
                quantization=quant,
                size=rng.randrange(300_000_000, 40_000_000_000),
                context_window=window,
                capabilities=caps,
                profiles=profiles,
                loaded=rng.random() < 0.05,
                stale=offline,
                online=not offline,
            )
        )
        index += 1
    return out


def _percentiles(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """p50 and p99 of the CPU time of one call. The pure function never waits, so its CPU
    time is its cost; wall time on a shared VM adds whatever the neighbours took."""
    fn()  # warm the memo, as a long-running router would have it
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


def _repeat_for(count: int) -> int:
    return max(30, min(2000, 200_000 // count))


def section_pure() -> None:
    print(f"## select_model('{PROFILE}', prompt_tokens={PROMPT_TOKENS}), pure function, CPU time")
    print(f"{'candidates':>10} {'p50 ms':>9} {'p99 ms':>9} {'filter-only p50 ms':>19} "
          f"{'ratio':>6} {'per-cand vs 100':>16} {'no memo p50 ms':>15}")
    profile = BUILTIN_PROFILES[PROFILE]
    rules = rules_for(PROFILE, profile, prompt_tokens=PROMPT_TOKENS)
    per_candidate: dict[int, float] = {}
    p50_at: dict[int, float] = {}
    for count in SIZES:
        cands: Sequence[Candidate] = make_candidates(count, seed=count)
        memo = ScoreMemo()

        def run(cands: Sequence[Candidate] = cands, memo: ScoreMemo | None = memo) -> object:
            return select_model(
                PROFILE, cands, profiles=BUILTIN_PROFILES, prompt_tokens=PROMPT_TOKENS,
                memo=memo,
            )

        def baseline(cands: Sequence[Candidate] = cands) -> object:
            return [c for c in cands if reject(c, rules) is None]

        repeat = _repeat_for(count)
        p50, p99 = _percentiles(run, repeat)
        base50, _ = _percentiles(baseline, repeat)
        fresh50, _ = _percentiles(lambda cands=cands: run(cands, None), repeat)
        per_candidate[count] = p50 / count
        p50_at[count] = p50
        growth = per_candidate[count] / per_candidate.get(100, per_candidate[count])
        growth_text = f"{growth:.2f}" if count >= 100 else "-"
        print(f"{count:>10} {p50 * 1e3:>9.3f} {p99 * 1e3:>9.3f} {base50 * 1e3:>19.3f} "
              f"{p50 / base50:>6.1f} {growth_text:>16} {fresh50 * 1e3:>15.3f}")
    worst = make_candidates(10_000, seed=1, distinct=10_000)
    worst_memo = ScoreMemo()
    worst50, worst99 = _percentiles(
        lambda: select_model(
            PROFILE, worst, profiles=BUILTIN_PROFILES, prompt_tokens=PROMPT_TOKENS,
            memo=worst_memo,
        ),
        _repeat_for(10_000),
    )
    print(f"{'10000*':>10} {worst50 * 1e3:>9.3f} {worst99 * 1e3:>9.3f} {'':>19} {'':>6} "
          f"{worst50 / 10_000 / per_candidate[100]:>16.2f}")
    print("* every name distinct (worst case for the per-name memo)")
    ratio = per_candidate[10_000] / per_candidate[1_000]
    print(f"per-candidate cost 10,000 vs 1,000: {ratio:.2f} (≤ ~1.2 means linear)")
    record(
        "router",
        "pure select_model p50 (ms) at 1,000 candidates",
        p50_at[1_000] * 1e3,
        TARGET_P50_MS_AT_1000,
        higher_is_better=False,
        unit="ms",
    )
    record(
        "router",
        "per-candidate cost 10,000 vs 1,000 (1 = linear)",
        ratio,
        1.2,
        higher_is_better=False,
    )
    verdict = "meets" if p50_at[1_000] * 1e3 <= TARGET_P50_MS_AT_1000 else "misses"
    print(f"p50 at 1,000 candidates: {p50_at[1_000] * 1e3:.3f} ms, "
          f"{verdict} the {TARGET_P50_MS_AT_1000:g} ms target "
          f"({p50_at[1_000] * 1e3 / TARGET_P50_MS_AT_1000:.2f}x of it)")


FLEET_HOSTS = 16
FLEET_MODELS = 300
FLEET_CALLS = 400
TARGET_P50_MS_FLEET = 2.0


def make_fleet(hosts: int = FLEET_HOSTS, models: int = FLEET_MODELS, seed: int = 16
               ) -> tuple[Candidate, ...]:
    """``models`` models on each of ``hosts`` hosts, as the router actor holds them (a
    tuple, rebuilt only when the inventory changes)."""
    rng = random.Random(seed)
    out: list[Candidate] = []
    for h in range(hosts):
        url = f"http://10.0.1.{h}:11434"
        latency = round(rng.uniform(1.0, 40.0), 1)
        for i in range(models):
            base, family, sizes, window, caps, profiles = _FAMILIES[i % len(_FAMILIES)]
            size_text = sizes[i % len(sizes)]
            out.append(
                Candidate(
                    name=f"{base}:{size_text.lower()}-v{i}",
                    host=url,
                    family=family,
                    parameter_size=size_text,
                    quantization=_QUANTS[i % len(_QUANTS)],
                    size=rng.randrange(300_000_000, 40_000_000_000),
                    context_window=window,
                    capabilities=caps,
                    profiles=profiles,
                    loaded=rng.random() < 0.03,
                    degraded=h % 5 == 4,
                    latency_ms=latency,
                )
            )
    return tuple(out)


def _timed(fn: Callable[[int], object], prompts: Sequence[int]) -> list[float]:
    samples = []
    for prompt in prompts:
        start = time.process_time()
        fn(prompt)
        samples.append(time.process_time() - start)
    samples.sort()
    return samples


def _p(samples: Sequence[float], q: float) -> float:
    return samples[min(len(samples) - 1, round(q * (len(samples) - 1)))]


def section_fleet() -> None:
    print(f"## select_model('{PROFILE}') over {FLEET_HOSTS} hosts x {FLEET_MODELS} models, a new "
          "prompt size each call, CPU time")
    fleet = make_fleet()
    profile = BUILTIN_PROFILES[PROFILE]
    rng = random.Random(2)
    prompts = [rng.randrange(500, 30_000) for _ in range(FLEET_CALLS)]
    memo = ScoreMemo()

    def kept(prompt: int) -> object:
        return select_model(PROFILE, fleet, profiles=BUILTIN_PROFILES, prompt_tokens=prompt,
                            memo=memo)

    def fresh(prompt: int) -> object:
        return select_model(PROFILE, fleet, profiles=BUILTIN_PROFILES, prompt_tokens=prompt)

    def filter_only(prompt: int) -> object:
        rules = rules_for(PROFILE, profile, prompt_tokens=prompt)
        return [c for c in fleet if reject(c, rules) is None]

    kept(prompts[0])  # the router actor's memo is warm after its first selection
    ours = _timed(kept, prompts)
    cold = _timed(fresh, prompts[: FLEET_CALLS // 4])
    base = _timed(filter_only, prompts[: FLEET_CALLS // 4])
    p50, p95 = statistics.median(ours), _p(ours, 0.95)
    cold50, base50 = statistics.median(cold), statistics.median(base)
    print(f"{'':>22} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'router memo (ours)':>22} {p50 * 1e3:>8.3f} {p95 * 1e3:>8.3f}")
    print(f"{'fresh memo each call':>22} {cold50 * 1e3:>8.3f} {_p(cold, 0.95) * 1e3:>8.3f}")
    print(f"{'filter-only pass':>22} {base50 * 1e3:>8.3f} {_p(base, 0.95) * 1e3:>8.3f}")
    print(f"ratio ours / fresh memo: {p50 / cold50:.2f}; ours / filter-only: {p50 / base50:.2f}")
    record(
        "router",
        f"select_model p50 (ms), {FLEET_HOSTS} hosts x {FLEET_MODELS}, new prompt each call",
        p50 * 1e3,
        TARGET_P50_MS_FLEET,
        higher_is_better=False,
        unit="ms",
    )
    verdict = "meets" if p50 * 1e3 <= TARGET_P50_MS_FLEET else "misses"
    print(f"p50 {p50 * 1e3:.3f} ms {verdict} the {TARGET_P50_MS_FLEET:g} ms target "
          f"({p50 * 1e3 / TARGET_P50_MS_FLEET:.2f}x of it)")


ACTOR_CALLS = 3000
TARGET_P50_US_ACTOR = 100.0


async def _actor_figures(profile: str) -> tuple[float, float, float]:
    """p50 and p99 of a cached ``rt.router.select_model`` and p50 of a bare ask of the same
    actor (its statistics), in seconds, against an in-process emulator."""
    import tempfile

    from ollm_actors.emulator import EmulatorState, run_emulator
    from ollm_actors.runtime import open_runtime
    from ollm_actors.testing import hermetic_settings

    state = EmulatorState.empty()
    for name in ("llama3.1:8b", "qwen2.5-coder:7b", "phi3:mini", "mistral:7b", "llava:7b"):
        state.install(name)
    with tempfile.TemporaryDirectory() as tmp:
        async with run_emulator(state) as emu:
            settings = hermetic_settings([emu.url], Path(tmp))
            async with open_runtime(settings) as rt:
                router = rt.router
                # Warm up past the first lookups (they teach the limits actor, which drops
                # the router's cache once).
                for _ in range(3):
                    await router.select_model(profile, prompt_tokens=PROMPT_TOKENS)
                selects: list[float] = []
                asks: list[float] = []
                clock = time.perf_counter
                for _ in range(ACTOR_CALLS):
                    start = clock()
                    await router.select_model(profile, prompt_tokens=PROMPT_TOKENS)
                    selects.append(clock() - start)
                    start = clock()
                    await router.statistics()
                    asks.append(clock() - start)
                stats = await router.statistics()
    if stats.refreshes > 3:
        raise RuntimeError(f"the cache did not hold during the run: {stats}")
    selects.sort()
    p99 = selects[round(0.99 * (len(selects) - 1))]
    return statistics.median(selects), p99, statistics.median(asks)


def section_actor() -> None:
    import anyio

    print(f"## rt.router.select_model('{PROFILE}', prompt_tokens={PROMPT_TOKENS}) through the "
          "actor, cached decision (emulator in-process)")
    print(f"{'backend':>8} {'p50 us':>8} {'p99 us':>8} {'bare ask p50 us':>16} {'ratio':>6} "
          f"{'vs target':>10}")
    for backend in ("asyncio", "trio"):
        p50, p99, ask50 = anyio.run(_actor_figures, PROFILE, backend=backend)
        record(
            "router",
            f"[{backend}] cached select through the actor, p50 (us)",
            p50 * 1e6,
            TARGET_P50_US_ACTOR,
            higher_is_better=False,
            unit="us",
        )
        print(f"{backend:>8} {p50 * 1e6:>8.1f} {p99 * 1e6:>8.1f} {ask50 * 1e6:>16.1f} "
              f"{p50 / ask50:>6.2f} {p50 * 1e6 / TARGET_P50_US_ACTOR:>9.2f}x")
    print(f"ratio: cached select / bare ask of the same actor; target p50 ≤ "
          f"{TARGET_P50_US_ACTOR:g} us")


#: Sections run in order.
SECTIONS: list[Callable[[], None]] = [section_pure, section_fleet, section_actor]


def main() -> None:
    for section in SECTIONS:
        section()
        print()


if __name__ == "__main__":
    main()
