"""The fit rule on its own, without the router or the budget (``ollm_actors.vocab.fit``).

The reference below restates the module's four rules, in their order, from the docstring:
kind, capabilities, window, prompt (with one output token reserved for a model that
completes text). The texts of the misfits are pinned by examples.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.entries import CAPABILITY_NAMES
from ollm_actors.vocab.fit import (
    Misfit,
    Need,
    effective_window,
    misfit,
    need_for,
    prompt_fits,
    suited_profiles,
)
from ollm_actors.vocab.profiles import RoutingProfile


def profile(*required: str, min_window: int = 0) -> RoutingProfile:
    return RoutingProfile(name="p", minContextWindow=min_window, requiredCapabilities=required)


def reference_kind(
    capabilities: frozenset[str],
    window: int,
    required: frozenset[str],
    min_window: int,
    prompt: int,
    num_ctx: int | None,
) -> str | None:
    """The kind of the first rule broken, stated from the rule's definition."""
    completes = "completion" in capabilities
    if "embedding" in required:
        if completes:
            return "generative"
    elif "embedding" in capabilities and not completes:
        return "embedding-only"
    if any(c not in capabilities for c in required):
        return "capability"
    if window < min_window:
        return "window"
    room = window if num_ctx is None else min(window, num_ctx)
    if prompt + (1 if completes else 0) > room:
        return "prompt"
    return None


# -- need_for ------------------------------------------------------------------------------


def test_need_lists_requirements_in_the_vocabulary_order() -> None:
    need = need_for(
        "mine", profile("streaming", "vision"), require=["tools", "completion", "zeta", "alpha"]
    )
    assert need.profile == "mine"
    # Known names in CAPABILITY_NAMES order, then unknown ones alphabetically.
    assert need.required == ("completion", "tools", "vision", "streaming", "alpha", "zeta")
    assert need.required_set == frozenset(need.required)
    assert need.generative


@given(
    st.permutations(CAPABILITY_NAMES).flatmap(
        lambda names: st.integers(0, len(names)).map(lambda n: names[:n])
    )
)
def test_need_order_is_the_vocabulary_order_whatever_the_input_order(names: list[str]) -> None:
    need = need_for("p", profile(*reversed(names)), require=names[:1])
    assert need.required == tuple(c for c in CAPABILITY_NAMES if c in names)


def test_need_defaults_and_prompt_clamp() -> None:
    need = need_for("code", BUILTIN_PROFILES["code"])
    assert need == Need(
        profile="code",
        required=("streaming",),
        required_set=frozenset({"streaming"}),
        min_window=16384,
        prompt_tokens=0,
        num_ctx=None,
    )
    assert need_for("p", profile(), prompt_tokens=-5).prompt_tokens == 0
    assert need_for("p", profile(), prompt_tokens=7, num_ctx=512).prompt_tokens == 7
    assert need_for("p", profile(), num_ctx=512).num_ctx == 512
    assert not need_for("p", profile("embedding")).generative


# -- effective_window / prompt_fits --------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "num_ctx", "expected"),
    [
        (4096, None, 4096),
        (4096, 1024, 1024),
        (4096, 4095, 4095),
        (4096, 4096, 4096),
        (4096, 9999, 4096),
        (1, 1, 1),
    ],
)
def test_effective_window_is_the_window_capped_by_num_ctx(
    window: int, num_ctx: int | None, expected: int
) -> None:
    assert effective_window(window, num_ctx) == expected


@pytest.mark.parametrize(
    ("window", "prompt", "generates", "num_ctx", "fits"),
    [
        (100, 99, True, None, True),  # one token of room is enough
        (100, 100, True, None, False),  # no room for output
        (100, 100, False, None, True),  # an embedding model needs none
        (100, 101, False, None, False),
        (100, 49, True, 50, True),  # num_ctx caps the window
        (100, 50, True, 50, False),
        (100, 50, False, 50, True),
        (100, 150, True, 200, False),  # a num_ctx above the window does not widen it
        (100, 0, True, None, True),
    ],
)
def test_prompt_fits_with_one_output_token_for_a_generating_model(
    window: int, prompt: int, generates: bool, num_ctx: int | None, fits: bool
) -> None:
    assert prompt_fits(window, prompt, generates=generates, num_ctx=num_ctx) is fits
    assert prompt_fits(window, prompt, generates=generates, num_ctx=num_ctx) == (
        prompt + int(generates) <= min(window, num_ctx or window)
    )


# -- misfit --------------------------------------------------------------------------------

TEXT = frozenset({"completion", "streaming"})
EMBED = frozenset({"embedding"})


def test_an_embedding_only_model_never_serves_a_generative_request() -> None:
    need = need_for("general", BUILTIN_PROFILES["general"])
    assert misfit(EMBED, 8192, need) == Misfit(
        "embedding-only", "is an embedding-only model; 'general' needs a generative model"
    )
    # A model that embeds and also completes text is a generative model.
    assert misfit(EMBED | TEXT, 8192, need) is None


def test_a_generative_model_never_serves_an_embedding_request() -> None:
    need = need_for("embedding", BUILTIN_PROFILES["embedding"])
    assert misfit(TEXT | EMBED, 8192, need) == Misfit(
        "generative", "is a generative model; 'embedding' needs an embedding model"
    )
    assert misfit(EMBED, 8192, need) is None


