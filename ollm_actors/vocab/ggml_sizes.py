"""Bytes of a GGUF tensor from its ggml type and shape, and a model's weights summed by part.

``/api/show`` with ``verbose`` lists ``tensors`` (``name``, ``type``, ``shape``) since Ollama
v0.6.1. ggml stores a tensor in blocks of ``block`` values taking ``size`` bytes each
(ggml's ``ggml_type_traits``); the table below is that, for every type a GGUF file holds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

__all__ = ("GGML_BLOCKS", "TensorBytes", "summarise_tensors", "tensor_bytes")

#: ggml type name -> (values per block, bytes per block)
GGML_BLOCKS: Mapping[str, tuple[int, int]] = {
    "F32": (1, 4), "F16": (1, 2), "BF16": (1, 2), "F64": (1, 8),
    "I8": (1, 1), "I16": (1, 2), "I32": (1, 4), "I64": (1, 8),
    "Q4_0": (32, 18), "Q4_1": (32, 20), "Q5_0": (32, 22), "Q5_1": (32, 24),
    "Q8_0": (32, 34), "Q8_1": (32, 36), "MXFP4": (32, 17), "IQ4_NL": (32, 18),
    "Q2_K": (256, 84), "Q3_K": (256, 110), "Q4_K": (256, 144), "Q5_K": (256, 176),
    "Q6_K": (256, 210), "Q8_K": (256, 292), "IQ2_XXS": (256, 66), "IQ2_XS": (256, 74),
    "IQ2_S": (256, 82), "IQ3_XXS": (256, 98), "IQ3_S": (256, 110), "IQ4_XS": (256, 136),
    "IQ1_S": (256, 50), "IQ1_M": (256, 56), "TQ1_0": (256, 54), "TQ2_0": (256, 66),
}

_LAYER = re.compile(r"^blk\.(\d+)\.")


class TensorBytes(msgspec.Struct, frozen=True, kw_only=True):
    """A model's weights by part, from its tensor list: ``layers`` per repeating block
    (``blk.N``, index N), ``output`` (``output_norm`` + ``output``, or the tied
    ``token_embd`` when there is no ``output``), ``projector`` (vision ``v.*`` / ``mm.*``)
    and ``embedding`` (``token_embd``, which stays on the CPU when not tied)."""

    layers: tuple[int, ...]
    output: int
    projector: int = 0
    embedding: int = 0


def tensor_bytes(kind: str, shape: Iterable[int]) -> int | None:
    """Bytes of one tensor of ggml type ``kind`` (``Q4_K``, ``F16``; case ignored) and
    ``shape``; None for an unknown type or a bad shape."""
    blocks = GGML_BLOCKS.get(kind.upper())
    dims = list(shape)
    if blocks is None or not all(isinstance(d, int) and d >= 0 for d in dims):
        return None
    values = math.prod(dims)
    per, size = blocks
    return -(-values // per) * size


def summarise_tensors(tensors: Iterable[Any]) -> TensorBytes | None:
    """:class:`TensorBytes` from ``/api/show``'s ``tensors`` (mappings with ``name``,
    ``type``, ``shape``); None when the list is empty or an entry cannot be sized, so that
    a partial sum never passes for an exact one."""
    layers: dict[int, int] = {}
    named: dict[str, int] = {}
    projector = 0
    for entry in tensors:
        if not isinstance(entry, Mapping):
            return None
        name, kind, shape = entry.get("name"), entry.get("type"), entry.get("shape")
        if not isinstance(name, str) or not isinstance(kind, str) or not isinstance(shape, list):
            return None
        size = tensor_bytes(kind, shape)
        if size is None:
            return None
        match = _LAYER.match(name)
        if match is not None:
            index = int(match.group(1))
            layers[index] = layers.get(index, 0) + size
        elif name.startswith(("v.", "mm.")):
            projector += size
        else:
            part = name.split(".")[0]
            named[part] = named.get(part, 0) + size
    if not layers:
        return None
    count = max(layers) + 1
    output = named.get("output_norm", 0) + named.get("output", named.get("token_embd", 0))
    return TensorBytes(
        layers=tuple(layers.get(i, 0) for i in range(count)),
        output=output,
        projector=projector,
        embedding=named.get("token_embd", 0),
    )
