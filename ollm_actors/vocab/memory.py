"""THE memory estimate: what a model costs in (GPU) memory at a context, the way Ollama's
scheduler sizes it before loading (``llm/memory.go`` ``estimateGPULayers`` with
``fs/ggml/ggml.go`` ``GraphSize``, read at v0.12.10; see ``/api/ps`` ``size``).

Symbols as ``model_info`` names them: L = ``block_count``, E = ``embedding_length``, H =
``attention.head_count``, Hkv = ``attention.head_count_kv`` (else H), hk/hv =
``attention.key_length``/``value_length`` (else E/H), V = ``vocab_size``; P = parallel
slots; T = ``num_ctx`` × P (the KV cache holds every slot); b = min(``num_ctx``, 512).

* **KV cache** of a layer = tokens × (hk + hv) × Hkv × bytes per value: 2 (f16), 34/32
  (q8_0) and 18/32 (q4_0), ggml's blocks of 32 values (Ollama's own estimate rounds them to
  1 and 0.5). A quantized type is used only with flash attention on; Ollama falls back to
  f16 otherwise, and the estimate says so. Sliding-window layers hold fewer tokens: gemma3
  five of every six layers P × ``sliding_window`` + b; gpt-oss every other layer
  P × 4096 + b (capped at T).
* **Compute graph** per architecture (:func:`graph_bytes`); architectures without a case:
  (H / Hkv) × KV / 6, Ollama's own fallback.
* **Weights**: Σ layers + output layer (``output`` + ``output_norm``, or the tied
  ``token_embd``) + vision projector, from ``tensors`` when the server sent them; else the
  file size from ``/api/tags`` (which also counts ``token_embd``; it stands in for the
  layer below).
* **Overhead**: the per-GPU minimum (457 MiB) + one layer's weights and KV held back (the
  scheduler reserves them on the first GPU).

Pure: no I/O; the same answer for the same facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from ollm_actors.vocab.ggml_sizes import TensorBytes

__all__ = (
    "GPU_MINIMUM",
    "KV_BYTES_PER_VALUE",
    "KV_TYPES",
    "NUM_BATCH",
    "KvType",
    "MemoryEstimate",
    "MemoryFacts",
    "estimate_memory",
    "facts_from_model_info",
    "graph_bytes",
    "kv_layer_bytes",
)

KvType = Literal["f16", "q8_0", "q4_0"]
KV_TYPES: tuple[KvType, ...] = ("f16", "q8_0", "q4_0")
#: bytes per cached value: f16 is 2; q8_0 and q4_0 are ggml blocks of 32 values in 34 / 18
KV_BYTES_PER_VALUE: Mapping[str, float] = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
MIB = 1024 * 1024
#: what Ollama keeps free on every GPU it uses (``DeviceInfo.MinimumMemory``; 512 on Metal)
GPU_MINIMUM = 457 * MIB
#: Ollama's default ``num_batch``: b = min(num_ctx, 512)
NUM_BATCH = 512
# gemma3: every 6th layer is global, the rest slide; gpt-oss: every other layer slides
# over 4096 tokens.
_GEMMA3_GLOBAL_EVERY = 6
_GPTOSS_WINDOW = 4096


class MemoryFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the estimate needs of one model (one digest), from ``/api/show`` ``model_info``
    (and its ``tensors`` when sent) and the file ``size`` from ``/api/tags``.

    ``tensors`` holds the exact weights by part; without it the weights are ``size``.
    ``context_length`` is the trained window (the ceiling of ``max_context``).
    """

    architecture: str
    block_count: int
    embedding_length: int
    head_count: int
    head_count_kv: int
    key_length: int
    value_length: int
    size: int = 0
    vocab_size: int = 0
    sliding_window: int = 0
    context_length: int | None = None
    tensors: TensorBytes | None = None

    @property
    def exact(self) -> bool:
        """True when the weights come from the tensor list, not the file size."""
        return self.tensors is not None


class MemoryEstimate(msgspec.Struct, frozen=True, kw_only=True):
    """The memory of a model loaded with ``num_ctx`` × ``parallel`` tokens of ``kv_type``
    cache, all on one GPU (bytes): ``weights + kv_cache + graph + overhead = total``.

    ``kv_type`` is the type asked for, ``kv_type_used`` what Ollama would use (f16 when flash
    attention is off). ``layers`` is one entry per repeating layer (weights + KV), ``output``
    the output layer and projector, ``held_back`` the layer the scheduler reserves and
    ``graph_partial`` the graph when some layers stay on the CPU: what a placement on a
    smaller GPU needs. ``correction`` is the factor learned from ``/api/ps`` (1.0 when
    none), already applied to ``total``; ``raw_total`` is the estimate before it.
    """

    model: str
    num_ctx: int
    parallel: int
    kv_type: KvType
    kv_type_used: KvType
    weights: int
    kv_cache: int
    graph: int
    overhead: int
    total: int
    raw_total: int
    layers: tuple[int, ...]
    output: int
    held_back: int
    graph_partial: int
    exact: bool
    correction: float = 1.0
    notes: tuple[str, ...] = ()


