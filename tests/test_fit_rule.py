"""THE fit rule (``ollm_actors.vocab.fit``): the router and the token budget give one answer.

Stated from the rule's definition: a prompt of ``p`` tokens fits a model whose effective
window is ``w`` (its window, capped by ``numCtx``) when ``p + r <= w`` for a model that
generates, ``r`` the reserved output ``max(1, min(requested max output, the model's max
output))`` (1 when nothing is requested), and ``p <= w`` for one that does not. The router
accepts a model for a request exactly when the budget says it fits.
"""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.emulator import CATALOG, CatalogModel, EmulatorState, run_emulator
from ollm_actors.emulator.catalog import manifest_digest, model_info
from ollm_actors.errors import NoModelAvailable, PromptTooLarge
from ollm_actors.limits.budget import compute_budget
from ollm_actors.limits.resolve import ModelLimits, resolve_limits, server_facts_from_show
from ollm_actors.routing.candidates_from import candidate_from_limits
from ollm_actors.routing.select import select_model
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.fit import suited_profiles

_DATABASE = load_builtin_database()


def limits_of(model: CatalogModel) -> ModelLimits:
    """The limits the runtime resolves for an installed emulator model (server facts)."""
    facts = server_facts_from_show(
        model_info(model), model.capabilities, model.family, manifest_digest(model)
    )
    return resolve_limits(model.name, database=_DATABASE, server=facts, family=model.family)


def routes(
    limits: ModelLimits, profile: str, prompt: int, num_ctx: int | None, wish: int | None
) -> bool:
    candidate = candidate_from_limits(limits, "http://h:11434")
    try:
        select_model(
            profile,
            [candidate],
            profiles=BUILTIN_PROFILES,
            prompt_tokens=prompt,
            num_ctx=num_ctx,
            max_output=wish,
        )
    except NoModelAvailable:
        return False
    return True


@st.composite
def requests(draw: st.DrawFn) -> tuple[CatalogModel, str, int, int | None, int | None]:
    """A catalogue model, a profile it suits, and a prompt size near its window's edge."""
    model = draw(st.sampled_from(CATALOG))
    limits = limits_of(model)
    suited = suited_profiles(
        limits.capabilities.names(), limits.context_window, BUILTIN_PROFILES
    )
    profile = draw(st.sampled_from(suited or ["general"]))
    num_ctx = draw(st.one_of(st.none(), st.sampled_from([2048, 4096, 8192, 32768])))
    window = limits.context_window if num_ctx is None else min(num_ctx, limits.context_window)
    # Most draws sit at the edge, where an off-by-one or a reserved output would show.
    prompt = draw(
        st.one_of(
            st.integers(min_value=window - 3, max_value=window + 1),
            st.integers(min_value=0, max_value=2 * window),
        ).filter(lambda n: n >= 0)
    )
    wish = draw(st.none() | st.integers(min_value=0, max_value=2 * limits.max_output_tokens))
    return model, profile, prompt, num_ctx, wish


@settings(max_examples=300, deadline=None)
@given(requests())
def test_route_and_budget_agree_on_every_catalogue_model(
    request: tuple[CatalogModel, str, int, int | None, int | None],
) -> None:
    model, profile, prompt, num_ctx, wish = request
    limits = limits_of(model)
    budget = compute_budget(
        limits, prompt_tokens=prompt, num_ctx=num_ctx, max_output=wish, strict=False
    )
    window = limits.context_window if num_ctx is None else min(num_ctx, limits.context_window)
    generates = "completion" in model.capabilities
    reserve = 1 if wish is None else max(1, min(wish, limits.max_output_tokens))
    by_definition = prompt + (reserve if generates else 0) <= window
    assert budget.fits is by_definition
    if profile in suited_profiles(
        limits.capabilities.names(), limits.context_window, BUILTIN_PROFILES
    ):
        assert routes(limits, profile, prompt, num_ctx, wish) is by_definition


def test_every_catalogue_model_suits_some_profile() -> None:
    # Keeps the property above from skipping its routing half for a whole model.
    for model in CATALOG:
        limits = limits_of(model)
        assert suited_profiles(
            limits.capabilities.names(), limits.context_window, BUILTIN_PROFILES
        ), model.name


@pytest.mark.anyio
async def test_phi3_mini_serves_fast_with_a_500_token_prompt(tmp_path: Path) -> None:
    # phi3:mini: a 4,096-token window and 2,048 tokens of max output; options.maxTokens is
    # 4,096. Reserving maxTokens on top of the prompt would reject it; the fit rule does not.
    state = EmulatorState.empty()
    for name in ("phi3:mini", "llama3.1:8b"):
        state.install(name)
    with anyio.fail_after(20):
        async with run_emulator(state) as emu:
            settings_ = hermetic_settings([emu.url], tmp_path / "cfg")
            assert settings_.options.max_tokens == 4096
            async with open_runtime(settings_) as rt:
                decision = await rt.router.select_model("fast", prompt_tokens=500)
                budget = await rt.limits.budget("phi3:mini", prompt_tokens=500)
                limits = await rt.limits.lookup("phi3:mini")
    assert (limits.context_window, limits.max_output_tokens) == (4096, 2048)
    assert decision.model == "phi3:mini"
    assert budget.fits and budget.max_output == 2048
    assert budget.options.num_ctx == 3072  # 500 + 2048 rounded up to the next 1,024


@pytest.mark.anyio
async def test_runtime_route_and_budget_agree_at_the_window_edge(tmp_path: Path) -> None:
    state = EmulatorState.empty()
    for name in ("phi3:mini", "llama3.1:8b", "qwen2.5-coder:7b"):
        state.install(name)
    with anyio.fail_after(30):
        async with run_emulator(state) as emu:
            settings_ = hermetic_settings([emu.url], tmp_path / "cfg")
            async with open_runtime(settings_) as rt:
                names = ("phi3:mini", "llama3.1:8b", "qwen2.5-coder:7b")
                limits = {name: await rt.limits.lookup(name) for name in names}
                for profile in ("fast", "general", "code"):
                    suits = [
                        name
                        for name in names
                        if profile
                        in suited_profiles(
                            limits[name].capabilities.names(),
                            limits[name].context_window,
                            rt.settings.routing.profiles,
                        )
                    ]
                    assert suits, profile
                    for prompt in (2047, 2048, 2049, 4095, 4096, 126976, 126977, 131072):
                        try:
                            decision = await rt.router.select_model(profile, prompt_tokens=prompt)
                        except NoModelAvailable:
                            routed: set[str] = set()
                        else:
                            routed = {
                                c.name for c in decision.candidates if c.rejected_reason is None
                            }
                        for name in suits:
                            try:
                                budget = await rt.limits.budget(name, prompt_tokens=prompt)
                            except PromptTooLarge:
                                fits = False
                            else:
                                fits = budget.fits
                            assert (name in routed) is fits, (profile, name, prompt)
                # phi3:mini: 4096 window, 2048 max output; maxTokens 4096 reserves 2048.
                fitting = await rt.router.select_model("fast", prompt_tokens=2048)
                assert "phi3:mini" in {c.name for c in fitting.candidates if not c.rejected_reason}
                over = await rt.router.select_model("fast", prompt_tokens=2049)
                assert "phi3:mini" not in {c.name for c in over.candidates if not c.rejected_reason}
