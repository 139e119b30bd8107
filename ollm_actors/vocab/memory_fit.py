"""Does an estimate fit a GPU, and what share spills to the CPU? The largest context that fits.

Placement follows Ollama's scheduler (``estimateGPULayers``) for one GPU of ``vram`` free
bytes: nothing goes to the GPU unless it holds the minimum, the larger graph and two layers;
then the minimum and the held-back layer are placed, the repeating layers from the last to
the first while each still leaves room for the graph, then the output layer. All layers and
the output on the GPU: it *fits* (the full graph is used); otherwise the partial graph is
used and the rest of the model runs on the CPU. ``cpu_share`` is what ``ollama ps`` prints:
(size − size_vram) / size.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from ollm_actors.vocab.memory import GPU_MINIMUM, MemoryEstimate

__all__ = (
    "CONTEXT_STEP",
    "HostCapacity",
    "Placement",
    "max_context",
    "parse_size",
    "place",
)

#: ``max_context`` answers in multiples of this (the budget's num_ctx step)
CONTEXT_STEP = 1024

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?)(b?)\s*$", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}


def parse_size(value: object) -> int | None:
    """Bytes from a whole number of bytes or a text like ``24GB`` (decimal), ``24GiB``
    (binary), ``24G`` or ``512 MiB``; None for anything else (``lots``, 0, negatives)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if not isinstance(value, str):
        return None
    match = _SIZE.match(value)
    if match is None:
        return None
    number, prefix, binary, _byte = match.groups()
    if not prefix and binary:
        return None
    base = 1024 if binary else 1000
    size = int(float(number) * base ** _POWERS[prefix.lower()])
    return size if size > 0 else None


class HostCapacity(msgspec.Struct, frozen=True, kw_only=True):
    """What a host's GPU can hold, from settings (a mapping entry of
    ``providers.ollama.hosts``): ``vram`` bytes (None: unknown, never guessed), and the
    server's ``OLLAMA_NUM_PARALLEL`` / ``OLLAMA_KV_CACHE_TYPE`` / ``OLLAMA_FLASH_ATTENTION``
    (None: unknown)."""

    vram: int | None = None
    num_parallel: int | None = None
    kv_cache_type: str | None = None
    flash_attention: bool | None = None


class Placement(msgspec.Struct, frozen=True, kw_only=True):
    """An estimate placed on ``vram`` bytes: ``fits`` whole, ``size`` (all of it, with the
    graph that placement needs), ``size_vram`` (the part on the GPU), ``cpu_share`` (0..1)."""

    vram: int
    fits: bool
    size: int
    size_vram: int
    cpu_share: float


def place(estimate: MemoryEstimate, vram: int) -> Placement:
    """Where ``estimate`` goes on a GPU with ``vram`` bytes free (see the module's rule);
    the estimate's ``correction`` scales every part."""
    scale = estimate.correction
    if round(estimate.raw_total * scale) <= vram:
        return Placement(
            vram=vram, fits=True, size=estimate.total, size_vram=estimate.total, cpu_share=0.0
        )
    graph = round(max(estimate.graph, estimate.graph_partial) * scale)
    minimum = round(GPU_MINIMUM * scale)
    held = round(estimate.held_back * scale)
    layers = [round(size * scale) for size in estimate.layers]
    output = round(estimate.output * scale)
    partial_graph = round(estimate.graph_partial * scale)
    everything = sum(layers) + output
    biggest = max(layers, default=0)
    if vram < minimum + graph + 2 * max(held, biggest):
        size = everything + partial_graph + minimum + held
        return Placement(vram=vram, fits=False, size=size, size_vram=0, cpu_share=1.0)
    used = minimum + held
    overflow = 0
    room = True
    for size in reversed(layers):
        if room and vram > used + graph + size:
            used += size
        else:
            room = False  # once one layer does not fit, the earlier ones stay on the CPU
            overflow += size
    if room and output and vram > used + graph + output:
        used += output
    else:
        overflow += output
    on_gpu = used + partial_graph
    size = on_gpu + overflow
    share = overflow / size if size else 0.0
    return Placement(vram=vram, fits=False, size=size, size_vram=on_gpu, cpu_share=share)


def max_context(
    estimate_at: Callable[[int], MemoryEstimate], vram: int, ceiling: int
) -> int | None:
    """The largest ``num_ctx`` — a multiple of :data:`CONTEXT_STEP`, at most ``ceiling``
    (the model's window; a window under one step is tried as it is) — whose estimate
    (``estimate_at(num_ctx)``) fits ``vram`` whole; None when not even the smallest does.
    Memory grows with the context, so a bisection finds the edge."""
    if ceiling < CONTEXT_STEP:
        return ceiling if ceiling >= 1 and place(estimate_at(ceiling), vram).fits else None
    low, high = 0, ceiling // CONTEXT_STEP  # in steps; low fits (0: nothing yet), high + 1 not
    if place(estimate_at(high * CONTEXT_STEP), vram).fits:
        return high * CONTEXT_STEP
    high -= 1
    while low < high:
        middle = (low + high + 1) // 2
        if place(estimate_at(middle * CONTEXT_STEP), vram).fits:
            low = middle
        else:
            high = middle - 1
    return low * CONTEXT_STEP if low else None