def test_missing_capabilities_are_named_in_the_vocabulary_order() -> None:
    need = need_for("tools", BUILTIN_PROFILES["tools"], require=["thinking", "vision"])
    assert misfit(TEXT, 8192, need) == Misfit("capability", "lacks tools, vision, thinking")
    assert misfit(TEXT | {"tools", "thinking"}, 8192, need) == Misfit("capability", "lacks vision")
    # Exactly the required set is enough.
    exact = frozenset({"completion", "tools", "vision", "thinking", "streaming"})
    assert misfit(exact, 8192, need) is None


def test_the_window_must_reach_the_profile_minimum() -> None:
    need = need_for("code", BUILTIN_PROFILES["code"])
    assert misfit(TEXT, 16383, need) == Misfit(
        "window", "context window 16383 is under the 16384 tokens 'code' needs"
    )
    assert misfit(TEXT, 16384, need) is None


def test_the_prompt_must_fit_the_effective_window() -> None:
    need = need_for("fast", BUILTIN_PROFILES["fast"], prompt_tokens=5000, num_ctx=4096)
    assert misfit(TEXT, 8192, need) == Misfit(
        "prompt", "context window 4096 cannot hold a 5000-token prompt and any output"
    )
    need = need_for("fast", BUILTIN_PROFILES["fast"], prompt_tokens=4096)
    assert misfit(TEXT, 4096, need) == Misfit(
        "prompt", "context window 4096 cannot hold a 4096-token prompt and any output"
    )
    assert misfit(TEXT, 4097, need) is None
    # An embedding model generates nothing: the prompt alone must fit.
    embed = need_for("embedding", BUILTIN_PROFILES["embedding"], prompt_tokens=600)
    assert misfit(EMBED, 512, embed) == Misfit(
        "prompt", "context window 512 cannot hold a 600-token prompt"
    )
    assert misfit(EMBED, 600, embed) is None
    assert misfit(EMBED, 2048, need_for("e", profile("embedding"), prompt_tokens=2048)) is None


def _kind(found: Misfit | None) -> str | None:
    return None if found is None else found.kind


def test_rules_apply_in_their_order() -> None:
    # An embedding model lacking a capability, too small, with a huge prompt: kind first.
    need = need_for("vision", BUILTIN_PROFILES["vision"], prompt_tokens=10**6)
    assert _kind(misfit(EMBED, 1, need)) == "embedding-only"
    assert _kind(misfit(TEXT, 1, need)) == "capability"
    assert _kind(misfit(TEXT | {"vision"}, 1, need)) == "window"
    assert _kind(misfit(TEXT | {"vision"}, 4096, need)) == "prompt"
    assert _kind(misfit(TEXT | {"vision"}, 2 * 10**6, need)) is None


_FLAGS = ("completion", "embedding", "tools", "vision", "streaming")


@given(
    capabilities=st.frozensets(st.sampled_from(_FLAGS)),
    required=st.frozensets(st.sampled_from(_FLAGS)),
    window=st.integers(1, 40),
    min_window=st.integers(0, 40),
    prompt=st.integers(-3, 45),
    num_ctx=st.none() | st.integers(1, 45),
)
def test_misfit_agrees_with_the_rule_stated_from_its_definition(
    capabilities: frozenset[str],
    required: frozenset[str],
    window: int,
    min_window: int,
    prompt: int,
    num_ctx: int | None,
) -> None:
    need = need_for(
        "p",
        profile(min_window=min_window),
        require=required,
        prompt_tokens=prompt,
        num_ctx=num_ctx,
    )
    found = misfit(capabilities, window, need)
    expected = reference_kind(capabilities, window, required, min_window, max(prompt, 0), num_ctx)
    assert _kind(found) == expected


def test_every_kind_of_misfit_is_reachable_by_the_reference() -> None:
    # The property test above is only as good as its inputs: each outcome occurs among them.
    kinds = {
        reference_kind(frozenset(caps), w, frozenset(req), 20, p, None)
        for caps in itertools.combinations(_FLAGS, 2)
        for req in itertools.combinations(_FLAGS, 1)
        for w in (10, 30)
        for p in (0, 30)
    }
    assert kinds == {None, "embedding-only", "generative", "capability", "window", "prompt"}


# -- suited_profiles -----------------------------------------------------------------------


def test_suited_profiles_in_the_order_given() -> None:
    text = TEXT | {"tools"}
    assert suited_profiles(text, 8192, BUILTIN_PROFILES) == ["fast", "general", "creative", "tools"]
    assert suited_profiles(text, 65536, BUILTIN_PROFILES) == [
        "fast",
        "general",
        "code",
        "creative",
        "tools",
        "long-context",
    ]
    assert suited_profiles(TEXT | {"vision"}, 2048, BUILTIN_PROFILES) == ["vision"]
    assert suited_profiles(EMBED, 512, BUILTIN_PROFILES) == ["embedding"]
    assert suited_profiles(EMBED, 100, BUILTIN_PROFILES) == []
    reordered = {k: BUILTIN_PROFILES[k] for k in ("tools", "fast")}
    assert suited_profiles(text, 8192, reordered) == ["tools", "fast"]
