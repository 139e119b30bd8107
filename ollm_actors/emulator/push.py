"""``POST /api/push``: the NDJSON lines of Ollama's ``PushModel``, and a registry to push to.

``retrieving manifest``; then per layer (the manifest's layers, then its config) ``pushing
<digest12>`` lines with ``total`` and a growing ``completed`` (one line at ``completed ==
total`` for a blob the registry already holds); ``pushing manifest``; ``success``. The emulated
registry is ``state.registry_blobs`` (blobs uploaded) and ``state.pushed`` (name -> manifest
digest, recorded just before ``success``). A model that is not installed gets Ollama's answer:
``couldn't retrieve manifest`` then an error line with the missing manifest's path.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from ollm_actors.emulator.catalog import MEDIA_MODEL, MEDIA_PROJECTOR, Layer, model_layers
from ollm_actors.emulator.names import parse_server_name
from ollm_actors.emulator.pull import error_line
from ollm_actors.emulator.state import EmulatorState
from ollm_actors.emulator.wire import ProgressBody
from ollm_actors.errors import InvalidModelName

__all__ = ("MISSING_MANIFEST", "push_lines")

#: The status Ollama sends just before the error for a model it does not have.
MISSING_MANIFEST = "couldn't retrieve manifest"
_BIG = frozenset({MEDIA_MODEL, MEDIA_PROJECTOR})


def _line(body: ProgressBody) -> bytes:
    return msgspec.json.encode(body) + b"\n"


def _missing(host: str, namespace: str, model: str, tag: str) -> str:
    path = f"/root/.ollama/models/manifests/{host}/{namespace}/{model}/{tag}"
    return f"open {path}: no such file or directory"


def _layer_lines(state: EmulatorState, layer: Layer) -> Iterator[bytes]:
    status = f"pushing {layer.short}"
    if layer.digest in state.registry_blobs:
        yield _line(ProgressBody(status, layer.digest, layer.size, layer.size))
        return
    steps = max(1, state.push_steps_per_layer) if layer.media_type in _BIG else 1
    yield _line(ProgressBody(status, layer.digest, layer.size))
    for step in range(1, steps + 1):
        yield _line(ProgressBody(status, layer.digest, layer.size, layer.size * step // steps))
    # Recorded once the last byte went out, like a finished upload.
    state.registry_blobs.add(layer.digest)


def push_lines(state: EmulatorState, requested: str) -> Iterator[bytes]:
    """The lines Ollama streams for pushing ``requested``, each ending in ``\\n``."""
    yield _line(ProgressBody("retrieving manifest"))
    try:
        name = parse_server_name(requested)
    except InvalidModelName:
        yield error_line(f"unqualified name: {requested}")
        return
    entry = state.find_installed(name.display)
    if entry is None:
        yield _line(ProgressBody(MISSING_MANIFEST))
        yield error_line(_missing(name.host, name.namespace, name.model, name.tag))
        return
    # The manifest's layers, then its config: model_layers already ends with the config.
    for layer in model_layers(entry.model):
        yield from _layer_lines(state, layer)
    yield _line(ProgressBody("pushing manifest"))
    state.pushed[entry.name] = entry.digest
    yield _line(ProgressBody("success"))
