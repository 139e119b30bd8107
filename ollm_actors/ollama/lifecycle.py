"""The lifecycle calls of one Ollama server: copy, create, push, load, unload.

Functions over an open :class:`~ollm_actors.ollama.client.OllamaClient`, sharing its HTTP
pool, timeouts, bounds and error translation (they are its siblings in the wire layer and use
its public request calls ``call``, ``call_slow``, ``open_stream`` and ``decode``, which keeps
the client itself small). Names are validated before any
request; every failure is a typed :class:`~ollm_actors.errors.OllmError`::

    await lifecycle.copy(client, "llama3.2", "llama3.2-backup")
    async with lifecycle.create(client, "llama3.2-32k", from_="llama3.2",
                                parameters={"num_ctx": 32768}) as lines:
        async for line in lines: ...
    await lifecycle.load(client, "llama3.2", keep_alive="30m")
    await lifecycle.unload(client, "llama3.2")
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from ollm_actors.errors import ModelNotFound, OllmError, OperationFailed, ProtocolError
from ollm_actors.ollama._ndjson import snippet
from ollm_actors.ollama._status_lines import ErrorLine, StatusLines
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.lifecycle_types import (
    CopyRequest,
    CreateRequest,
    GenerateRequest,
    KeepAlive,
    LoadAnswer,
    PushRequest,
    check_keep_alive,
    load_answer_decoder,
)
from ollm_actors.ollama.types import encoder
from ollm_actors.vocab.names import parse_model_name

__all__ = ("StatusLines", "copy", "create", "load", "push", "unload")

#: Ollama's status just before the error line of a push of a model it does not have.
_NO_MANIFEST = "couldn't retrieve manifest"
#: Ollama's error when the registry lacks a model that must be pulled (create's base).
_NOT_IN_REGISTRY = "file does not exist"
_LINE_LIMIT = "providers.ollama.limits.maxLineBytes"


async def copy(client: OllamaClient, source: str, destination: str) -> None:
    """Copy ``source`` to ``destination`` on the server (``POST /api/copy``).

    Raises InvalidModelName for either name (before any request), ModelNotFound when the
    source is absent (404, naming the source), HostUnreachable or ServerError.
    """
    src = parse_model_name(source).display
    dst = parse_model_name(destination).display
    body = encoder.encode(CopyRequest(source=src, destination=dst))
    await client.call("POST", "/api/copy", body=body, model=src)


def create(
    client: OllamaClient,
    name: str,
    *,
    from_: str,
    parameters: Mapping[str, Any] | None = None,
    system: str | None = None,
    template: str | None = None,
) -> AbstractAsyncContextManager[StatusLines]:
    """Create ``name`` from the model ``from_`` (``POST /api/create``), streaming its status
    lines: the base's pull lines first if the server must pull it, then ``using existing
    layer …``/``creating new layer …``, ``writing manifest`` and ``success``.

    Both names are validated first (InvalidModelName). Entering sends the request and raises
    ServerError (a 400 for a name or template the server refuses) or HostUnreachable.
    Iterating raises ModelNotFound when the base is neither installed nor in the registry,
    OperationFailed for the server's other error lines (the server's words as its reason),
    and what StatusLines raises.
    """
    model = parse_model_name(name).display
    base = parse_model_name(from_).display
    request = CreateRequest(
        model=model,
        from_=base,
        stream=True,
        parameters=dict(parameters) if parameters else None,
        system=system or None,
        template=template or None,
    )

    def failed(text: str, previous: str) -> OllmError:
        if _NOT_IN_REGISTRY in text and previous == "pulling manifest":
            return ModelNotFound(base, client.display)
        return OperationFailed("create", model, client.display, text)

    return _stream(client, "/api/create", encoder.encode(request), failed)


def push(
    client: OllamaClient, name: str, *, insecure: bool = False
) -> AbstractAsyncContextManager[StatusLines]:
    """Push ``name`` to its registry (``POST /api/push``), streaming progress like a pull's:
    ``retrieving manifest``, ``pushing <digest12>`` lines with ``total``/``completed``,
    ``pushing manifest``, ``success``.

    The name is validated first (InvalidModelName). Entering raises ServerError or
    HostUnreachable; iterating raises ModelNotFound when the server does not have the model,
    OperationFailed for the server's other error lines (e.g. the registry refused), and what
    StatusLines raises.
    """
    model = parse_model_name(name).display

    def failed(text: str, previous: str) -> OllmError:
        if previous == _NO_MANIFEST:
            return ModelNotFound(model, client.display)
        return OperationFailed("push", model, client.display, text)

    body = encoder.encode(PushRequest(model=model, stream=True, insecure=insecure))
    return _stream(client, "/api/push", body, failed)


async def load(client: OllamaClient, name: str, keep_alive: object = None) -> LoadAnswer:
    """Load ``name`` into memory (``POST /api/generate`` with no prompt).

    ``keep_alive``: how long it stays loaded (seconds, or a duration like ``"30m"``; negative
    means forever; None the server's default). Raises InvalidModelName or SettingsError (a bad
    keep_alive) before any request, ModelNotFound (404), ServerError (e.g. 400 for a model
    that cannot generate), HostUnreachable (also when loading outlasts the read timeout) or
    ProtocolError.
    """
    return await _generate(client, name, check_keep_alive(keep_alive))


async def unload(client: OllamaClient, name: str) -> LoadAnswer:
    """Unload ``name`` from memory (``POST /api/generate`` with ``keep_alive: 0``).

    Raises InvalidModelName (before any request), ModelNotFound (404), ServerError,
    HostUnreachable or ProtocolError. Unloading a model that is not loaded succeeds.
    """
    return await _generate(client, name, 0)


async def _generate(client: OllamaClient, name: str, keep_alive: KeepAlive | None) -> LoadAnswer:
    model = parse_model_name(name).display
    endpoint = "/api/generate"
    body = encoder.encode(GenerateRequest(model=model, stream=False, keep_alive=keep_alive))
    raw = await _post_bounded(client, endpoint, body, model)

    def fail(reason: str) -> ProtocolError:
        return ProtocolError(client.display, endpoint, reason, snippet=snippet(raw))

    answer = client.decode(load_answer_decoder, raw, endpoint)
    if not answer.done:
        raise fail("a load or unload answer must be done")
    return answer


async def _post_bounded(client: OllamaClient, endpoint: str, body: bytes, model: str) -> bytes:
    # A load's answer is one JSON object, like one line of a generate stream, and arrives only
    # once the model is in memory.
    return await client.call_slow(
        endpoint, body, model=model, limit=client.max_pull_line_bytes, limit_name=_LINE_LIMIT
    )


def _stream(
    client: OllamaClient, endpoint: str, body: bytes, failed: ErrorLine
) -> AbstractAsyncContextManager[StatusLines]:
    def reader(response: httpx.Response) -> StatusLines:
        return StatusLines(
            response,
            endpoint,
            client.display,
            client.translate,
            failed,
            max_line_bytes=client.max_pull_line_bytes,
            max_depth=client.max_json_depth,
        )

    # No model: these endpoints never answer 404 for a model (a 404 is a missing route).
    return client.open_stream(endpoint, body, reader, model=None)
