"""What ``/api/show`` adds with ``verbose: true``, as a real server does: the tokenizer's large
arrays filled (``tokenizer.ggml.tokens``, ``token_type``, ``merges``) and the ``tensors`` list
(name, ggml type, shape) of the GGUF file.

The tensor list is built from the catalogue's layer shape (``shapes.py``): per block the
attention and feed-forward matrices in Q4_K (the value matrix and ``ffn_down`` in Q6_K, as
Ollama's Q4_K_M files have them) and F32 norms, plus ``token_embd`` (Q4_K), ``output``
(Q6_K; none for gemma, whose output is tied to the embedding) and ``output_norm``. The
feed-forward width is chosen so that the tensors add up to the model's file size, so the
weights a client sums from them agree with ``/api/tags``. The arrays are synthetic strings of
a plausible length: what they cost is the point (they make a verbose answer megabytes), not
their content.
"""

from __future__ import annotations

from ollm_actors.emulator.shapes import SHAPES

__all__ = ("tensor_list", "verbose_info")

_Q4_K = 144 / 256  # bytes per value: ggml blocks of 256 values
_Q6_K = 210 / 256
#: BPE merges per vocabulary entry (llama3: 280,147 merges for 128,256 tokens)
_MERGES_PER_TOKEN = 2.18


def _shape(name: str, weights_of: str, architecture: str) -> tuple[int, ...] | None:
    return SHAPES.get(weights_of or name) or SHAPES.get(name) or SHAPES.get(architecture)


def _tensor(name: str, kind: str, *shape: int) -> dict[str, object]:
    return {"name": name, "type": kind, "shape": list(shape)}


def tensor_list(
    name: str, weights_of: str, architecture: str, weights: int, embedding: int
) -> list[dict[str, object]]:
    """The ``tensors`` of a model whose weights (file size less projector) are ``weights``
    bytes; empty for a model of unknown shape (a server that lists none)."""
    shape = _shape(name, weights_of, architecture)
    if shape is None or embedding <= 0:
        return []
    layers, heads, heads_kv, head_dim, vocab, _window = shape
    e, q, kv = embedding, heads * head_dim, heads_kv * head_dim
    # gemma ties its output layer to the token embedding: no ``output`` tensor.
    tied = architecture.startswith("gemma")
    attention = (e * q + e * kv + q * e) * _Q4_K + e * kv * _Q6_K
    output = 0 if tied else e * vocab * _Q6_K
    fixed = e * vocab * _Q4_K + output + e * 4 + layers * (attention + 2 * e * 4)
    # The feed-forward width that makes the tensors weigh the file: gate and up in Q4_K,
    # down in Q6_K; a multiple of 256 (one K-quant block).
    per_ffn_value = layers * e * (2 * _Q4_K + _Q6_K)
    ffn = max(256, int((weights - fixed) / per_ffn_value) // 256 * 256)
    out = [_tensor("token_embd.weight", "Q4_K", e, vocab)]
    for i in range(layers):
        blk = f"blk.{i}"
        out += [
            _tensor(f"{blk}.attn_norm.weight", "F32", e),
            _tensor(f"{blk}.attn_q.weight", "Q4_K", e, q),
            _tensor(f"{blk}.attn_k.weight", "Q4_K", e, kv),
            _tensor(f"{blk}.attn_v.weight", "Q6_K", e, kv),
            _tensor(f"{blk}.attn_output.weight", "Q4_K", q, e),
            _tensor(f"{blk}.ffn_norm.weight", "F32", e),
            _tensor(f"{blk}.ffn_gate.weight", "Q4_K", e, ffn),
            _tensor(f"{blk}.ffn_up.weight", "Q4_K", e, ffn),
            _tensor(f"{blk}.ffn_down.weight", "Q6_K", ffn, e),
        ]
    out.append(_tensor("output_norm.weight", "F32", e))
    if not tied:
        out.append(_tensor("output.weight", "Q6_K", e, vocab))
    return out


def verbose_info(
    name: str, weights_of: str, architecture: str, info: dict[str, object]
) -> dict[str, object]:
    """``model_info`` with the tokenizer arrays filled, one entry per vocabulary token."""
    shape = _shape(name, weights_of, architecture)
    if shape is None:
        return info
    vocab = shape[4]
    filled = dict(info)
    filled["tokenizer.ggml.tokens"] = [f"tok{i}" for i in range(vocab)]
    filled["tokenizer.ggml.token_type"] = [1] * vocab
    if filled.get("tokenizer.ggml.model") == "gpt2":
        merges = int(vocab * _MERGES_PER_TOKEN)
        filled["tokenizer.ggml.merges"] = [f"t{i % vocab} k{i}" for i in range(merges)]
    return filled
