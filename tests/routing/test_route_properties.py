"""Properties of select_model over generated inventories (hypothesis)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import msgspec
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ollm_actors.errors import NoModelAvailable
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.routing.select import select_model
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.entries import CAPABILITY_NAMES
from ollm_actors.vocab.names import model_key

HOSTS = ("http://127.0.0.1:11434", "http://127.0.0.2:11434", "http://127.0.0.3:11434")
BASES = ("llama3.1", "qwen2.5-coder", "qwen2.5", "phi3", "mistral", "gemma3", "llava",
         "codellama", "nomic-embed-text", "deepseek-coder", "starcoder2", "Mistral")
TAGS = ("latest", "7b", "8b", "mini", "1.5b")
PARAMS = ("", "7B", "3.8B", "567M", "70B", "8x7B", "13b", "junk")
QUANTS = ("", "Q4_K_M", "Q4_0", "Q8_0", "F16", "IQ2_XS")
WINDOWS = (0, 2048, 4096, 8192, 16384, 32768, 65536, 131072)
PROFILE_NAMES = tuple(sorted(BUILTIN_PROFILES))

names = st.builds(lambda b, t: f"{b}:{t}", st.sampled_from(BASES), st.sampled_from(TAGS)) | (
    st.sampled_from(BASES)
)
caps = st.frozensets(st.sampled_from(CAPABILITY_NAMES), max_size=4) | st.sampled_from(
    [frozenset({"completion", "streaming"}), frozenset({"embedding"}),
     frozenset({"completion", "tools", "streaming"})]
)
candidates = st.builds(
    Candidate,
    name=names,
    host=st.sampled_from(HOSTS),
    family=st.sampled_from(("", "llama", "qwen2", "mistral", "phi3", "nomic-bert", "gemma3")),
    parameter_size=st.sampled_from(PARAMS),
    quantization=st.sampled_from(QUANTS),
    size=st.integers(0, 50_000_000_000),
    context_window=st.sampled_from(WINDOWS),
    capabilities=caps,
    profiles=st.lists(st.sampled_from(PROFILE_NAMES), max_size=3, unique=True).map(tuple),
    loaded=st.booleans(),
    stale=st.booleans(),
    online=st.booleans(),
)
# A model that can serve most requests, so that most examples reach a decision (and the
# assertions about it) rather than "nothing fits".
def _capable(capabilities: frozenset[str]) -> st.SearchStrategy[Candidate]:
    return st.builds(
        msgspec.structs.replace,
        candidates,
        capabilities=st.just(capabilities),
        context_window=st.sampled_from((131072, 262144)),
        online=st.just(True),
        stale=st.just(False),
    )


_GENERATIVE = frozenset({"completion", "streaming", "tools", "vision", "insert", "thinking"})
_EMBEDDING = frozenset({"embedding"})
some_fit = st.builds(
    lambda some, gen, emb: [*some, *gen, *emb],
    st.lists(candidates, max_size=20),
    st.lists(_capable(_GENERATIVE), min_size=1, max_size=2),
    st.lists(_capable(_EMBEDDING), min_size=1, max_size=2),
)
# Mostly inventories where some model can serve the request, so that most examples reach a
# decision and the assertions about it; the rest are anything at all.
inventories = st.one_of(some_fit, some_fit, some_fit, st.lists(candidates, max_size=25))


@st.composite
def tied_inventories(draw: st.DrawFn) -> list[Candidate]:
    """Inventories where some models also sit, unchanged, on other hosts: exact score ties."""
    base = draw(st.lists(candidates, min_size=1, max_size=12))
    copies = [
        msgspec.structs.replace(c, host=draw(st.sampled_from(HOSTS)))
        for c in base
        if draw(st.booleans())
    ]
    return base + copies
requires = st.lists(st.sampled_from(("tools", "vision", "insert", "thinking")), max_size=2)
prompts = st.sampled_from((0, 1000, 6000, 30000, 100000))


def chain_of(profile: str) -> list[str]:
    out = [profile]
    while (nxt := BUILTIN_PROFILES[out[-1]].fallbackProfile) is not None:
        out.append(nxt)
    return out


def fits(c: Candidate, profile: str, require: Sequence[str], prompt: int) -> bool:
    """The fit rule from its definition (README, "Routing"; ``vocab/fit.py``'s docstring),
    written out here rather than calling the router's own check."""
    wanted = BUILTIN_PROFILES[profile]
    required = set(wanted.requiredCapabilities) | set(require)
    generates = "completion" in c.capabilities
    if "embedding" not in required:
        if "embedding" in c.capabilities and not generates:
            return False  # embedding-only models never serve generative requests
    elif generates:
        return False  # generative models never serve embedding requests
    if not required <= c.capabilities:
        return False
    if c.context_window < wanted.minContextWindow:
        return False
    return prompt + (1 if generates else 0) <= c.context_window


def attempt(
    profile: str, inventory: Sequence[Candidate], **kw: Any
) -> RouteDecision | NoModelAvailable:
    try:
        return select_model(profile, inventory, profiles=BUILTIN_PROFILES, **kw)
    except NoModelAvailable as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PROFILE_NAMES), inventories, requires, prompts)
