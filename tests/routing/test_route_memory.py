"""The router's memory rule, pure: the context a request loads a model with, the host it
prefers, the reasons, ``allowCpuSpill: false`` and unknown capacity."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.config import load_settings
from ollm_actors.errors import NoModelAvailable, SettingsError
from ollm_actors.limits.budget import budget_context, compute_budget
from ollm_actors.routing.candidate import Candidate, CandidateMemory
from ollm_actors.routing.memory_rule import request_context
from ollm_actors.routing.scoring import rules_for
from ollm_actors.routing.select import select_model
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.profiles import RoutingProfile
from tests.limits.test_limits_budget import limits
from tests.memory.facts import llama31_8b
from tests.routing.route_builders import A, B, C, cand

GB = 1_000_000_000
STRICT = {
    **BUILTIN_PROFILES,
    "general": msgspec.structs.replace(BUILTIN_PROFILES["general"], allowCpuSpill=False,
                                       fallbackProfile=None),
}


def on(host: str, vram: int | None, free: int | None = None, *, loaded: bool = False) -> Candidate:
    c = msgspec.structs.replace(
        cand("llama3.1:8b", host, family="llama", params="8.0B", window=131072,
             profiles=("general",), loaded=loaded),
        max_output_tokens=131072,
    )
    if vram is None:
        return c
    memory = CandidateMemory(digest="sha256:l31", facts=llama31_8b(), vram=vram,
                             free=vram if free is None else free)
    return msgspec.structs.replace(c, memory=memory)


@given(
    window=st.sampled_from((2048, 4096, 32768, 131072)),
    output=st.sampled_from((512, 4096, 131072)),
    prompt=st.integers(0, 140_000),
    num_ctx=st.none() | st.sampled_from((2048, 8192)),
    requested=st.none() | st.sampled_from((0, 1, 1024, 200_000)),
    completion=st.booleans(),
)
def test_the_request_context_is_the_num_ctx_the_budget_sends(
    window: int, output: int, prompt: int, num_ctx: int | None, requested: int | None,
    completion: bool,
) -> None:
    model = limits(window, output, completion=completion)
    budget = compute_budget(model, prompt_tokens=prompt, max_output=requested, num_ctx=num_ctx,
                            strict=False)
    if budget.fits:
        assert budget.options.num_ctx == budget_context(
            window, prompt, num_ctx=num_ctx, requested=requested, model_max=output,
            generates=completion,
        )


def test_among_equal_scores_the_host_where_it_fits_wins_and_the_reasons_name_both() -> None:
    # The request loads llama3.1:8b at 32,768 tokens (31k prompt + 1,024 output): ~12 GB.
    pool = [on(A, 8 * GB), on(B, 48 * GB), on(C, None)]
    for order in (pool, pool[::-1]):
        decision = select_model("general", order, profiles=BUILTIN_PROFILES,
                                prompt_tokens=31_000, max_output=1024)
        assert decision.host == B
        memory = next(r for r in decision.reasons if r.startswith("fits: "))
        assert memory.startswith(f"fits: 12.1 of 48 GB on {B} at num_ctx 32768; ")
        assert f"on {A} it would put " in memory and "(12.2 GB at num_ctx 32768, 8 GB)" in memory
        assert C not in memory  # capacity unknown: nothing said, nothing guessed
        chosen = next(r for r in decision.reasons if "was chosen" in r)
        assert "the model fits whole in its GPU" in chosen


def test_unknown_capacity_ranks_between_a_fit_and_a_spill() -> None:
    decision = select_model("general", [on(A, 8 * GB), on(C, None)], profiles=BUILTIN_PROFILES,
                            prompt_tokens=31_000, max_output=1024)
    assert decision.host == C
    assert not any(r.startswith(("fits: ", "spills: ")) for r in decision.reasons)


def test_a_spill_is_chosen_when_allowed_and_nothing_better_exists_and_says_so() -> None:
    decision = select_model("general", [on(A, 8 * GB)], profiles=BUILTIN_PROFILES,
                            prompt_tokens=31_000, max_output=1024)
    assert decision.host == A
    assert any(r.startswith(f"spills: on {A} it would put ") for r in decision.reasons)


def test_allow_cpu_spill_false_rejects_the_spill_and_keeps_the_fit() -> None:
    decision = select_model("general", [on(A, 8 * GB), on(B, 48 * GB)], profiles=STRICT,
                            prompt_tokens=31_000, max_output=1024)
    assert decision.host == B
    with pytest.raises(NoModelAvailable) as caught:
        select_model("general", [on(A, 8 * GB), on(B, 48 * GB, free=5 * GB)], profiles=STRICT,
                     prompt_tokens=31_000, max_output=1024)
    rejected = dict(caught.value.rejected)
    assert "at num_ctx 32768 (8 GB)" in rejected[f"llama3.1:8b@{A}"]
    assert "5 GB free of 48 GB" in rejected[f"llama3.1:8b@{B}"]
    assert "allowCpuSpill: false" in rejected[f"llama3.1:8b@{B}"]
    assert "does not fit whole in the GPU" in str(caught.value)


def test_unknown_memory_is_never_rejected_for_memory() -> None:
    decision = select_model("general", [on(C, None)], profiles=STRICT, prompt_tokens=31_000,
                            max_output=1024)
    assert decision.host == C


def test_the_context_follows_the_prompt_and_the_settings_cap() -> None:
    profile: RoutingProfile = BUILTIN_PROFILES["general"]
    c = on(A, 8 * GB)
    assert request_context(c, rules_for("general", profile, prompt_tokens=100,
                                        max_output=1024).need) == 2048
    capped = rules_for("general", profile, prompt_tokens=100, num_ctx=4096).need
    assert request_context(c, capped) == 4096  # nothing asked: the budget fills the cap


def test_bad_memory_settings_name_their_path(tmp_path: Path) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text("routing:\n  profiles:\n    general: {allowCpuSpill: maybe}\n"
                      "  memory: {evict: 3}\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(config, env={}, cwd=tmp_path)
    text = str(caught.value)
    assert "routing.profiles.general.allowCpuSpill" in text and "routing.memory.evict" in text
    good = tmp_path / "good.yaml"
    good.write_text("routing:\n  profiles:\n    general: {allowCpuSpill: false}\n"
                    "  memory: {evict: true}\n")
    settings = load_settings(good, env={}, cwd=tmp_path)
    assert settings.routing.profiles["general"].allowCpuSpill is False
    assert settings.routing.memory.evict is True
    assert settings.routing.profiles["code"].allowCpuSpill is None  # built-ins: allowed
