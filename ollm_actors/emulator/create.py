"""``POST /api/create`` from an existing model (``from``), as Ollama's ``CreateHandler`` does it.

A base that is not installed is pulled first (its pull lines, ``success`` included, lead the
stream). Then one ``using existing layer sha256:…`` line per layer the new model shares and
``creating new layer sha256:…`` for a blob the server did not have (new parameters, system or
template), ``writing manifest`` and ``success``. Problems found before any line is sent are HTTP
errors with Ollama's messages; problems after are ``{"error": …}`` lines. Creating from
``files``/``adapters`` (uploaded blobs) and quantizing are not emulated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
from msgspec.structs import replace

from ollm_actors.emulator.catalog import (
    MEDIA_MODEL,
    MEDIA_PROJECTOR,
    CatalogModel,
    ParamValue,
    model_layers,
    text_layers,
)
from ollm_actors.emulator.names import ServerName, parse_server_name
from ollm_actors.emulator.pull import error_line, pull_lines
from ollm_actors.emulator.state import EmulatorState
from ollm_actors.emulator.wire import CreateRequest, ProgressBody, Refusal
from ollm_actors.errors import InvalidModelName

__all__ = ("NOT_EMULATED", "create", "derive")

#: The 501 message for the parts of create the emulator leaves out.
NOT_EMULATED = "the emulator creates models from 'from' only (no files, adapters or quantize)"
_QUANTIZED = "quantization is only supported for F16, BF16 and F32 models"
_BIG = frozenset({MEDIA_MODEL, MEDIA_PROJECTOR})


def _line(status: str) -> bytes:
    return msgspec.json.encode(ProgressBody(status)) + b"\n"


def _pairs(key: str, value: Any) -> list[tuple[str, ParamValue]]:
    values = value if isinstance(value, list) else [value]
    return [(key, v) for v in values if isinstance(v, str | int | float | bool)]


def _parameters(
    base: tuple[tuple[str, ParamValue], ...], given: dict[str, Any] | None
) -> tuple[tuple[str, ParamValue], ...]:
    # Ollama's setParameters: a key the request sets replaces the base's; the others stay.
    chosen = given or {}
    kept = [(key, value) for key, value in base if key not in chosen]
    return tuple(kept + [pair for key, value in chosen.items() for pair in _pairs(key, value)])


def _license(given: str | list[str] | None, base: str) -> str:
    if given is None or given == "" or given == []:
        return base
    return given if isinstance(given, str) else "\n".join(given)


def derive(base: CatalogModel, name: str, request: CreateRequest) -> CatalogModel:
    """The model ``request`` makes from ``base``: same weights, its own small blobs."""
    derived = replace(
        base,
        name=name,
        aliases=(),
        weights_of=base.weights_of or base.name,
        parameters=_parameters(base.parameters, request.parameters),
        system=request.system or base.system,
        template=request.template or base.template,
        license=_license(request.license, base.license),
    )
    big = sum(layer.size for layer in model_layers(base) if layer.media_type in _BIG)
    small = sum(len(data) for _, data in text_layers(derived))
    config = model_layers(base)[-1].size
    return replace(derived, size=big + small + config)


def _problem(request: CreateRequest) -> Refusal | None:
    """What Ollama refuses with an HTTP status before streaming anything."""
    if request.files or request.adapters:
        return Refusal(501, NOT_EMULATED)
    try:
        parse_server_name(request.requested)
    except InvalidModelName:
        return Refusal(400, "invalid model name")
    if not request.from_:
        return Refusal(400, "neither 'from' or 'files' was specified")
    try:
        parse_server_name(request.from_)
    except InvalidModelName:
        return Refusal(400, "invalid model name")
    if request.template.count("{{") != request.template.count("}}"):
        return Refusal(400, "template error: unbalanced '{{' and '}}'")
    return None


def _layer_lines(state: EmulatorState, model: CatalogModel) -> Iterator[bytes]:
    # Ollama lists every layer but the config; a blob it had to write is a "new layer".
    for layer in model_layers(model)[:-1]:
        verb = "using existing" if layer.digest in state.blobs else "creating new"
        state.blobs.add(layer.digest)
        yield _line(f"{verb} layer {layer.digest}")


def _create_lines(
    state: EmulatorState, name: ServerName, base_name: ServerName, request: CreateRequest
) -> Iterator[bytes]:
    if state.find_installed(base_name.display) is None:
        pulled = False
        for line in pull_lines(state, base_name):
            pulled = line == _line("success")
            yield line
        if not pulled:
            return  # the pull's error line ended the stream, as in Ollama
        if request.quantize:
            yield error_line(_QUANTIZED)
            return
    base = state.find_installed(base_name.display)
    if base is None:  # removed while streaming
        yield error_line(f"model '{base_name.display}' not found")
        return
    model = derive(base.model, name.display, request)
    yield from _layer_lines(state, model)
    yield _line("writing manifest")
    state.install_model(model, name.display)
    yield _line("success")


def create(state: EmulatorState, request: CreateRequest) -> Refusal | Iterator[bytes]:
    """The refusal, or the NDJSON lines, Ollama answers ``request`` with."""
    problem = _problem(request)
    if problem is not None:
        return problem
    name = parse_server_name(request.requested)
    base_name = parse_server_name(request.from_)
    installed = state.find_installed(base_name.display) is not None
    if request.quantize and installed:
        # Every emulated model is already quantized; found before anything is written.
        return Refusal(500, _QUANTIZED)
    return _create_lines(state, name, base_name, request)
