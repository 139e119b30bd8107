"""Token budgets: how much a request may generate, and the options that make Ollama honour it.

The point is that the server never cuts a prompt off. Ollama runs a model with ``num_ctx``
tokens of context (a server default that is often far below the model's window) and silently
drops the start of a prompt that does not fit. A budget therefore always says which ``num_ctx``
to send: large enough for the prompt and the whole output, never larger than the window.

Rules of :func:`compute_budget`:

* effective context = the model's window, capped by the configured ``numCtx`` when set;
* the requested output = the request's ``max_output``, else the configured ``maxTokens``;
  the fit rule reserves ``min(requested, the model's max output)``
  (:func:`~ollm_actors.vocab.fit.reserved_output`), one token when nothing is requested;
* the prompt *fits* when it leaves room for that reserve (for embedding models, which
  generate nothing, when the prompt itself fits) — the router's rule, so a model it picks
  for a request always has the room the request's budget asks for;
* ``max_output`` = the reserve; with nothing requested, the model's max output clamped to
  what the prompt leaves;
* ``num_predict`` = ``max_output``; ``num_ctx`` = ``prompt + max_output`` rounded up to a
  multiple of :data:`NUM_CTX_STEP` and capped at the effective context, so
  ``prompt + num_predict <= num_ctx <= effective context`` always holds. A coarse step keeps the
  number of distinct ``num_ctx`` values small: every change makes Ollama reload the model.
* the *default context* is what the model loads with when a request sends no ``num_ctx``
  (its Modelfile's ``PARAMETER num_ctx``, else the server's default). A prompt that fits
  the window but not that default is cut by a client that sends no options:
  ``fits_default`` is false, ``default_context_note`` names the ``num_ctx`` to send, and
  ``fix`` is the command that makes a model which loads with enough context
  (``ollm create NAME-8k --from NAME --num-ctx 8192``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ollm_actors.errors import PromptTooLarge
from ollm_actors.limits.resolve import ModelLimits
from ollm_actors.limits.tokens import estimate_prompt_tokens
from ollm_actors.vocab.fit import effective_window, prompt_fits, reserved_output

__all__ = (
    "NUM_CTX_STEP",
    "RequestOptions",
    "TokenBudget",
    "budget_context",
    "compute_budget",
    "compute_budget_for_prompt",
    "derived_name",
    "suggested_num_ctx",
)

NUM_CTX_STEP = 1024


class RequestOptions(msgspec.Struct, frozen=True, kw_only=True):
    """The Ollama request ``options`` a budget asks for."""

    num_ctx: int
    num_predict: int

    def as_dict(self) -> dict[str, int]:
        """The options as a dict to merge into a request's ``options``."""
        return {"num_ctx": self.num_ctx, "num_predict": self.num_predict}


class TokenBudget(msgspec.Struct, frozen=True, kw_only=True):
    """The token budget of one request to one model (see the module docstring for the rules).

    ``output_left`` is the room the prompt leaves in the effective context; ``notes`` explain
    every clamp in words a person can act on.
    """

    model: str
    context_window: int
    effective_context: int
    prompt_tokens: int
    fits: bool
    output_left: int
    max_output: int
    options: RequestOptions
    notes: tuple[str, ...] = ()
    #: the context a request without ``num_ctx`` gets, and where that figure comes from
    default_context: int | None = None
    default_context_source: str | None = None
    #: False when the prompt (and its reserve) fits the window but not the default context
    fits_default: bool = True
    #: when ``fits_default`` is false: what happens, the ``num_ctx`` to send, and ``fix``,
    #: the command that makes a model loading with enough context (apart from ``notes``,
    #: which explain the budget's own clamps)
    default_context_note: str | None = None
    fix: str | None = None
    #: the memory check of ``budget()`` on a host of known ``vram`` (all None when its
    #: capacity or the model's memory facts are unknown): the host, the estimated bytes at
    #: the ``num_ctx`` to send, whether that fits whole in the GPU and what share would go
    #: to the CPU, the largest ``num_ctx`` that fits (a multiple of 1,024), whether the
    #: prompt and at least one token of output fit in it, and a sentence saying so
    memory_host: str | None = None
    memory_total: int | None = None
    memory_fits: bool | None = None
    memory_cpu_share: float | None = None
    memory_max_context: int | None = None
    memory_prompt_fits: bool | None = None
    memory_note: str | None = None


def derived_name(model: str, num_ctx: int) -> str:
    """The name of ``model``'s derivative with ``num_ctx`` of context: ``llama3.2-8k``, or
    ``llama3.1:8b-32k`` for a model with a tag of its own."""
    size = f"{num_ctx // 1024}k" if num_ctx % 1024 == 0 else str(num_ctx)
    base, _, tag = model.partition(":")
    return f"{base}-{size}" if tag in ("", "latest") else f"{base}:{tag}-{size}"


def suggested_num_ctx(needed: int, window: int) -> int:
    """The power of two (at least 2048) that holds ``needed`` tokens, capped at the window."""
    size = 2048
    while size < needed:
        size *= 2
    return min(size, window)


def _with_default_context(budget: TokenBudget, limits: ModelLimits, needed: int) -> TokenBudget:
    default = limits.default_context
    source = limits.default_context_source
    where = "its Modelfile's PARAMETER num_ctx" if source == "modelfile" else "the server default"
    if needed <= default or not budget.fits:
        return msgspec.structs.replace(
            budget, default_context=default, default_context_source=source
        )
    size = suggested_num_ctx(needed, limits.context_window)
    fix = f"ollm create {derived_name(limits.model, size)} --from {limits.model} --num-ctx {size}"
    note = (
        f"the prompt fits the window of {limits.context_window} but not the model's default "
        f"context of {default} ({where}): a request without options is cut; send "
        f"num_ctx {budget.options.num_ctx} in its options, or make a model that loads with "
        f"enough: {fix}"
    )
    return msgspec.structs.replace(
        budget,
        default_context=default,
        default_context_source=source,
        fits_default=False,
        fix=fix,
        default_context_note=note,
    )


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def _send_ctx(effective: int, prompt_tokens: int, output: int) -> int:
    return min(effective, max(NUM_CTX_STEP, _round_up(prompt_tokens + output, NUM_CTX_STEP)))


