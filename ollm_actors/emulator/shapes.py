"""The layer shapes of the catalogue's models, for ``/api/show`` ``model_info`` and the memory
``/api/ps`` reports: (block_count, head_count, head_count_kv, key_length, vocab_size,
sliding_window), the figures of the real GGUF files.

The loaded size is the emulator's own account (it imports nothing of the client's, so it
cannot share its bugs): the file, an f16 KV cache for every layer, a compute graph of
4 × 512 × (E + V) bytes and Ollama's 457 MiB per-GPU minimum. It is close to what the
client estimates but not equal to it — as a real server's is — so the client's correction
from ``/api/ps`` has something to learn.
"""

from __future__ import annotations

__all__ = ("SHAPES", "loaded_size", "shape_info")

Shape = tuple[int, int, int, int, int, int]

#: model name (or architecture, for synthetic models) -> shape
SHAPES: dict[str, Shape] = {
    "llama3.1:8b": (32, 32, 8, 128, 128_256, 0),
    "llama3.2:3b": (28, 24, 8, 128, 128_256, 0),
    "qwen2.5-coder:7b": (28, 28, 4, 128, 152_064, 0),
    "qwen2.5-coder:1.5b": (28, 12, 2, 128, 151_936, 0),
    "qwen2.5:7b": (28, 28, 4, 128, 152_064, 0),
    "phi3:mini": (32, 32, 32, 96, 32_064, 0),
    "mistral:7b": (32, 32, 8, 128, 32_768, 0),
    "gemma2:2b": (26, 8, 4, 256, 256_000, 4096),
    "deepseek-coder-v2:16b": (27, 16, 16, 192, 102_400, 0),
    "codellama:7b": (32, 32, 32, 128, 32_016, 0),
    "llava:7b": (32, 32, 8, 128, 32_000, 0),
    "llama3.2-vision:11b": (40, 32, 8, 128, 128_264, 0),
    "deepseek-r1:8b": (36, 32, 8, 128, 151_936, 0),
    "nomic-embed-text:latest": (12, 12, 12, 64, 30_522, 0),
    "mxbai-embed-large:latest": (24, 16, 16, 64, 30_522, 0),
    "llama": (32, 32, 8, 128, 128_256, 0),
    "qwen2": (28, 28, 4, 128, 152_064, 0),
    "phi3": (32, 32, 32, 96, 32_064, 0),
    "gemma2": (26, 8, 4, 256, 256_000, 4096),
    "nomic-bert": (12, 12, 12, 64, 30_522, 0),
}
_MINIMUM = 457 * 1024 * 1024
_BATCH = 512


def _shape(name: str, weights_of: str, architecture: str) -> Shape | None:
    return SHAPES.get(weights_of or name) or SHAPES.get(name) or SHAPES.get(architecture)


def shape_info(name: str, weights_of: str, architecture: str) -> dict[str, object]:
    """The ``<arch>.*`` shape keys of ``model_info`` (empty for a model of unknown shape)."""
    shape = _shape(name, weights_of, architecture)
    if shape is None:
        return {}
    layers, heads, heads_kv, head_dim, vocab, window = shape
    arch = architecture
    info: dict[str, object] = {
        f"{arch}.block_count": layers,
        f"{arch}.attention.head_count": heads,
        f"{arch}.attention.head_count_kv": heads_kv,
        f"{arch}.attention.key_length": head_dim,
        f"{arch}.attention.value_length": head_dim,
        f"{arch}.vocab_size": vocab,
    }
    if window:
        info[f"{arch}.attention.sliding_window"] = window
    return info


def loaded_size(
    name: str, weights_of: str, architecture: str, size: int, embedding: int, num_ctx: int
) -> int:
    """Bytes ``/api/ps`` reports for the model loaded with ``num_ctx`` (see the module)."""
    shape = _shape(name, weights_of, architecture)
    if shape is None:
        return size + num_ctx * 131_072
    layers, _, heads_kv, head_dim, vocab, _ = shape
    kv = 2 * layers * heads_kv * head_dim * num_ctx * 2
    graph = 4 * min(num_ctx, _BATCH) * (embedding + vocab)
    return size + kv + graph + _MINIMUM
