"""The router's host preference, synchronously: among the best-scored candidates the winner
is the one the plain rule names (loaded, then healthy, then fast, then identity), whatever
the order the candidates come in; the fast path scores ignore health."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.ranking import identity, preference
from ollm_actors.routing.scoring import reject, rules_for, score
from ollm_actors.routing.select import ScoreMemo, select_model
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES

HOSTS = tuple(f"http://10.0.0.{i}:11434" for i in range(1, 6))

copies = st.builds(
    Candidate,
    name=st.sampled_from(("llama3.1:8b", "qwen2.5:7b")),
    host=st.sampled_from(HOSTS),
    family=st.just("llama"),
    parameter_size=st.just("8B"),
    quantization=st.just("Q4_K_M"),
    size=st.just(4_900_000_000),
    context_window=st.just(131072),
    capabilities=st.just(frozenset({"completion", "tools", "streaming"})),
    loaded=st.booleans(),
    degraded=st.booleans(),
    latency_ms=st.none() | st.sampled_from((1.0, 5.0, 30.0)),
)


def plain_choice(pool: list[Candidate], profile: str, prompt_tokens: int) -> Candidate:
    rules = rules_for(profile, BUILTIN_PROFILES[profile], prompt_tokens=prompt_tokens)
    fitting = [(score(c, rules), c) for c in pool if reject(c, rules) is None]
    top = max(s for s, _ in fitting)
    tied = [c for s, c in fitting if s == top]
    latency = {c: math.inf if c.latency_ms is None else c.latency_ms for c in tied}
    return min(tied, key=lambda c: (not c.loaded, c.degraded, latency[c], identity(c)))


@settings(max_examples=200)
@given(st.lists(copies, min_size=1, max_size=12), st.randoms(), st.integers(0, 60000))
def test_the_chosen_host_is_the_plain_rules_choice_in_any_order(
    pool: list[Candidate], shuffle: object, prompt_tokens: int
) -> None:
    expected = plain_choice(pool, "general", prompt_tokens)
    shuffled = list(pool)
    shuffle.shuffle(shuffled)  # type: ignore[attr-defined]
    memo = ScoreMemo()
    for order in (pool, shuffled, tuple(shuffled)):
        decision = select_model(
            "general", order, profiles=BUILTIN_PROFILES, prompt_tokens=prompt_tokens, memo=memo
        )
        assert (decision.model, decision.host) == (expected.name, expected.host)
    peers = {c.host for c in pool if c.name == expected.name} - {expected.host}
    said = [r for r in decision.reasons if " was chosen: " in r]
    assert len(said) == (1 if peers else 0)


@given(copies)
def test_health_never_changes_a_score(cand: Candidate) -> None:
    import msgspec

    rules = rules_for("general", BUILTIN_PROFILES["general"])
    healthy = msgspec.structs.replace(cand, degraded=False, latency_ms=None)
    assert score(cand, rules) == score(healthy, rules)
    assert preference(cand) <= preference(msgspec.structs.replace(cand, degraded=True))
