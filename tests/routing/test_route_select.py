"""select_model: profiles, filters, scoring, fallbacks, overrides, hosts and errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import pytest

from ollm_actors.errors import NoModelAvailable, UnknownCapability, UnknownProfile
from ollm_actors.routing.candidate import Candidate
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.routing.select import select_model
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.profiles import RoutingProfile
from tests.routing.route_builders import (
    EMBED,
    GEN,
    TOOLS,
    VISION,
    A,
    B,
    C,
    cand,
    inventory,
    offline,
)


def route(
    profile: str,
    candidates: Sequence[Candidate],
    *,
    profiles: Mapping[str, RoutingProfile] = BUILTIN_PROFILES,
    **kw: Any,
) -> RouteDecision:
    return select_model(profile, candidates, profiles=profiles, **kw)


def pick(profile: str, candidates: Sequence[Candidate], **kw: Any) -> str:
    return route(profile, candidates, **kw).model


# --- "Router selects appropriate model" / "Routing profiles work correctly" -------------


@pytest.mark.parametrize(
    ("profile", "model"),
    [
        ("fast", "phi3:mini"),
        ("general", "llama3.1:8b"),
        ("code", "qwen2.5-coder:7b"),
        ("creative", "llama3.1:8b"),
        ("vision", "llava:7b"),
        ("tools", "qwen2.5:7b"),
        ("embedding", "nomic-embed-text:latest"),
        ("long-context", "llama3.1:8b"),
    ],
)
def test_each_profile_picks_the_model_that_suits_it(profile: str, model: str) -> None:
    decision = route(profile, inventory())
    assert decision.model == model
    assert decision.host == A
    assert decision.profile == decision.requested_profile == profile
    assert not decision.fallback_used
    assert not decision.stale
    assert decision.reasons


def test_code_reason_names_family_rank() -> None:
    decision = route("code", inventory())
    text = " | ".join(decision.reasons)
    assert "qwen2.5-coder:7b" in decision.reasons[0]
    assert "rank 4 of 6" in text
    assert "tuned for code" in text


def test_earlier_preferred_family_wins() -> None:
    models = [cand("qwen2.5-coder:7b"), cand("codellama:7b", family="llama")]
    # codellama's routing family is llama; it still matches 'codellama' by its name.
    assert pick("code", models) == "codellama:7b"


def test_family_prefix_matches_only_at_a_word_boundary() -> None:
    general = [cand("llava:7b", family="llava"), cand("qwen2.5:7b", family="qwen2.5")]
    assert pick("general", general) == "qwen2.5:7b"  # 'llama' does not match 'llava'
    decision = route("general", general)
    scores = {c.name: c.score for c in decision.candidates}
    assert scores["qwen2.5:7b"] > scores["llava:7b"]


def test_fast_prefers_small_and_general_prefers_mid_size() -> None:
    models = [
        cand("mistral:7b", params="7.2B", window=32768),
        cand("mistral-small:22b", family="mistral", params="22B", window=32768),
        cand("mistral-tiny:3b", family="mistral", params="3B", window=32768),
    ]
    assert pick("fast", models) == "mistral-tiny:3b"
    assert pick("general", models) == "mistral:7b"


def test_long_context_prefers_the_larger_window() -> None:
    models = [
        cand("llama3.1:8b", window=131072),
        cand("llama3.1:8b-1m", family="llama3.1", window=1_048_576),
    ]
    assert pick("long-context", models) == "llama3.1:8b-1m"


def test_listed_profile_loaded_and_quantization_break_family_ties() -> None:
    def llama(name: str, **kw: Any) -> Candidate:
        return cand(name, family="llama", params="8B", window=131072, **kw)

    assert pick("general", [llama("a:8b"), llama("b:8b", profiles=("general",))]) == "b:8b"
    assert pick("general", [llama("a:8b"), llama("b:8b", loaded=True)]) == "b:8b"
    assert pick("general", [llama("a:8b", quant="F16"), llama("b:8b", quant="Q8_0")]) == "b:8b"
    # Without any difference, the name decides.
    assert pick("general", [llama("b:8b"), llama("a:8b")]) == "a:8b"


def test_exact_ties_are_broken_by_name_then_host() -> None:
    models = [cand("b:7b", B), cand("a:7b", B), cand("a:7b", A)]
    decision = route("general", models)
    assert (decision.model, decision.host) == ("a:7b", A)
    assert route("general", list(reversed(models))).host == A


# --- filters ----------------------------------------------------------------------------


def test_required_capabilities_filter() -> None:
    decision = route("tools", [cand("llama3.1:8b", caps=GEN), cand("mistral:7b", caps=TOOLS)])
    assert decision.model == "mistral:7b"
    rejected = {c.name: c.rejected_reason for c in decision.candidates}
    assert rejected["llama3.1:8b"] == "lacks tools"
    assert rejected["mistral:7b"] is None


def test_caller_require_adds_to_the_profile() -> None:
    models = [cand("llama3.1:8b", caps=GEN), cand("gemma3:12b", caps=VISION)]
    assert pick("general", models) == "llama3.1:8b"
    assert pick("general", models, require=["vision"]) == "gemma3:12b"


def test_tool_calling_alias_and_unknown_capability() -> None:
    assert pick("general", [cand("m:7b", caps=TOOLS), cand("l:7b")], require=["toolCalling"]) == (
        "m:7b"
    )
    with pytest.raises(UnknownCapability, match="did you mean 'vision'"):
        route("general", inventory(), require=["visoin"])


def test_window_must_reach_the_profile_minimum_and_the_prompt() -> None:
    models = [cand("llama3.1:8b", window=8192), cand("mistral:7b", window=32768)]
    assert pick("general", models) == "llama3.1:8b"
    # 8,191 prompt tokens leave one output token: it fits, as the budget says.
    assert route("general", models, prompt_tokens=8191).model == "llama3.1:8b"
    decision = route("general", models, prompt_tokens=8192)
    assert decision.model == "mistral:7b"
    rejected = {c.name: c.rejected_reason for c in decision.candidates}
    assert rejected["llama3.1:8b"] == (
        "context window 8192 cannot hold a 8192-token prompt and any output"
    )
    # A numCtx cap is the window a request really gets.
    with pytest.raises(NoModelAvailable, match="context window 4096 cannot hold"):
        route("general", models, prompt_tokens=6000, num_ctx=4096)



def test_embedding_only_models_never_serve_generative_profiles() -> None:
    embedders = [
        cand("nomic-embed-text:latest", caps=EMBED, window=8192),
        cand("mxbai-embed-large:latest", caps=EMBED | {"streaming"}, window=131072),
    ]
    for profile in ("fast", "general", "code", "creative", "long-context"):
        with pytest.raises(NoModelAvailable):
            route(profile, embedders)
    decision = route("embedding", embedders)
    assert decision.model == "nomic-embed-text:latest"  # first in preferredFamilies


def test_generative_models_never_serve_embedding() -> None:
    both = cand("llama3.1:8b", caps=GEN | {"embedding"}, window=131072)
    with pytest.raises(NoModelAvailable) as info:
        route("embedding", [both])
    assert "needs an embedding model" in str(info.value)
    assert pick("general", [both]) == "llama3.1:8b"


# --- "Fallbacks work when model unavailable" --------------------------------------------


def test_code_falls_back_to_general_when_no_code_model_fits() -> None:
    models = [cand("llama3.1:8b", window=8192), cand("phi3:mini", window=4096)]
    decision = route("code", models)
    assert decision.model == "llama3.1:8b"
    assert decision.profile == "general"
    assert decision.requested_profile == "code"
    assert decision.fallback_used
    assert decision.reasons[0] == (
        "fell back from code to general: no model with a 16384-token window"
    )


def test_fallback_chain_is_followed_to_its_end() -> None:
    profiles = {
        **BUILTIN_PROFILES,
        "huge": RoutingProfile(name="huge", minContextWindow=1_000_000, fallbackProfile="big"),
        "big": RoutingProfile(name="big", minContextWindow=200_000, fallbackProfile="general"),
    }
    models = [cand("llama3.1:8b", window=131072)]
    decision = route("huge", models, profiles=profiles)
    assert decision.profile == "general"  # huge -> big -> general
    assert decision.fallback_used
    assert decision.reasons[:2] == (
        "fell back from huge to big: no model with a 1000000-token window",
        "fell back from big to general: no model with a 200000-token window",
    )


def test_caller_require_persists_along_fallbacks() -> None:
    models = [
        cand("codellama:13b", family="llama", params="13B", window=16384),
        cand("mistral:7b", window=32768, profiles=("general",)),
        cand("llama3.1:8b", window=8192, caps=TOOLS),
    ]
    assert pick("code", models) == "codellama:13b"
    decision = route("code", models, require=["tools"])
    assert (decision.model, decision.profile) == ("llama3.1:8b", "general")


def test_fallback_cycle_is_guarded() -> None:
    profiles = {
        "a": RoutingProfile(name="a", minContextWindow=100_000, fallbackProfile="b"),
        "b": RoutingProfile(name="b", minContextWindow=50_000, fallbackProfile="a"),
    }
    with pytest.raises(NoModelAvailable) as info:
        route("a", [cand("m:7b", window=8192)], profiles=profiles)
    assert info.value.profile == "a"
    ok = route("a", [cand("m:7b", window=60_000)], profiles=profiles)
    assert (ok.model, ok.profile, ok.fallback_used) == ("m:7b", "b", True)


def test_cycle_and_missing_fallback_are_reported_when_the_chain_ends() -> None:
    profiles = {
        "a": RoutingProfile(name="a", minContextWindow=100_000, fallbackProfile="b"),
        "b": RoutingProfile(name="b", minContextWindow=200_000, fallbackProfile="a"),
        "c": RoutingProfile(name="c", minContextWindow=100_000, fallbackProfile="ghost"),
    }
    stale_ok = [offline(cand("m:7b", B, window=300_000))]
    decision = route("a", stale_ok, profiles=profiles)
    assert any("loops (a → b → a)" in r for r in decision.reasons)
    decision = route("c", stale_ok, profiles=profiles)
    assert any("fallback profile 'ghost' of 'c' is not defined" in r for r in decision.reasons)


def test_unknown_profile_is_an_error() -> None:
    with pytest.raises(UnknownProfile, match="did you mean 'code'"):
        route("cod", inventory())


# --- config overrides -------------------------------------------------------------------


def test_available_fitting_override_is_honoured_over_a_better_score() -> None:
    models = [*inventory(), cand("deepseek-coder:6.7b", params="6.7B", window=16384)]
    assert pick("code", models) == "qwen2.5-coder:7b"
    decision = route("code", models, overrides={"code": "deepseek-coder:6.7b"})
    assert decision.model == "deepseek-coder:6.7b"
    assert decision.reasons[0].startswith("override deepseek-coder:6.7b for 'code'")
    assert "model.routing.overrides.code" in decision.reasons[0]


def test_override_compares_normalised_names() -> None:
    models = [*inventory(), cand("mistral:latest", window=32768)]
    assert pick("fast", models, overrides={"fast": "Mistral"}) == "mistral:latest"
    assert pick("fast", models, overrides={"fast": "library/mistral:latest"}) == "mistral:latest"


def test_missing_override_is_explained_and_selection_goes_on() -> None:
    decision = route("code", inventory(), overrides={"code": "deepseek-coder:6.7b"})
    assert decision.model == "qwen2.5-coder:7b"
    assert decision.reasons[0] == (
        "override deepseek-coder:6.7b (model.routing.overrides.code) is not installed on any "
        "online host"
    )


def test_override_that_does_not_fit_is_explained() -> None:
    # Under the profile's minimum window, the override is honoured (issue 16); a prompt its
    # window cannot hold passes it over.
    models = [*inventory()]
    decision = route("code", models, overrides={"code": "phi3:mini"}, prompt_tokens=5000)
    assert decision.model == "qwen2.5-coder:7b"
    assert "does not fit 'code'" in decision.reasons[0]
    assert "4096" in decision.reasons[0]


def test_invalid_override_name_is_explained() -> None:
    decision = route("code", inventory(), overrides={"code": "bad name!"})
    assert decision.model == "qwen2.5-coder:7b"
    assert "is not a valid model name" in decision.reasons[0]


def test_override_only_on_an_offline_host_names_that_host() -> None:
    models = [*inventory(A), offline(cand("deepseek-coder:6.7b", B, window=16384))]
    decision = route("code", models, overrides={"code": "deepseek-coder:6.7b"})
    assert decision.model == "qwen2.5-coder:7b"
    assert f"(it is listed on {B})" in decision.reasons[0]


def test_override_of_the_fallback_profile_applies_after_falling_back() -> None:
    models = [cand("llama3.1:8b", window=8192), cand("mistral:7b", window=8192)]
    decision = route("code", models, overrides={"general": "mistral:7b"})
    assert (decision.model, decision.profile) == ("mistral:7b", "general")


def test_override_on_two_hosts_prefers_the_loaded_one() -> None:
    others = [c for c in inventory(C) if c.name != "mistral:7b"]
    models = [cand("mistral:7b", A), cand("mistral:7b", B, loaded=True), *others]
    decision = route("fast", models, overrides={"fast": "mistral:7b"})
    assert (decision.model, decision.host) == ("mistral:7b", B)


# --- routing disabled -------------------------------------------------------------------


def test_routing_disabled_uses_the_default_model() -> None:
    decision = route("code", inventory(), routing_enabled=False, default_model="mistral:7b")
    assert (decision.model, decision.profile, decision.fallback_used) == (
        "mistral:7b", "code", False,
    )
    assert "routing is disabled" in decision.reasons[0]


def test_routing_disabled_warns_when_the_default_does_not_fit() -> None:
    decision = route("code", inventory(), routing_enabled=False, default_model="phi3:mini")
    assert decision.model == "phi3:mini"
    assert any(r.startswith("warning: phi3:mini does not fit 'code'") for r in decision.reasons)


@pytest.mark.parametrize(
    ("default", "expected"),
    [(None, "model.default is not set"), ("gone:7b", "is not installed"),
     ("bad name", "model.default is invalid")],
)
def test_routing_disabled_without_a_usable_default_is_an_error(
    default: str | None, expected: str
) -> None:
    with pytest.raises(NoModelAvailable, match=expected):
        route("code", inventory(), routing_enabled=False, default_model=default)


# --- offline hosts, stale lists and multiple hosts --------------------------------------


def test_online_model_is_chosen_over_a_better_stale_one() -> None:
    models = [cand("mistral:7b", A), offline(cand("llama3.1:8b", B, profiles=("general",)))]
    decision = route("general", models)
    assert (decision.model, decision.host, decision.stale) == ("mistral:7b", A, False)
    rejected = {c.host: c.rejected_reason for c in decision.candidates}
    why_b = rejected[B]
    assert why_b is not None
    assert "offline" in why_b


def test_stale_model_only_when_nothing_online_fits() -> None:
    models = [cand("phi3:mini", A, window=4096), offline(cand("llama3.1:8b", B))]
    decision = route("general", models)
    assert (decision.model, decision.host, decision.stale) == ("llama3.1:8b", B, True)
    text = " | ".join(decision.reasons)
    assert "nothing on an online host fits" in text
    assert f"{B} did not answer" in text


def test_online_fallback_beats_a_stale_model_of_the_requested_profile() -> None:
    models = [cand("llama3.1:8b", A, window=8192), offline(cand("codellama:7b", B))]
    decision = route("code", models)
    assert (decision.model, decision.profile, decision.stale) == ("llama3.1:8b", "general", False)


def test_model_only_on_host_b_routes_to_b() -> None:
    models = [*[c for c in inventory(A) if c.name != "llava:7b"], cand("llava:7b", B, caps=VISION,
                                                                         window=4096)]
    decision = route("vision", models)
    assert (decision.model, decision.host) == ("llava:7b", B)


def test_with_host_a_offline_host_b_models_are_chosen() -> None:
    models = [offline(c) for c in inventory(A)] + [
        cand("mistral:7b", B, window=32768), cand("gemma2:2b", B, params="2B", window=8192)
    ]
    general = route("general", models)
    assert (general.host, general.stale) == (B, False)
    assert route("fast", models).model == "gemma2:2b"


def test_same_model_on_two_hosts_prefers_the_one_in_memory() -> None:
    models = [cand("llama3.1:8b", A), cand("llama3.1:8b", B, loaded=True)]
    assert route("general", models).host == B


# --- NoModelAvailable -------------------------------------------------------------------


def test_no_model_available_carries_rejections_and_suggestions() -> None:
    models = [
        cand("llama3.1:8b", A, caps=GEN),
        offline(cand("mistral:7b", B, caps=GEN)),
        cand("nomic-embed-text:latest", A, caps=EMBED, window=8192),
    ]
    catalog = [
        cand("llava:7b", caps=VISION, window=4096),
        cand("gemma3:4b", caps=VISION, window=131072),
        cand("llama3.1:8b", caps=VISION),  # installed already: not a suggestion
        cand("phi3:mini", caps=GEN),
    ]
    with pytest.raises(NoModelAvailable) as info:
        route("vision", models, catalog=catalog)
    err = info.value
    assert err.profile == "vision"
    assert err.required == ("vision", "streaming")
    assert dict(err.rejected) == {
        f"llama3.1:8b@{A}": "lacks vision",
        f"mistral:7b@{B}": "lacks vision [cached list, host offline]",
        f"nomic-embed-text:latest@{A}":
            "is an embedding-only model; 'vision' needs a generative model",
    }
    assert err.suggestions == ("gemma3:4b", "llava:7b")  # by preferredFamilies rank
    facts = err.facts()
    assert facts["rejected"][0] == {"model": f"llama3.1:8b@{A}", "reason": "lacks vision"}
    msgspec.json.encode(facts)


def test_rejections_after_a_fallback_name_the_last_profile() -> None:
    with pytest.raises(NoModelAvailable) as info:
        route("code", [cand("phi3:mini", window=4096)], catalog=[cand("mistral:7b")])
    err = info.value
    assert err.profile == "code"
    assert dict(err.rejected)[f"phi3:mini@{A}"] == (
        "context window 4096 is under the 8192 tokens 'general' needs "
        "(under 'general', the end of the fallback chain)"
    )
    assert err.suggestions == ("mistral:7b",)


def test_no_candidates_at_all() -> None:
    with pytest.raises(NoModelAvailable) as info:
        route("general", [])
    assert info.value.rejected == ()


# --- the decision value -----------------------------------------------------------------


def test_decision_encodes_to_the_route_json_shape() -> None:
    decision = route("code", inventory())
    doc = msgspec.json.decode(msgspec.json.encode(decision))
    assert {"profile", "requested_profile", "model", "host", "fallback_used", "reasons"} <= set(
        doc
    )
    assert set(doc["candidates"][0]) == {"name", "host", "score", "rejected_reason"}
    assert isinstance(doc["stale"], bool)
    assert all(isinstance(r, str) for r in doc["reasons"])
    assert len(doc["candidates"]) == len(inventory())
    first = doc["candidates"][0]
    assert (first["name"], first["rejected_reason"]) == ("qwen2.5-coder:7b", None)
    assert msgspec.json.decode(msgspec.json.encode(decision), type=RouteDecision) == decision


def test_candidates_are_listed_fitting_first_by_score() -> None:
    decision = route("general", inventory())
    fitting = [c for c in decision.candidates if c.rejected_reason is None]
    rejected = [c for c in decision.candidates if c.rejected_reason is not None]
    assert decision.candidates == (*fitting, *rejected)
    assert [c.score for c in fitting] == sorted((c.score for c in fitting), reverse=True)
    assert fitting[0].name == decision.model


def test_a_large_inventory_lists_the_best_and_counts_the_rest() -> None:
    from ollm_actors.routing.candidate import Candidate
    from ollm_actors.routing.select import LISTED_CANDIDATES, select_model
    from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES

    pool = [
        Candidate(
            name=f"llama3.1:{i}b",
            host="http://a:1",
            family="llama",
            parameter_size=f"{1 + i % 70}B",
            context_window=131072,
            capabilities=frozenset({"completion", "streaming"}),
        )
        for i in range(3 * LISTED_CANDIDATES)
    ]
    decision = select_model("general", pool, profiles=BUILTIN_PROFILES)
    fitting = [c for c in decision.candidates if c.rejected_reason is None]
    assert len(fitting) == LISTED_CANDIDATES
    assert decision.unlisted == 2 * LISTED_CANDIDATES
    # The listed ones are the best: none left out scores higher than the last one listed.
    assert fitting[0].name == decision.model
    scores = [c.score for c in fitting]
    assert scores == sorted(scores, reverse=True)
    shuffled = select_model("general", pool[::-1], profiles=BUILTIN_PROFILES)
    assert shuffled.candidates == decision.candidates
