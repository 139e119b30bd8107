"""The memory estimate (``vocab/memory.py``): KV bytes per type against a hand-computed
table, sliding-window layers, the flash-attention rule, facts from ``model_info``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.vocab.ggml_sizes import summarise_tensors, tensor_bytes
from ollm_actors.vocab.memory import (
    GPU_MINIMUM,
    MemoryFacts,
    estimate_memory,
    facts_from_model_info,
    kv_layer_bytes,
)
from tests.memory.facts import LLAMA31_8B_INFO, gemma3_12b, llama31_8b

GIB = 1024**3

# 2 (K and V) x 32 layers x 8 KV heads x 128 dims x 131,072 tokens x bytes per value
_LLAMA_VALUES = 2 * 32 * 8 * 128 * 131_072


@pytest.mark.parametrize(
    ("kv_type", "expected"),
    [
        ("f16", _LLAMA_VALUES * 2),  # 16 GiB: the figure
        ("q8_0", _LLAMA_VALUES // 32 * 34),  # 34-byte blocks of 32 values
        ("q4_0", _LLAMA_VALUES // 32 * 18),  # 18-byte blocks of 32 values
    ],
)
def test_kv_cache_of_llama31_8b_at_131072(kv_type: str, expected: int) -> None:
    estimate = estimate_memory(
        llama31_8b(), num_ctx=131_072, kv_type=kv_type, flash_attention=True  # type: ignore[arg-type]
    )
    assert estimate.kv_cache == expected
    assert estimate.kv_type_used == kv_type


def test_f16_figure_is_sixteen_gib() -> None:
    assert estimate_memory(llama31_8b(), num_ctx=131_072).kv_cache == 16 * GIB


def test_parallel_slots_multiply_the_cache() -> None:
    one = estimate_memory(llama31_8b(), num_ctx=8192, parallel=1)
    four = estimate_memory(llama31_8b(), num_ctx=8192, parallel=4)
    assert four.kv_cache == 4 * one.kv_cache
    assert four.kv_cache == estimate_memory(llama31_8b(), num_ctx=32768).kv_cache


def test_quantized_cache_needs_flash_attention() -> None:
    off = estimate_memory(llama31_8b(), num_ctx=8192, kv_type="q8_0", flash_attention=False)
    assert off.kv_type_used == "f16"
    assert off.kv_cache == estimate_memory(llama31_8b(), num_ctx=8192).kv_cache
    assert any("flash attention" in note for note in off.notes)
    unknown = estimate_memory(llama31_8b(), num_ctx=8192, kv_type="q4_0")
    assert unknown.kv_type_used == "q4_0"
    assert any("assumes flash attention" in note for note in unknown.notes)


def test_gemma3_sliding_window_layers() -> None:
    facts = gemma3_12b()
    ctx = 32_768
    estimate = estimate_memory(facts, num_ctx=ctx)
    window_tokens = 1024 + 512  # P x sliding_window + b
    full = kv_layer_bytes(facts, ctx, "f16")
    sliding = kv_layer_bytes(facts, window_tokens, "f16")
    assert sliding == window_tokens * (256 + 256) * 8 * 2
    globals_ = 48 // 6
    assert estimate.kv_cache == globals_ * full + (48 - globals_) * sliding
    # Every sixth layer is the global one: layer index 5 holds the whole context.
    kv_of = [size - estimate.layers[0] + sliding for size in estimate.layers]
    assert kv_of[5] - kv_of[4] == full - sliding


def test_sliding_window_never_exceeds_the_context() -> None:
    facts = gemma3_12b()
    estimate = estimate_memory(facts, num_ctx=1024)
    assert estimate.kv_cache == 48 * kv_layer_bytes(facts, 1024, "f16")


def test_parts_add_up_and_overhead_holds_the_minimum() -> None:
    e = estimate_memory(llama31_8b(), num_ctx=4096)
    assert e.weights + e.kv_cache + e.graph + e.overhead == e.total == e.raw_total
    assert e.overhead >= GPU_MINIMUM
    assert e.weights == 4_920_753_328
    # the llama graph: max(4b(1 + 4E + T(1 + H)), 4b(E + V)) with b = 512
    assert e.graph == max(4 * 512 * (1 + 4 * 4096 + 4096 * 33), 4 * 512 * (4096 + 128256))


def test_correction_scales_the_total() -> None:
    e = estimate_memory(llama31_8b(), num_ctx=4096, correction=1.1)
    assert e.total == round(e.raw_total * 1.1)
    assert e.correction == 1.1


def test_unknown_architecture_uses_the_fallback_graph() -> None:
    info = {k.replace("llama", "mystery"): v for k, v in LLAMA31_8B_INFO.items()}
    info["general.architecture"] = "mystery"
    facts = facts_from_model_info(info, size=4_000_000_000)
    assert facts is not None
    e = estimate_memory(facts, num_ctx=8192)
    assert e.graph == (32 // 8) * e.kv_cache // 6


def test_facts_need_the_shape_and_a_size() -> None:
    assert facts_from_model_info({}, size=10) is None
    assert facts_from_model_info(LLAMA31_8B_INFO) is None
    facts = facts_from_model_info(
        {"general.architecture": "qwen2", "qwen2.block_count": 28,
         "qwen2.embedding_length": 3584, "qwen2.attention.head_count": 28}, size=1)
    assert isinstance(facts, MemoryFacts)
    assert facts.head_count_kv == 28 and facts.key_length == 128


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        estimate_memory(llama31_8b(), num_ctx=0)
    with pytest.raises(ValueError):
        estimate_memory(llama31_8b(), num_ctx=10, kv_type="q2")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        estimate_memory(llama31_8b(), num_ctx=10, correction=0)


def test_tensor_list_gives_exact_weights() -> None:
    tensors = [
        {"name": "token_embd.weight", "type": "Q4_K", "shape": [4096, 128256]},
        {"name": "output.weight", "type": "Q6_K", "shape": [4096, 128256]},
        {"name": "output_norm.weight", "type": "F32", "shape": [4096]},
        {"name": "blk.0.attn_q.weight", "type": "Q4_K", "shape": [4096, 4096]},
        {"name": "blk.1.attn_q.weight", "type": "Q4_K", "shape": [4096, 4096]},
        {"name": "v.patch_embd.weight", "type": "F16", "shape": [14, 14, 3, 1024]},
    ]
    summary = summarise_tensors(tensors)
    assert summary is not None
    q4k = 4096 * 4096 // 256 * 144
    assert summary.layers == (q4k, q4k)
    assert summary.output == 4096 * 128256 // 256 * 210 + 4096 * 4
    assert summary.embedding == 4096 * 128256 // 256 * 144
    assert summary.projector == 14 * 14 * 3 * 1024 * 2
    assert summarise_tensors([{"name": "x", "type": "WAT", "shape": [1]}]) is None
    assert tensor_bytes("q8_0", [64]) == 68


@given(st.integers(1, 1 << 18), st.integers(1, 8), st.sampled_from(["f16", "q8_0", "q4_0"]))
def test_memory_grows_with_context(num_ctx: int, parallel: int, kv: str) -> None:
    facts = llama31_8b()
    small = estimate_memory(facts, num_ctx=num_ctx, parallel=parallel, kv_type=kv)  # type: ignore[arg-type]
    big = estimate_memory(facts, num_ctx=num_ctx + 1024, parallel=parallel, kv_type=kv)  # type: ignore[arg-type]
    assert big.total >= small.total
