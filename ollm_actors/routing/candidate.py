"""The router's view of one available model on one host, and the facts derived from it.

A :class:`Candidate` is built by the caller (the router actor) from the inventory's list and
the limits layer's resolution; the selection rules read nothing else.
"""

from __future__ import annotations

import math
import re

import msgspec

from ollm_actors.vocab.memory import KvType, MemoryFacts

__all__ = (
    "Candidate",
    "CandidateMemory",
    "estimated_billions",
    "parse_parameter_size",
    "quantization_bits",
)


class CandidateMemory(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What the memory rule needs of one model on one host of known capacity: the model's
    ``facts`` (file size included) and ``digest``, the host's ``vram`` and the part of it
    ``free`` for this model (``vram`` less what other loaded models hold, or all of it when
    ``routing.memory.evict`` is on), and the server's slots, KV cache type and flash
    attention (None: unknown) as the host's settings give them."""

    digest: str
    facts: MemoryFacts
    vram: int
    free: int
    parallel: int = 1
    kv_type: KvType = "f16"
    flash_attention: bool | None = None


class Candidate(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One model the router may choose: a name on a host, with limits already resolved.

    ``name`` and ``host`` are display forms (``llama3.1:8b``, ``http://127.0.0.1:11434``);
    ``family`` is the routing family the limits layer resolved (``qwen2.5-coder``, ``llama``);
    ``parameter_size`` and ``quantization`` are as Ollama reports them (``"7.6B"``,
    ``"Q4_K_M"``; empty when unknown); ``capabilities`` uses
    :data:`ollm_actors.vocab.entries.CAPABILITY_NAMES`; ``profiles`` are the routing profiles
    the model database says the model suits. ``online`` is whether the host answers now;
    ``stale`` marks an entry served from the cached list of a host that did not answer.
    ``degraded`` marks a host that answers badly or slowly, ``latency_ms`` its last probe
    (None: not probed); among equal scores they decide the host (see
    :func:`~ollm_actors.routing.ranking.preference`), after ``memory``: None when the host's
    capacity or the model's facts are unknown, else what the memory rule
    (:mod:`ollm_actors.routing.memory_rule`) needs to tell whether the model fits the GPU.
    """

    name: str
    host: str
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    size: int = 0
    context_window: int = 0
    max_output_tokens: int | None = None
    capabilities: frozenset[str] = frozenset({"completion", "streaming"})
    profiles: tuple[str, ...] = ()
    loaded: bool = False
    stale: bool = False
    online: bool = True
    degraded: bool = False
    latency_ms: float | None = None
    memory: CandidateMemory | None = None

    @property
    def fresh(self) -> bool:
        """True when the host answers now and the entry is not from a cached list."""
        return self.online and not self.stale

    @property
    def label(self) -> str:
        """``name@host``: how rejections and reasons name this candidate."""
        return f"{self.name}@{self.host}"


_SIZE_RE = re.compile(r"^\s*(?:(\d+)\s*[x×]\s*)?(\d+(?:\.\d+)?)\s*([kmbt]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1.0, "k": 1e-6, "m": 1e-3, "b": 1.0, "t": 1e3}
# A bare number this large is a count of parameters, not a count of billions.
_RAW_COUNT_THRESHOLD = 1e5


def parse_parameter_size(text: str) -> float | None:
    """Parse Ollama's ``parameter_size`` into billions of parameters.

    Accepts ``"7.6B"``, ``"567M"``, ``"1T"``, ``"22K"``, lower case and spaces, mixture forms
    ``"8x7B"`` (multiplied out) and bare numbers: a bare number below 100,000 counts billions
    (``"7"``), a larger one counts parameters (``"7000000000"``). Returns ``None`` for anything
    else (empty, ``"unknown"``, zero or negative).
    """
    match = _SIZE_RE.match(text)
    if match is None:
        return None
    experts, number, unit = match.groups()
    value = float(number) * (int(experts) if experts else 1)
    unit = unit.lower()
    if not unit and value >= _RAW_COUNT_THRESHOLD:
        value /= 1e9
    else:
        value *= _SCALE[unit]
    if value <= 0 or not math.isfinite(value):
        return None
    return value


_QUANT_RE = re.compile(r"^(?:I?Q|MXFP|FP|BF|F)(\d+)", re.IGNORECASE)


def quantization_bits(text: str) -> int | None:
    """The nominal bits per weight of a quantization level (``Q4_K_M`` → 4, ``F16`` → 16,
    ``BF16`` → 16, ``IQ3_XXS`` → 3, ``MXFP4`` → 4), or ``None`` when it is not recognised."""
    match = _QUANT_RE.match(text.strip())
    if match is None:
        return None
    bits = int(match.group(1))
    return bits if 1 <= bits <= 64 else None


# Bytes per weight on disk exceed the nominal bits a little (scales, embeddings kept wider).
_BITS_OVERHEAD = 0.6


def estimated_billions(parameter_size: str, quantization: str, size: int) -> float | None:
    """Billions of parameters of a model: parsed from ``parameter_size``, else estimated from
    its file ``size`` in bytes and the quantization's bits per weight; ``None`` when neither
    is known."""
    parsed = parse_parameter_size(parameter_size)
    if parsed is not None:
        return parsed
    bits = quantization_bits(quantization)
    if bits is None or size <= 0:
        return None
    return size * 8 / (bits + _BITS_OVERHEAD) / 1e9
