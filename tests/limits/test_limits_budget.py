"""Token budgets: fitting, clamping, and the num_ctx / num_predict sent to Ollama."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.errors import PromptTooLarge
from ollm_actors.limits.budget import (
    NUM_CTX_STEP,
    RequestOptions,
    TokenBudget,
    compute_budget,
    compute_budget_for_prompt,
)
from ollm_actors.limits.resolve import LimitsSource, LimitsSources, ModelLimits, resolve_limits
from ollm_actors.limits.tokens import estimate_message_tokens, estimate_tokens
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.entries import Capabilities

DB = load_builtin_database()


def limits(window: int, output: int, *, completion: bool = True) -> ModelLimits:
    source: LimitsSource = "database"
    return ModelLimits(
        model="m:latest",
        family="llama",
        context_window=window,
        max_output_tokens=output,
        capabilities=Capabilities(completion=completion, embedding=not completion),
        profiles=(),
        matched_pattern="m*",
        source=source,
        sources=LimitsSources(
            context_window=source,
            max_output_tokens=source,
            capabilities=source,
            family=source,
            profiles=source,
        ),
    )


def test_plain_budget_sends_a_rounded_num_ctx() -> None:
    budget = compute_budget(limits(131072, 8192), prompt_tokens=6000, configured_max_tokens=4096)
    assert budget.fits
    assert budget.effective_context == 131072
    assert budget.output_left == 125072
    assert budget.max_output == 4096
    assert budget.options == RequestOptions(num_ctx=10240, num_predict=4096)
    assert budget.options.as_dict() == {"num_ctx": 10240, "num_predict": 4096}
    assert budget.notes == ()


def test_request_wish_beats_configured_max_tokens_and_is_clamped_to_model_max() -> None:
    budget = compute_budget(
        limits(131072, 8192), prompt_tokens=100, max_output=20000, configured_max_tokens=50
    )
    assert budget.max_output == 8192
    assert budget.notes == ("max_output 20000 clamped to the model's max output 8192",)


def test_a_prompt_that_leaves_less_than_the_requested_output_does_not_fit() -> None:
    # The fit rule (issue 16) reserves min(maxTokens, the model's max output): 6144 + 4096
    # does not fit 8192, for the budget as for the router.
    with pytest.raises(PromptTooLarge) as info:
        compute_budget(limits(8192, 4096), prompt_tokens=6144, configured_max_tokens=4096)
    assert info.value.reserved_output == 4096
    assert "and 4096 tokens of output" in str(info.value)
    budget = compute_budget(limits(8192, 4096), prompt_tokens=6144, configured_max_tokens=2048)
    assert budget.max_output == 2048
    assert budget.options == RequestOptions(num_ctx=8192, num_predict=2048)


def test_configured_num_ctx_caps_the_window() -> None:
    budget = compute_budget(limits(131072, 8192), prompt_tokens=3000, num_ctx=4000)
    assert budget.effective_context == 4000
    assert budget.max_output == 1000
    assert budget.options == RequestOptions(num_ctx=4000, num_predict=1000)
    assert budget.notes[0] == "numCtx 4000 caps the model's window of 131072"
    wider = compute_budget(limits(4096, 2048), prompt_tokens=10, num_ctx=65536)
    assert wider.effective_context == 4096
    assert "exceeds the model's window" in wider.notes[0]


def test_a_prompt_that_cannot_fit_raises_or_reports() -> None:
    with pytest.raises(PromptTooLarge) as info:
        compute_budget(limits(4096, 2048), prompt_tokens=4096)
    assert (info.value.model, info.value.context_window, info.value.prompt_tokens) == (
        "m:latest",
        4096,
        4096,
    )
    budget = compute_budget(limits(4096, 2048), prompt_tokens=5000, strict=False)
    assert not budget.fits
    assert budget.max_output == 0
    assert budget.options == RequestOptions(num_ctx=4096, num_predict=0)
    # One token of room is enough to fit.
    assert compute_budget(limits(4096, 2048), prompt_tokens=4095).max_output == 1


def test_embedding_models_need_no_output_room() -> None:
    budget = compute_budget(limits(512, 0, completion=False), prompt_tokens=512)
    assert budget.fits
    assert budget.max_output == 0
    assert budget.options == RequestOptions(num_ctx=512, num_predict=0)
    with pytest.raises(PromptTooLarge):
        compute_budget(limits(512, 0, completion=False), prompt_tokens=513)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="prompt_tokens"):
        compute_budget(limits(4096, 2048), prompt_tokens=-1)
    with pytest.raises(ValueError, match="max_output"):
        compute_budget(limits(4096, 2048), prompt_tokens=1, max_output=-5)
    with pytest.raises(ValueError, match="num_ctx"):
        compute_budget(limits(4096, 2048), prompt_tokens=1, num_ctx=0)


def test_budget_for_text_and_messages_uses_the_estimator() -> None:
    model = resolve_limits("qwen2.5:7b", database=DB)
    text = "Summarise this report. " * 200
    budget = compute_budget_for_prompt(model, text)
    assert budget.prompt_tokens == estimate_tokens(text, "qwen")
    messages = [{"role": "user", "content": text, "images": ["aGk="]}]
    budget = compute_budget_for_prompt(model, messages, max_output=100)
    assert budget.prompt_tokens == estimate_message_tokens(messages, "qwen")
    assert budget.max_output == 100


windows = st.integers(min_value=1, max_value=2_000_000)


@given(
    window=windows,
    output_cap=st.integers(min_value=0, max_value=2_000_000),
    prompt=st.integers(min_value=0, max_value=2_100_000),
    wish=st.none() | st.integers(min_value=0, max_value=3_000_000),
    configured=st.none() | st.integers(min_value=0, max_value=3_000_000),
    num_ctx=st.none() | windows,
    completion=st.booleans(),
)
@settings(max_examples=300)
def test_budget_invariants(
    window: int,
    output_cap: int,
    prompt: int,
    wish: int | None,
    configured: int | None,
    num_ctx: int | None,
    completion: bool,
) -> None:
    model = limits(window, min(output_cap, window), completion=completion)
    effective = min(window, num_ctx) if num_ctx is not None else window
    requested = wish if wish is not None else configured
    model_max = min(output_cap, window)
    reserve = 1 if requested is None else max(1, min(requested, model_max))
    need = prompt + (reserve if completion else 0)
    if need > effective:
        with pytest.raises(PromptTooLarge):
            compute_budget(
                model,
                prompt_tokens=prompt,
                max_output=wish,
                configured_max_tokens=configured,
                num_ctx=num_ctx,
            )
        return
    budget = compute_budget(
        model,
        prompt_tokens=prompt,
        max_output=wish,
        configured_max_tokens=configured,
        num_ctx=num_ctx,
    )
    assert budget.fits
    assert budget.effective_context == effective
    # Never more output than the window minus the prompt.
    assert budget.max_output <= effective - prompt
    assert budget.options.num_predict == budget.max_output
    assert prompt + budget.options.num_predict <= budget.options.num_ctx <= effective
    assert budget.options.num_ctx == effective or budget.options.num_ctx % NUM_CTX_STEP == 0
    if completion:
        assert budget.max_output >= 1
        requested = wish if wish is not None else configured
        room = min(effective - prompt, model.max_output_tokens)
        if requested is not None and 1 <= requested <= room:
            assert budget.max_output == requested
    else:
        assert budget.max_output == 0


def test_a_prompt_that_does_not_fit_reports_every_field() -> None:
    budget = compute_budget(limits(4096, 2048), prompt_tokens=5000, strict=False)
    assert budget == TokenBudget(
        model="m:latest",
        context_window=4096,
        effective_context=4096,
        prompt_tokens=5000,
        fits=False,
        output_left=0,
        max_output=0,
        options=RequestOptions(num_ctx=4096, num_predict=0),
        # One output token is needed beside the prompt: over by 5001 - 4096.
        notes=("prompt of ~5000 tokens does not fit the context of 4096 (over by 905)",),
    )
    # Just full: no room is left for output, nothing is "left over" below zero.
    full = compute_budget(limits(4096, 2048), prompt_tokens=4096, strict=False)
    assert (full.fits, full.output_left) == (False, 0)
    assert full.notes == ("prompt of ~4096 tokens does not fit the context of 4096 (over by 1)",)
    # An embedding model needs no output token.
    embed = compute_budget(limits(512, 0, completion=False), prompt_tokens=600, strict=False)
    assert embed.notes == ("prompt of ~600 tokens does not fit the context of 512 (over by 88)",)
    capped = compute_budget(limits(8192, 4096), prompt_tokens=3000, num_ctx=2048, strict=False)
    assert (capped.effective_context, capped.output_left) == (2048, 0)
    assert capped.options == RequestOptions(num_ctx=2048, num_predict=0)
    assert capped.notes == (
        "numCtx 2048 caps the model's window of 8192",
        "prompt of ~3000 tokens does not fit the context of 2048 (over by 953)",
    )


def test_a_fitting_budget_reports_every_field() -> None:
    budget = compute_budget(limits(8192, 4096), prompt_tokens=1000, max_output=500)
    assert budget == TokenBudget(
        model="m:latest",
        context_window=8192,
        effective_context=8192,
        prompt_tokens=1000,
        fits=True,
        output_left=7192,
        max_output=500,
        options=RequestOptions(num_ctx=2048, num_predict=500),
        notes=(),
        default_context=4096,
        default_context_source="server default",
    )


def test_num_ctx_equal_to_the_window_needs_no_note() -> None:
    budget = compute_budget(limits(8192, 4096), prompt_tokens=10, num_ctx=8192)
    assert budget.effective_context == 8192
    assert budget.notes == ()


def test_the_models_own_max_output_is_clamped_to_what_is_left() -> None:
    budget = compute_budget(limits(8192, 4096), prompt_tokens=6144)
    assert budget.max_output == 2048
    assert budget.notes == ("the model's max output 4096 clamped to 2048 left after the prompt",)


def test_output_that_exactly_fills_the_room_is_not_clamped() -> None:
    budget = compute_budget(limits(8192, 4096), prompt_tokens=4096, max_output=4096)
    assert budget.max_output == 4096
    assert budget.output_left == 4096
    assert budget.notes == ()
    assert budget.options == RequestOptions(num_ctx=8192, num_predict=4096)


def test_num_ctx_is_never_below_one_step_nor_above_the_window() -> None:
    small = compute_budget(limits(8192, 4096), prompt_tokens=10, max_output=10)
    assert small.options.num_ctx == NUM_CTX_STEP
    exact = compute_budget(limits(8192, 4096), prompt_tokens=1000, max_output=24)
    assert exact.options.num_ctx == 1024
    above = compute_budget(limits(8192, 4096), prompt_tokens=1000, max_output=25)
    assert above.options.num_ctx == 2048
    tiny = compute_budget(limits(600, 100), prompt_tokens=10, max_output=10)
    assert tiny.options.num_ctx == 600


def test_budget_for_a_prompt_passes_every_setting_on() -> None:
    model = limits(8192, 4096)
    text = "word " * 2000  # about 3000 tokens for the narrow class
    tokens = estimate_tokens(text, "llama")
    with pytest.raises(PromptTooLarge):
        compute_budget_for_prompt(model, text, num_ctx=2048)
    lenient = compute_budget_for_prompt(model, text, num_ctx=2048, strict=False)
    assert not lenient.fits
    assert lenient.effective_context == 2048
    budget = compute_budget_for_prompt(model, text, configured_max_tokens=77, num_ctx=4096)
    assert budget.prompt_tokens == tokens
    assert budget.max_output == 77
    assert budget.effective_context == 4096


def test_a_model_nothing_is_known_about_has_the_safe_2048_window() -> None:
    unknown = resolve_limits("zzz-mystery:7b", database=DB)
    budget = compute_budget(unknown, prompt_tokens=1000)
    assert budget.effective_context == 2048
    assert budget.max_output == 512  # the safe default's output
    assert budget.options == RequestOptions(num_ctx=2048, num_predict=512)
    assert compute_budget(unknown, prompt_tokens=2047).max_output == 1
    with pytest.raises(PromptTooLarge) as info:
        compute_budget(unknown, prompt_tokens=2048)
    assert info.value.context_window == 2048