def budget_context(
    window: int,
    prompt_tokens: int,
    *,
    num_ctx: int | None,
    requested: int | None,
    model_max: int | None,
    generates: bool,
) -> int:
    """The ``num_ctx`` :func:`compute_budget` sends for a prompt of ``prompt_tokens`` that
    fits a model of ``window`` (``model_max`` its max output, None: the window), with
    ``requested`` output (None: nothing asked) and the settings' ``num_ctx``: the context
    the model is loaded with, so the one the router sizes its memory at."""
    effective = effective_window(window, num_ctx)
    if not generates:
        output = 0
    elif requested is not None:
        output = reserved_output(requested, model_max, generates=True)
    else:
        output = max(1, min(window if model_max is None else model_max, effective - prompt_tokens))
    return _send_ctx(effective, prompt_tokens, output)


def compute_budget(
    limits: ModelLimits,
    *,
    prompt_tokens: int,
    max_output: int | None = None,
    configured_max_tokens: int | None = None,
    num_ctx: int | None = None,
    strict: bool = True,
) -> TokenBudget:
    """The budget for a prompt of ``prompt_tokens`` tokens sent to the model of ``limits``.

    ``max_output`` is this request's wish, ``configured_max_tokens`` the settings'
    ``options.maxTokens``, ``num_ctx`` the settings' ``providers.ollama.options.numCtx``.

    Raises :class:`~ollm_actors.errors.PromptTooLarge` (model, effective context, prompt
    tokens) when the prompt does not fit, unless ``strict`` is false: then the budget has
    ``fits=False``, no output and ``num_ctx`` = the effective context. Raises ``ValueError``
    for a negative ``prompt_tokens`` or ``max_output``, or a ``num_ctx`` below 1.
    """
    if prompt_tokens < 0:
        raise ValueError(f"prompt_tokens must be 0 or more, got {prompt_tokens}")
    if max_output is not None and max_output < 0:
        raise ValueError(f"max_output must be 0 or more, got {max_output}")
    if num_ctx is not None and num_ctx < 1:
        raise ValueError(f"num_ctx must be at least 1, got {num_ctx}")

    notes: list[str] = []
    window = limits.context_window
    effective = effective_window(window, num_ctx)
    if num_ctx is not None:
        if num_ctx < window:
            notes.append(f"numCtx {num_ctx} caps the model's window of {window}")
        elif num_ctx > window:
            notes.append(f"numCtx {num_ctx} exceeds the model's window of {window}; using {window}")

    generates = limits.capabilities.completion
    model_max = limits.max_output_tokens
    requested: int | None = max_output if max_output is not None else configured_max_tokens
    label = "max_output" if max_output is not None else "maxTokens"
    reserve = reserved_output(requested, model_max, generates=generates)
    needed = prompt_tokens + (reserve if generates else 0)
    fits = prompt_fits(
        window, prompt_tokens, generates=generates, num_ctx=num_ctx, reserve=reserve
    )
    if not fits:
        if strict:
            raise PromptTooLarge(limits.model, effective, prompt_tokens, reserve)
        output_words = f" and {reserve} tokens of output" if reserve > 1 else ""
        notes.append(
            f"prompt of ~{prompt_tokens} tokens{output_words} does not fit the context of "
            f"{effective} (over by {needed - effective})"
        )
        return TokenBudget(
            model=limits.model,
            context_window=window,
            effective_context=effective,
            prompt_tokens=prompt_tokens,
            fits=False,
            output_left=max(0, effective - prompt_tokens),
            max_output=0,
            options=RequestOptions(num_ctx=effective, num_predict=0),
            notes=tuple(notes),
        )

    left = effective - prompt_tokens
    output = 0
    if generates:
        if requested is not None:
            # The fit reserved exactly this, so it is never more than what is left.
            output = reserve
            if requested > model_max:
                notes.append(
                    f"{label} {requested} clamped to the model's max output {model_max}"
                )
        else:
            output = model_max
            if output > left:
                notes.append(
                    f"the model's max output {output} clamped to {left} left after the prompt"
                )
                output = left
            output = max(1, output)

    send_ctx = _send_ctx(effective, prompt_tokens, output)
    budget = TokenBudget(
        model=limits.model,
        context_window=window,
        effective_context=effective,
        prompt_tokens=prompt_tokens,
        fits=True,
        output_left=left,
        max_output=output,
        options=RequestOptions(num_ctx=send_ctx, num_predict=output),
        notes=tuple(notes),
    )
    return _with_default_context(budget, limits, needed)


def compute_budget_for_prompt(
    limits: ModelLimits,
    prompt: str | Sequence[Mapping[str, Any]],
    *,
    max_output: int | None = None,
    configured_max_tokens: int | None = None,
    num_ctx: int | None = None,
    strict: bool = True,
) -> TokenBudget:
    """:func:`compute_budget` for a text or chat messages, estimated for the model's family.

    Same errors as :func:`compute_budget`.
    """
    tokens = estimate_prompt_tokens(prompt, limits.family)
    return compute_budget(
        limits,
        prompt_tokens=tokens,
        max_output=max_output,
        configured_max_tokens=configured_max_tokens,
        num_ctx=num_ctx,
        strict=strict,
    )
