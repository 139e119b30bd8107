"""Ollama's endpoints as plain functions: (state, request) -> reply, no I/O.

The HTTP layer (``server.py``) parses requests, applies faults and writes replies; everything
Ollama-specific (status codes, bodies, names) lives here so it can be read in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import msgspec

from ollm_actors.emulator.catalog import (
    CatalogModel,
    model_info,
    modelfile_text,
    parameters_text,
)
from ollm_actors.emulator.create import create
from ollm_actors.emulator.generate import chat, generate
from ollm_actors.emulator.names import ServerName, parse_server_name
from ollm_actors.emulator.pull import UNKNOWN_MODEL_ERROR, finish_pull, pull_lines
from ollm_actors.emulator.push import push_lines
from ollm_actors.emulator.state import EmulatorState, InstalledModel, LoadedModel
from ollm_actors.emulator.verbose import tensor_list, verbose_info
from ollm_actors.emulator.wire import (
    ChatRequest,
    CopyRequest,
    CreateRequest,
    Details,
    ErrorBody,
    GenerateRequest,
    ModelRequest,
    PsModel,
    PsResponse,
    Refusal,
    ShowResponse,
    StatusBody,
    TagModel,
    TagsResponse,
    VersionBody,
)
from ollm_actors.errors import InvalidModelName

__all__ = ("JSON", "NDJSON", "FixedReply", "Reply", "Request", "StreamReply", "handle")

JSON = "application/json; charset=utf-8"
NDJSON = "application/x-ndjson"
TEXT = "text/plain; charset=utf-8"

_T = TypeVar("_T")


class Request(msgspec.Struct, frozen=True):
    """One parsed HTTP request: upper-case method, path without query, raw body."""

    method: str
    path: str
    body: bytes = b""


class FixedReply(msgspec.Struct, frozen=True):
    """A whole answer: status, body and its content type (None for an empty body)."""

    status: int
    body: bytes = b""
    content_type: str | None = None


class StreamReply(msgspec.Struct, frozen=True):
    """A 200 NDJSON answer whose lines are produced while it is sent; ``pace`` (seconds
    between lines) replaces ``state.pull_line_delay`` when given."""

    lines: Iterator[bytes]
    pace: float | None = None


Reply = FixedReply | StreamReply


class _BadRequest(Exception):
    def __init__(self, reply: FixedReply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def json_reply(status: int, value: object) -> FixedReply:
    """A JSON answer with ``status``."""
    return FixedReply(status, msgspec.json.encode(value), JSON)


def error_reply(status: int, message: str) -> FixedReply:
    """Ollama's error answer: ``{"error": message}`` with ``status``."""
    return json_reply(status, ErrorBody(message))


def _decode(body: bytes, kind: type[_T]) -> _T:
    if not body.strip():
        raise _BadRequest(error_reply(400, "missing request body"))
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.DecodeError as exc:
        raise _BadRequest(error_reply(400, str(exc))) from exc


def _details(model: CatalogModel) -> Details:
    return Details(
        parent_model="",
        format=model.format,
        family=model.family,
        families=model.families,
        parameter_size=model.parameter_size,
        quantization_level=model.quantization_level,
    )


def _tag_model(entry: InstalledModel) -> TagModel:
    return TagModel(
        name=entry.name,
        model=entry.name,
        modified_at=entry.modified_at,
        size=entry.model.size,
        digest=entry.digest,
        details=_details(entry.model),
    )


def _ps_model(entry: LoadedModel) -> PsModel:
    return PsModel(
        name=entry.name,
        model=entry.name,
        size=entry.size,
        digest=entry.digest,
        details=_details(entry.model),
        expires_at=entry.expires_at,
        size_vram=entry.size_vram,
        context_length=entry.context_length,
    )


def _projector_info(model: CatalogModel) -> dict[str, object] | None:
    if not model.projector_size:
        return None
    return {
        "general.architecture": "clip",
        "clip.has_vision_encoder": True,
        "clip.vision.embedding_length": 1024,
        "clip.vision.image_size": 336,
    }


def _root(state: EmulatorState, request: Request) -> Reply:
    return FixedReply(200, b"Ollama is running", TEXT)


def _version(state: EmulatorState, request: Request) -> Reply:
    return json_reply(200, VersionBody(state.version))


def _tags(state: EmulatorState, request: Request) -> Reply:
    return json_reply(200, TagsResponse([_tag_model(m) for m in state.listed()]))


def _ps(state: EmulatorState, request: Request) -> Reply:
    return json_reply(200, PsResponse([_ps_model(m) for m in state.running()]))