def _int(info: Mapping[str, Any], key: str) -> int:
    value = info.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return 0
    return int(value) if value > 0 else 0


def facts_from_model_info(
    info: Mapping[str, Any],
    *,
    size: int = 0,
    tensors: TensorBytes | None = None,
    family: str | None = None,
    weighed: bool = True,
) -> MemoryFacts | None:
    """:class:`MemoryFacts` from ``model_info`` (``<arch>.*`` keys, ``<arch>`` being
    ``general.architecture``, else ``family``); None when the keys the estimate cannot do
    without (``block_count``, ``embedding_length``, ``attention.head_count``) are missing
    or, with ``weighed`` (the default), when there is neither a file ``size`` nor
    ``tensors`` to weigh it by. ``weighed`` false is for a caller that adds the file size
    later (the limits layer learns ``/api/show`` facts before it sees ``/api/tags``)."""
    arch = info.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        arch = family or ""
    layers = _int(info, f"{arch}.block_count")
    embedding = _int(info, f"{arch}.embedding_length")
    heads = _int(info, f"{arch}.attention.head_count")
    if not (layers and embedding and heads) or (weighed and size <= 0 and tensors is None):
        return None
    heads_kv = _int(info, f"{arch}.attention.head_count_kv") or heads
    per_head = embedding // heads
    return MemoryFacts(
        architecture=arch,
        block_count=layers,
        embedding_length=embedding,
        head_count=heads,
        head_count_kv=heads_kv,
        key_length=_int(info, f"{arch}.attention.key_length") or per_head,
        value_length=_int(info, f"{arch}.attention.value_length") or per_head,
        size=max(size, 0),
        vocab_size=_int(info, f"{arch}.vocab_size"),
        sliding_window=_int(info, f"{arch}.attention.sliding_window"),
        context_length=_int(info, f"{arch}.context_length") or None,
        tensors=tensors,
    )


def kv_layer_bytes(facts: MemoryFacts, tokens: int, kv_type: str) -> int:
    """KV cache bytes of one attention layer holding ``tokens`` tokens of ``kv_type``."""
    values = tokens * (facts.key_length + facts.value_length) * facts.head_count_kv
    return int(values * KV_BYTES_PER_VALUE[kv_type])


def _layer_tokens(facts: MemoryFacts, total: int, parallel: int, batch: int) -> list[int]:
    """Tokens each layer's cache holds: ``total`` = num_ctx × parallel, less on
    sliding-window layers."""
    arch = facts.architecture
    count = facts.block_count
    if arch == "gemma3" and facts.sliding_window:
        window = min(total, parallel * facts.sliding_window + batch)
        return [total if (i + 1) % _GEMMA3_GLOBAL_EVERY == 0 else window for i in range(count)]
    if arch in ("gptoss", "gpt-oss"):
        window = min(total, parallel * _GPTOSS_WINDOW + batch)
        return [window if i % 2 == 0 else total for i in range(count)]
    return [total] * count