def test_a_decision_is_a_fitting_candidate_or_nothing_fits(
    profile: str, inventory: list[Candidate], require: list[str], prompt: int
) -> None:
    result = attempt(profile, inventory, require=require, prompt_tokens=prompt)
    chain = chain_of(profile)
    event("nothing fits" if isinstance(result, NoModelAvailable) else "a decision")
    if isinstance(result, NoModelAvailable):
        assert not any(fits(c, p, require, prompt) for c in inventory for p in chain)
        assert len(result.rejected) == len(inventory)
        return
    chosen = [c for c in inventory if (c.name, c.host) == (result.model, result.host)]
    assert chosen, "the decision names a model that is not among the candidates"
    assert result.profile in chain
    assert result.fallback_used == (result.profile != profile)
    assert any(fits(c, result.profile, require, prompt) for c in chosen)
    used = BUILTIN_PROFILES[result.profile]
    assert all(
        set(used.requiredCapabilities) | set(require) <= c.capabilities
        and c.context_window >= max(used.minContextWindow, prompt)
        for c in chosen
        if fits(c, result.profile, require, prompt)
    )
    # Earlier profiles of the chain had nothing fitting in the pool the decision came from.
    fresh_fits = any(
        c.online and not c.stale and fits(c, p, require, prompt)
        for c in inventory
        for p in chain
    )
    assert result.stale == (not fresh_fits)
    pool = [c for c in inventory if (c.online and not c.stale) != result.stale]
    for earlier in chain[: chain.index(result.profile)]:
        assert not any(fits(c, earlier, require, prompt) for c in pool)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(PROFILE_NAMES),
    inventories | tied_inventories(),
    st.randoms(use_true_random=False),
    requires,
)
def test_the_choice_does_not_depend_on_candidate_order(
    profile: str, inventory: list[Candidate], rnd: random.Random, require: list[str]
) -> None:
    shuffled = list(inventory)
    rnd.shuffle(shuffled)
    first = attempt(profile, inventory, require=require)
    second = attempt(profile, shuffled, require=require)
    event("nothing fits" if isinstance(first, NoModelAvailable) else "a decision")
    if isinstance(first, NoModelAvailable):
        assert isinstance(second, NoModelAvailable)
        assert sorted(first.rejected) == sorted(second.rejected)
        return
    assert isinstance(second, RouteDecision)
    assert (first.model, first.host, first.profile, first.stale) == (
        second.model, second.host, second.profile, second.stale,
    )
    assert first.reasons == second.reasons
    assert sorted(first.candidates, key=repr) == sorted(second.candidates, key=repr)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PROFILE_NAMES), inventories, st.data())
def test_an_available_fitting_override_is_always_honoured(
    profile: str, inventory: list[Candidate], data: st.DataObject
) -> None:
    eligible = [
        c for c in inventory if c.online and not c.stale and fits(c, profile, (), 0)
    ]
    if not eligible:
        return
    target = data.draw(st.sampled_from(eligible))
    spelled = data.draw(st.sampled_from((target.name, target.name.upper())))
    decision = select_model(
        profile, inventory, profiles=BUILTIN_PROFILES, overrides={profile: spelled}
    )
    assert model_key(decision.model) == model_key(target.name)
    assert decision.profile == profile
    assert not decision.stale
    assert decision.reasons[0].startswith(f"override {decision.model} for '{profile}'")