def _show(state: EmulatorState, request: Request) -> Reply:
    body = _decode(request.body, ModelRequest)
    if not body.requested:
        return error_reply(400, "model is required")
    try:
        name = parse_server_name(body.requested)
    except InvalidModelName:
        return error_reply(400, "invalid model name")
    entry = state.find_installed(name.display)
    if entry is None:
        return error_reply(404, f"model '{name.display}' not found")
    model = entry.model
    info = model_info(model)
    tensors = None
    if body.verbose:  # the large arrays and the tensor list, as a real server sends them
        arch = model.architecture
        info = verbose_info(model.name, model.weights_of, arch, info)
        weights = model.size - model.projector_size
        tensors = tensor_list(model.name, model.weights_of, arch, weights, model.embedding_length)
    return json_reply(
        200,
        ShowResponse(
            license=model.license,
            modelfile=modelfile_text(model, entry.name),
            parameters=parameters_text(model),
            template=model.template,
            details=_details(model),
            model_info=info,
            capabilities=model.capabilities,
            modified_at=entry.modified_at,
            projector_info=_projector_info(model),
            system=model.system,
            tensors=tensors,
        ),
    )


def _pull(state: EmulatorState, request: Request) -> Reply:
    body = _decode(request.body, ModelRequest)
    try:
        name: ServerName = parse_server_name(body.requested)
    except InvalidModelName:
        return error_reply(400, "invalid model name")
    if body.stream:
        return StreamReply(pull_lines(state, name))
    if finish_pull(state, name) is None:
        return error_reply(500, UNKNOWN_MODEL_ERROR)
    return json_reply(200, StatusBody("success"))


def _delete(state: EmulatorState, request: Request) -> Reply:
    body = _decode(request.body, ModelRequest)
    try:
        parse_server_name(body.requested)
    except InvalidModelName:
        return error_reply(400, f'name "{body.requested}" is invalid')
    if not state.delete(body.requested):
        return error_reply(404, f"model '{body.requested}' not found")
    return FixedReply(200)


def _copy(state: EmulatorState, request: Request) -> Reply:
    body = _decode(request.body, CopyRequest)
    for role, text in (("source", body.source), ("destination", body.destination)):
        try:
            parse_server_name(text)
        except InvalidModelName:
            return error_reply(400, f'{role} "{text}" is invalid')
    if state.copy(body.source, body.destination) is None:
        return error_reply(404, f'model "{body.source}" not found')
    return FixedReply(200)


def _finish(lines: Iterator[bytes]) -> Reply:
    # ``stream: false``: Ollama's waitForStream answers the first error (500) or the last status.
    for line in lines:
        if line.startswith(b'{"error"'):
            return error_reply(500, msgspec.json.decode(line, type=ErrorBody).error)
    return json_reply(200, StatusBody("success"))


def _answer(outcome: Refusal | Iterator[bytes], stream: bool, pace: float | None = None) -> Reply:
    if isinstance(outcome, Refusal):
        return error_reply(outcome.status, outcome.message)
    return StreamReply(outcome, pace) if stream else _finish(outcome)


def _create(state: EmulatorState, request: Request) -> Reply:
    body = _decode(request.body, CreateRequest)
    return _answer(create(state, body), body.stream)


def _push(state: EmulatorState, request: Request) -> Reply:
    body = _decode(request.body, ModelRequest)
    if not body.requested:
        return error_reply(400, "model is required")
    return _answer(push_lines(state, body.requested), body.stream, state.push_line_delay)


def _generate(state: EmulatorState, request: Request) -> Reply:
    answer = generate(state, _decode(request.body, GenerateRequest))
    if isinstance(answer, Refusal):
        return error_reply(answer.status, answer.message)
    return json_reply(200, answer)


def _chat(state: EmulatorState, request: Request) -> Reply:
    answer = chat(state, _decode(request.body, ChatRequest))
    if isinstance(answer, Refusal):
        return error_reply(answer.status, answer.message)
    return json_reply(200, answer)


_Handler = Callable[[EmulatorState, Request], Reply]

#: path -> method -> handler, as Ollama's router registers them.
ROUTES: dict[str, dict[str, _Handler]] = {
    "/": {"GET": _root, "HEAD": _root},
    "/api/version": {"GET": _version, "HEAD": _version},
    "/api/tags": {"GET": _tags, "HEAD": _tags},
    "/api/ps": {"GET": _ps},
    "/api/show": {"POST": _show},
    "/api/pull": {"POST": _pull},
    "/api/delete": {"DELETE": _delete},
    "/api/copy": {"POST": _copy},
    "/api/create": {"POST": _create},
    "/api/push": {"POST": _push},
    "/api/generate": {"POST": _generate},
    "/api/chat": {"POST": _chat},
}


def handle(state: EmulatorState, request: Request) -> Reply:
    """Answer ``request`` as Ollama would; unknown path 404, wrong method 405 (plain text)."""
    methods = ROUTES.get(request.path)
    if methods is None:
        return FixedReply(404, b"404 page not found", TEXT)
    handler = methods.get(request.method)
    if handler is None:
        return FixedReply(405, b"405 method not allowed", TEXT)
    try:
        return handler(state, request)
    except _BadRequest as bad:
        return bad.reply
