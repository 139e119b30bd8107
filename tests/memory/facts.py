"""Model facts the memory tests share: ``model_info`` as Ollama's ``/api/show`` sends it."""

from __future__ import annotations

from typing import Any

from ollm_actors.vocab.memory import MemoryFacts, facts_from_model_info

LLAMA31_8B_INFO: dict[str, Any] = {
    "general.architecture": "llama",
    "llama.block_count": 32,
    "llama.embedding_length": 4096,
    "llama.attention.head_count": 32,
    "llama.attention.head_count_kv": 8,
    "llama.vocab_size": 128256,
    "llama.context_length": 131072,
}
LLAMA31_8B_SIZE = 4_920_753_328

GEMMA3_12B_INFO: dict[str, Any] = {
    "general.architecture": "gemma3",
    "gemma3.block_count": 48,
    "gemma3.embedding_length": 3840,
    "gemma3.attention.head_count": 16,
    "gemma3.attention.head_count_kv": 8,
    "gemma3.attention.key_length": 256,
    "gemma3.attention.value_length": 256,
    "gemma3.attention.sliding_window": 1024,
    "gemma3.context_length": 131072,
}


def llama31_8b() -> MemoryFacts:
    facts = facts_from_model_info(LLAMA31_8B_INFO, size=LLAMA31_8B_SIZE)
    assert facts is not None
    return facts


def gemma3_12b() -> MemoryFacts:
    facts = facts_from_model_info(GEMMA3_12B_INFO, size=8_149_190_253)
    assert facts is not None
    return facts
