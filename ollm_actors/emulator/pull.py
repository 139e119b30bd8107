"""The NDJSON line sequence of an emulated ``/api/pull``, and its effect on the state.

Lines are built as bytes directly (a fixed prefix per layer plus the ``completed`` figure)
because benchmarks push a million of them through the emulator.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from ollm_actors.emulator.catalog import (
    MEDIA_MODEL,
    MEDIA_PROJECTOR,
    CatalogModel,
    Layer,
    model_layers,
)
from ollm_actors.emulator.names import ServerName
from ollm_actors.emulator.state import EmulatorState
from ollm_actors.emulator.wire import ErrorBody, StatusBody

__all__ = ("UNKNOWN_MODEL_ERROR", "error_line", "finish_pull", "pull_lines")

#: What Ollama says when the registry has no such model or tag.
UNKNOWN_MODEL_ERROR = "pull model manifest: file does not exist"

_BIG_MEDIA = frozenset({MEDIA_MODEL, MEDIA_PROJECTOR})


def _status_line(status: str) -> bytes:
    return msgspec.json.encode(StatusBody(status)) + b"\n"


def error_line(message: str) -> bytes:
    """An in-stream ``{"error": message}`` line."""
    return msgspec.json.encode(ErrorBody(message)) + b"\n"


def _layer_lines(state: EmulatorState, layer: Layer, steps: int) -> Iterator[bytes]:
    # Each line is yielded only when the server is about to send it, so the side effects on
    # ``state.partial``/``state.blobs`` track what was actually handed to the socket.
    head = b'{"status":"pulling %s","digest":"%s","total":%d' % (
        layer.short.encode(),
        layer.digest.encode(),
        layer.size,
    )
    if layer.digest in state.blobs:
        yield head + b',"completed":%d}\n' % layer.size
        return
    start = min(state.partial.get(layer.digest, 0), layer.size)
    yield head + (b',"completed":%d}\n' % start if start else b"}\n")
    count = max(1, steps) if layer.media_type in _BIG_MEDIA else 1
    remaining = layer.size - start
    for step in range(1, count):
        completed = start + remaining * step // count
        state.partial[layer.digest] = completed
        yield head + b',"completed":%d}\n' % completed
    state.partial.pop(layer.digest, None)
    state.blobs.add(layer.digest)
    yield head + b',"completed":%d}\n' % layer.size


def pull_lines(state: EmulatorState, name: ServerName) -> Iterator[bytes]:
    """The lines Ollama streams for pulling ``name``, each ending in ``\\n``.

    ``pulling manifest``; then, for an unknown model, the error line and nothing else;
    otherwise per layer a first line (``completed`` omitted while 0, or the bytes already
    downloaded on a resumed pull), growing ``completed`` lines (``state.pull_steps_per_layer``
    for weights, one for small blobs; one line in all for a blob already present), then
    ``verifying sha256 digest``, ``writing manifest``, ``removing unused layers`` when a new
    revision replaced blobs no other model uses, and ``success``. The model is installed just
    before ``success`` is produced; stopping the iteration earlier leaves the downloaded bytes
    in ``state.partial``/``state.blobs`` for a later resume.
    """
    yield _status_line("pulling manifest")
    model = state.catalog_model(name.display)
    if model is None:
        yield error_line(UNKNOWN_MODEL_ERROR)
        return
    steps = state.pull_steps_per_layer
    for layer in model_layers(model):
        yield from _layer_lines(state, layer, steps)
    yield _status_line("verifying sha256 digest")
    yield _status_line("writing manifest")
    if state.leaves_unused_layers(name.display, model):
        yield _status_line("removing unused layers")
    state.install_model(model, name.display)
    yield _status_line("success")


def finish_pull(state: EmulatorState, name: ServerName) -> CatalogModel | None:
    """Do a whole pull at once (``stream: false``); None if the registry lacks ``name``."""
    model = state.catalog_model(name.display)
    if model is not None:
        state.install_model(model, name.display)
    return model