def graph_bytes(
    facts: MemoryFacts, num_ctx: int, parallel: int, kv_total: int, *, flash: bool
) -> tuple[int, int]:
    """The compute graph (full offload, partial offload) in bytes, per architecture as
    ``GraphSize`` has them; others: (H / Hkv) × ``kv_total`` / 6 for both."""
    b = min(num_ctx, NUM_BATCH)
    t = num_ctx * parallel
    e, h, hkv, v = facts.embedding_length, facts.head_count, facts.head_count_kv, facts.vocab_size
    hk = facts.key_length
    arch = facts.architecture
    vocab_graph = 4 * b * (e + v)
    vocab_partial = vocab_graph + e * v * 105 // 128
    if arch in ("llama", "llama4"):
        full = max(4 * b * (1 + 4 * e + t * (1 + h)), vocab_graph)
        partial = 4 * b * e + max(
            4 * b * (1 + e + max(t, e)) + e * e * 9 // 16 + 4 * t * (b * h + (e // h) * hkv),
            vocab_partial,
        )
        return full, partial
    if arch == "qwen2":
        full = max(vocab_graph, 4 * b * (1 + 2 * e + t + t * h))
        partial = max(vocab_partial, 4 * (b * (1 + 2 * e + t * (1 + h)) + e * (1 + t)))
        return full, partial
    if arch in ("gemma", "gemma2", "gemma3", "gemma3n"):
        full = max(vocab_graph, 4 * b * (2 + t + t * h + 2 * e + 2 * hk * h))
        partial = max(
            4 * e * b + e * v * 105 // 128 + 4 * v * b,
            4 * b * (2 * e + 1 + 2 * hk * h + t + t * h) + 4 * hk * t * 8 + e * hk * h * 9 // 16,
        )
        scale = 4 if arch == "gemma3n" else 1
        return full * scale, partial * scale
    if arch == "command-r":
        full = max(vocab_graph, 4 * b * (2 + 4 * e + t * (1 + h)))
        return full, max(vocab_partial, 4 * b * (1 + 2 * e + t * (1 + h)) + 4 * e * t)
    if arch == "phi2":
        return max(vocab_graph, 4 * b * (1 + 4 * e + t + t * h)), vocab_partial
    if arch == "stablelm":
        full = 4 * b * (t * (1 + h) + 3 * e + 2)
        return full, max(4 * b * (v + 2 * e), full)
    if arch == "deepseek2":
        full = max(4 * b * (3 * e + v), 4 * b * (3 * e + 2 + t * (1 + hkv) + 2 * hk * hkv))
        return full, full
    if arch == "chatglm":
        return vocab_graph, vocab_partial
    if arch in ("gptoss", "gpt-oss"):
        if flash:
            graph = (4 * parallel + (t >> 10) + 110) * MIB
        else:
            graph = 2 * (h // max(hkv, 1)) * kv_total // 6
        return graph, graph
    graph = (h // max(hkv, 1)) * kv_total // 6
    return graph, graph


def _weights(facts: MemoryFacts) -> tuple[list[int], int, int]:
    """(per-layer weights, output layer + projector, weights of the layer held back)."""
    tensors = facts.tensors
    count = facts.block_count
    if tensors is not None:
        layers = list(tensors.layers[:count]) + [0] * max(0, count - len(tensors.layers))
        return layers, tensors.output + tensors.projector, layers[0] if layers else 0
    # Only the file size: shared out evenly over the layers and the output layer; the
    # token embedding it counts (kept on the CPU) stands in for the layer held back.
    share = facts.size // (count + 1)
    return [share] * count, facts.size - share * count, 0


def estimate_memory(
    facts: MemoryFacts,
    *,
    model: str = "",
    num_ctx: int,
    parallel: int = 1,
    kv_type: KvType = "f16",
    flash_attention: bool | None = None,
    correction: float = 1.0,
) -> MemoryEstimate:
    """The memory of ``model`` (of ``facts``) at ``num_ctx`` (≥ 1) with ``parallel`` (≥ 1)
    slots and a ``kv_type`` cache. ``flash_attention`` False makes a quantized type f16
    (Ollama's rule), None (unknown) keeps it and says so. ``correction`` (> 0) multiplies
    the total. Raises ``ValueError`` for a count below 1, an unknown ``kv_type`` or a
    correction that is not positive."""
    if num_ctx < 1 or parallel < 1:
        raise ValueError(f"num_ctx and parallel must be at least 1, got {num_ctx}, {parallel}")
    if kv_type not in KV_BYTES_PER_VALUE:
        raise ValueError(f"kv_type must be one of {', '.join(KV_TYPES)}, got {kv_type!r}")
    if not correction > 0:
        raise ValueError(f"correction must be positive, got {correction}")
    notes: list[str] = []
    used: KvType = kv_type
    if kv_type != "f16":
        if flash_attention is False:
            used = "f16"
            notes.append(
                f"kv_type {kv_type} needs flash attention on; with it off Ollama uses f16"
            )
        elif flash_attention is None:
            notes.append(
                f"kv_type {kv_type} assumes flash attention is on (OLLAMA_FLASH_ATTENTION=1)"
            )
    total_tokens = num_ctx * parallel
    tokens = _layer_tokens(facts, total_tokens, parallel, min(num_ctx, NUM_BATCH))
    kv = [kv_layer_bytes(facts, n, used) for n in tokens]
    kv_total = sum(kv)
    flash = flash_attention is not False
    full, partial = graph_bytes(facts, num_ctx, parallel, kv_total, flash=flash)
    layer_weights, output, held_weights = _weights(facts)
    held_back = held_weights + (kv[0] if kv else 0)
    weights = sum(layer_weights) + output
    overhead = GPU_MINIMUM + held_back
    raw = weights + kv_total + full + overhead
    if not facts.exact:
        notes.append("weights from the file size (the server sent no tensor list)")
    if correction != 1.0:
        notes.append(f"× {correction:.3f}, learned from what /api/ps reported")
    return MemoryEstimate(
        model=model,
        num_ctx=num_ctx,
        parallel=parallel,
        kv_type=kv_type,
        kv_type_used=used,
        weights=weights,
        kv_cache=kv_total,
        graph=full,
        overhead=overhead,
        total=round(raw * correction),
        raw_total=raw,
        layers=tuple(w + k for w, k in zip(layer_weights, kv, strict=True)),
        output=output,
        held_back=held_back,
        graph_partial=partial,
        exact=facts.exact,
        correction=correction,
        notes=tuple(notes),
    )
