"""``/api/generate`` and ``/api/chat`` as model management uses them: load and unload.

An empty ``prompt`` (or no ``messages``) loads the model into ``/api/ps``
(``done_reason: "load"``); with ``keep_alive`` 0 it unloads it (``done_reason: "unload"``).
Both answers are one JSON object whatever ``stream`` says, as Ollama sends them. The emulator
generates no text: a non-empty prompt or conversation is refused with HTTP 501, so a test that
relied on generation fails loudly instead of reading made-up output.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ollm_actors.emulator.durations import FOREVER, DurationError, keep_alive_seconds
from ollm_actors.emulator.names import parse_server_name
from ollm_actors.emulator.state import EmulatorState, InstalledModel
from ollm_actors.emulator.wire import (
    ChatRequest,
    ChatResponse,
    GenerateRequest,
    GenerateResponse,
    KeepAlive,
    Message,
    Refusal,
)
from ollm_actors.errors import InvalidModelName

__all__ = ("NO_GENERATION", "chat", "generate")

#: The 501 message for a request that asks for text.
NO_GENERATION = "the emulator does not generate text; send an empty prompt to load a model"


def _context_length(state: EmulatorState, entry: InstalledModel, options: dict[str, Any]) -> int:
    # Ollama's precedence: server default, then the Modelfile's PARAMETER, then request options.
    chosen = state.default_num_ctx
    for key, value in entry.model.parameters:
        if key == "num_ctx" and isinstance(value, int | float) and not isinstance(value, bool):
            chosen = int(value)
    asked = options.get("num_ctx")
    if isinstance(asked, int | float) and not isinstance(asked, bool) and asked > 0:
        chosen = int(asked)
    return chosen


def _serve(
    state: EmulatorState,
    model: str,
    *,
    empty: bool,
    keep_alive: KeepAlive,
    options: dict[str, Any] | None,
    verb: str,
    missing_name: Refusal,
) -> Refusal | str:
    """The done_reason of a load or unload, or the refusal Ollama answers with."""
    try:
        seconds = keep_alive_seconds(keep_alive, state.default_keep_alive)
    except DurationError as exc:
        return Refusal(400, str(exc))
    if not model:
        return missing_name
    try:
        parse_server_name(model)
    except InvalidModelName:
        return Refusal(400, "invalid model name")
    entry = state.find_installed(model)
    if entry is None:
        return Refusal(404, f"model '{model}' not found")
    if empty and seconds == 0:
        state.unload(model)
        return "unload"
    if "completion" not in entry.model.capabilities:
        return Refusal(400, f'"{model}" does not support {verb}')
    if not empty:
        return Refusal(501, NO_GENERATION)
    state.load(
        model,
        context_length=_context_length(state, entry, options or {}),
        keep_alive=-1.0 if seconds == FOREVER else seconds,
    )
    return "load"


def _now(state: EmulatorState) -> datetime:
    return state.clock().astimezone(UTC)


def generate(state: EmulatorState, request: GenerateRequest) -> Refusal | GenerateResponse:
    """Answer ``POST /api/generate``: load, unload, or a refusal."""
    done = _serve(
        state,
        request.model,
        empty=not request.prompt,
        keep_alive=request.keep_alive,
        options=request.options,
        verb="generate",
        missing_name=Refusal(404, f"model '{request.model}' not found"),
    )
    if isinstance(done, Refusal):
        return done
    return GenerateResponse(request.model, _now(state), "", True, done)


def chat(state: EmulatorState, request: ChatRequest) -> Refusal | ChatResponse:
    """Answer ``POST /api/chat``: load, unload, or a refusal."""
    done = _serve(
        state,
        request.model,
        empty=not request.messages,
        keep_alive=request.keep_alive,
        options=request.options,
        verb="chat",
        missing_name=Refusal(400, "model is required"),
    )
    if isinstance(done, Refusal):
        return done
    return ChatResponse(request.model, _now(state), Message(), True, done)
