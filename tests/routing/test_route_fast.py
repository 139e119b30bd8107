"""The router's fast path agrees with the plain rules it stands in for (hypothesis)."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ollm_actors.errors import NoModelAvailable
from ollm_actors.routing import _fast
from ollm_actors.routing._fast import PoolScorer, ScoreMemo, fast_model_base
from ollm_actors.routing.candidate import Candidate, CandidateMemory
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.routing.memory_rule import memory_rank, placement, request_context
from ollm_actors.routing.scoring import Rules, explain, reject, rules_for, score
from ollm_actors.routing.select import select_model
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.entries import CAPABILITY_NAMES
from ollm_actors.vocab.memory import MemoryFacts, facts_from_model_info
from ollm_actors.vocab.names import model_base
from ollm_actors.vocab.profiles import RoutingProfile

NAME_CHARS = "abcXYZ019_-.:/ @é"
# Names of every shape: plain, namespaced, with a host and port, invalid ones.
BASES = ("llama3.1", "qwen2.5-coder", "Qwen2.5", "phi3", "codellama", "nomic-embed-text",
         "deepseek-coder", "starcoder2", "ns/codegemma", "host:5000/x/qwen", "a:b:c", "Phi-3",
         "llama/mistral", "qwen/llama3.1", "registry.ollama.ai/library/gemma3", "code:x/phi3")
FAMILIES = ("", "llama", "qwen2", "CodeLlama", "phi3", "nomic-bert", "gemma3", "star coder")

names = (
    st.builds(lambda b, t: f"{b}:{t}", st.sampled_from(BASES), st.sampled_from(("7b", "latest")))
    | st.sampled_from(BASES)
    | st.text(alphabet=NAME_CHARS, max_size=16)
)


def _facts(layers: int, embedding: int, size: int) -> MemoryFacts:
    info = {
        "general.architecture": "llama",
        "llama.block_count": layers,
        "llama.embedding_length": embedding,
        "llama.attention.head_count": 32,
        "llama.attention.head_count_kv": 8,
        "llama.context_length": 131072,
    }
    facts = facts_from_model_info(info, size=size)
    assert facts is not None
    return facts


# A digest names one model's facts (as on a real server); a few, from 1B to 70B-like.
DIGESTS = {
    "d-small": _facts(16, 2048, 1_300_000_000),
    "d-8b": _facts(32, 4096, 4_900_000_000),
    "d-big": _facts(80, 8192, 40_000_000_000),
}
GB = 1_000_000_000
memories = st.builds(
    lambda digest, vram, used, parallel, kv, flash: CandidateMemory(
        digest=digest, facts=DIGESTS[digest], vram=vram, free=max(vram - used, 0),
        parallel=parallel, kv_type=kv, flash_attention=flash,
    ),
    st.sampled_from(sorted(DIGESTS)),
    st.sampled_from((4 * GB, 8 * GB, 24 * GB, 48 * GB)),
    st.sampled_from((0, 0, 3 * GB)),
    st.sampled_from((1, 2)),
    st.sampled_from(("f16", "q8_0", "q4_0")),
    st.sampled_from((None, True, False)),
)
candidates = st.builds(
    Candidate,
    name=names,
    host=st.sampled_from(("http://a:1", "http://b:1")),
    family=st.sampled_from(FAMILIES) | st.text(alphabet=NAME_CHARS, max_size=8),
    parameter_size=st.sampled_from(("", "7B", "3.8B", "567M", "8x7B", " 13 b", "junk", "1T",
                                    "7000000000", "0B")),
    quantization=st.sampled_from(("", "Q4_K_M", "Q8_0", "F16", "BF16", "IQ2_XS", "MXFP4",
                                  "q5_1", "weird", " F32 ")),
    size=st.integers(0, 80_000_000_000),
    context_window=st.sampled_from((0, 4096, 16384, 32768, 131072, 131072, 131072)),
    # Mostly sets that fit most profiles, so that scores are compared, not only rejections.
    capabilities=st.sampled_from([
        frozenset({"completion", "streaming"}),
        frozenset({"completion", "tools", "streaming"}),
        frozenset({"completion", "vision", "streaming"}),
        frozenset({"embedding"}),
    ]) | st.frozensets(st.sampled_from(CAPABILITY_NAMES), max_size=4),
    profiles=st.lists(st.sampled_from(sorted(BUILTIN_PROFILES)), max_size=2).map(tuple),
    loaded=st.booleans(),
    stale=st.booleans(),
    online=st.booleans(),
    # Host health decides ties only; the scores must not depend on it.
    degraded=st.booleans(),
    latency_ms=st.none() | st.sampled_from((0.5, 12.0, 40.0)),
    # Memory facts and host capacity decide ties and, without allowCpuSpill, rejections.
    memory=st.none() | memories,
)
families = st.sampled_from(("llama", "qwen", "code", "codellama", "phi", "star", "qwen2.5-coder",
                            "ns", "x/q", "a:b")) | st.text(alphabet=NAME_CHARS, max_size=5)
profiles = st.builds(
    RoutingProfile,
    name=st.just("custom"),
    preferredFamilies=st.lists(families, max_size=6).map(tuple),
    minContextWindow=st.sampled_from((0, 4096, 16384, 65536)),
    requiredCapabilities=st.lists(st.sampled_from(CAPABILITY_NAMES), max_size=2).map(tuple),
    allowCpuSpill=st.sampled_from((None, True, False)),
)


@st.composite
def rules(draw: st.DrawFn) -> Rules:
    """Rules of a built-in profile or a generated one, under any profile name (the name
    decides the size, code and window preferences)."""
    name = draw(st.sampled_from(sorted(BUILTIN_PROFILES)))
    builtin = msgspec.structs.replace(
        BUILTIN_PROFILES[name], allowCpuSpill=draw(st.sampled_from((None, False)))
    )
    profile = draw(st.just(builtin) | profiles)
    return rules_for(
        name,
        profile,
        require=draw(st.lists(st.sampled_from(CAPABILITY_NAMES), max_size=2)),
        prompt_tokens=draw(st.sampled_from((0, 1000, 6000, 40000))),
        num_ctx=draw(st.sampled_from((None, 8192))),
        max_output=draw(st.sampled_from((None, 512))),
    )


def plain(pool: list[Candidate], rules: Rules) -> tuple[list[object], list[object]]:
    fitting: list[object] = [(score(c, rules), c) for c in pool if reject(c, rules) is None]
    rejected: list[object] = [(c, why) for c in pool if (why := reject(c, rules)) is not None]
    return fitting, rejected


@given(st.text(alphabet=NAME_CHARS, max_size=24) | names)
def test_fast_model_base_agrees_with_the_plain_rule(name: str) -> None:
    assert fast_model_base(name) == model_base(name)


@settings(max_examples=300)
@given(st.lists(candidates, max_size=30), rules())
def test_a_fresh_scorer_agrees_with_reject_and_score(pool: list[Candidate], rule: Rules) -> None:
    outcome = PoolScorer(rule).evaluate(pool)
    fitting, rejected = plain(pool, rule)
    assert outcome.fitting == fitting
    assert outcome.rejected == rejected
    top = max((s for s, _ in outcome.fitting), default=float("-inf"))
    assert outcome.top == top
    assert outcome.leaders == [c for s, c in outcome.fitting if s == top]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(st.tuples(st.lists(candidates, max_size=15), rules()), min_size=1,
                     max_size=6))
def test_a_shared_memo_agrees_across_calls_and_when_its_tables_start_over(
    calls: list[tuple[list[Candidate], Rules]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_fast, "_TABLE_LIMIT", 3)
    monkeypatch.setattr(_fast, "_CANDIDATE_LIMIT", 3)
    memo = ScoreMemo()
    for pool, rule in calls:
        scorer = memo.scorer(rule)
        outcome = scorer.evaluate(pool)
        assert (outcome.fitting, outcome.rejected) == plain(pool, rule)
        for cand in pool:
            assert scorer.misfit(cand) == reject(cand, rule)
            if reject(cand, rule) is None:
                assert scorer.score(cand) == score(cand, rule)
            assert scorer.explain(cand) == explain(cand, rule)
            num_ctx = request_context(cand, rule.need)
            placed = placement(cand, num_ctx)
            assert scorer.placement(cand) == (placed, num_ctx)
            assert scorer.memory_rank(cand) == memory_rank(placed)


@settings(max_examples=150)
@given(
    st.lists(candidates, max_size=15),
    profiles,
    st.lists(st.sampled_from(sorted(BUILTIN_PROFILES)), min_size=2, max_size=5),
    st.lists(st.sampled_from((0, 1000, 6000)), min_size=1, max_size=3),
)
def test_the_same_candidates_under_other_rules_are_scored_anew(
    pool: list[Candidate], profile: RoutingProfile, names: list[str], prompts: list[int]
) -> None:
    # The memo keeps whole scores per candidate object: they must be kept per preferences
    # (profile name, families, size band, window) and reused across prompt sizes only.
    memo = ScoreMemo()
    for name in names * 2:
        for prompt in prompts:
            rule = rules_for(name, profile, prompt_tokens=prompt)
            outcome = memo.scorer(rule).evaluate(pool)
            assert (outcome.fitting, outcome.rejected) == plain(pool, rule)


# The built-ins and one that allows no CPU spill, so rejections by memory are compared too.
SELECT_PROFILES = {
    **BUILTIN_PROFILES,
    "strict": msgspec.structs.replace(
        BUILTIN_PROFILES["general"], name="strict", allowCpuSpill=False, fallbackProfile=None
    ),
}


def _select(pool: list[Candidate], profile: str, memo: ScoreMemo | None) -> object:
    try:
        decision: RouteDecision = select_model(
            profile, pool, profiles=SELECT_PROFILES, prompt_tokens=2000, memo=memo
        )
    except NoModelAvailable as exc:
        return (exc.rejected, exc.suggestions)
    return decision


@settings(max_examples=100)
@given(st.lists(st.tuples(st.lists(candidates, max_size=12),
                          st.sampled_from(sorted(SELECT_PROFILES))), min_size=1, max_size=4))
def test_select_model_answers_the_same_with_a_memo_or_without(
    calls: list[tuple[list[Candidate], str]],
) -> None:
    memo = ScoreMemo()
    for pool, profile in calls:
        once = _select(pool, profile, None)
        assert _select(pool, profile, memo) == once
        # A tuple's split into pools is kept by the memo: the same answer, twice.
        frozen = tuple(pool)
        assert _select(frozen, profile, memo) == once  # type: ignore[arg-type]
        assert _select(frozen, profile, memo) == once  # type: ignore[arg-type]
