"""Token estimates: the documented samples, bias upwards, messages and determinism."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.limits.tokens import (
    IMAGE_TOKENS,
    MESSAGE_OVERHEAD,
    REPLY_OVERHEAD,
    estimate_message_tokens,
    estimate_prompt_tokens,
    estimate_tokens,
    tokenizer_class,
)

# text -> (reference wide, wide estimate, reference narrow, narrow estimate), as documented.
SAMPLES = {
    "The quick brown fox jumps over the lazy dog.": (10, 13, 11, 14),
    "Hello, world!": (4, 5, 4, 5),
    "1234567890": (4, 5, 11, 12),
    "the " * 1000: (1000, 1112, 1000, 1213),
}


@pytest.mark.parametrize("text", list(SAMPLES))
def test_documented_samples(text: str) -> None:
    ref_wide, est_wide, ref_narrow, est_narrow = SAMPLES[text]
    assert estimate_tokens(text, "qwen") == est_wide
    assert estimate_tokens(text, "llama") == est_narrow
    assert estimate_tokens(text) == est_narrow
    for ref, est in ((ref_wide, est_wide), (ref_narrow, est_narrow)):
        assert ref <= est <= ref * 1.31


def test_tokenizer_classes() -> None:
    assert tokenizer_class("qwen2.5-coder") == "wide"
    assert tokenizer_class("gemma3") == "wide"
    assert tokenizer_class("deepseek-coder") == "wide"
    assert tokenizer_class("llama") == "narrow"
    assert tokenizer_class("mistral") == "narrow"
    assert tokenizer_class(None) == "narrow"


def test_code_and_cjk_count_per_symbol() -> None:
    code = "def f(x):\n    return x[0] + {'a': 1}\n"
    # Every bracket, colon and quote is its own piece: many more than the 6 words.
    assert estimate_tokens(code, "qwen") >= 20
    assert estimate_tokens("日本語のテキスト", "qwen") >= 8


def test_empty_and_tiny() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens(" ") == 1
    assert estimate_message_tokens([]) == 0


def test_messages_add_overheads_and_images() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is in this picture?", "images": ["aGk=", "aGk="]},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "lookup", "arguments": {"q": "cats"}}}],
        },
    ]
    expected = (
        REPLY_OVERHEAD
        + 3 * MESSAGE_OVERHEAD
        + estimate_tokens("Be brief.")
        + estimate_tokens("What is in this picture?")
        + 2 * IMAGE_TOKENS
        + estimate_tokens('[{"function":{"name":"lookup","arguments":{"q":"cats"}}}]')
    )
    assert estimate_message_tokens(messages) == expected
    assert estimate_prompt_tokens(messages) == expected
    assert estimate_prompt_tokens("Be brief.") == estimate_tokens("Be brief.")


@given(st.text(max_size=300), st.text(max_size=300), st.sampled_from([None, "qwen", "llama"]))
@settings(max_examples=300)
def test_estimates_are_deterministic_and_roughly_additive(
    a: str, b: str, family: str | None
) -> None:
    whole = estimate_tokens(a + b, family)
    assert whole == estimate_tokens(a + b, family)
    # Joining texts never loses tokens beyond the ceiling and piece merging at the seam.
    assert whole >= max(estimate_tokens(a, family), estimate_tokens(b, family)) - 2
    # A non-empty text is at least one token, at most about two per character.
    if a:
        assert 1 <= estimate_tokens(a, family) <= 2 * len(a) + 1


def test_messages_count_thinking_and_use_the_family_of_the_model() -> None:
    digits = "1234567890"  # 5 tokens for a wide tokenizer, 12 for a narrow one
    message = {"role": "assistant", "content": digits, "thinking": digits}
    overhead = REPLY_OVERHEAD + MESSAGE_OVERHEAD
    assert estimate_message_tokens([message], "qwen") == overhead + 5 + 5
    assert estimate_message_tokens([message], "llama") == overhead + 12 + 12
    assert estimate_message_tokens([message]) == overhead + 12 + 12
    assert estimate_prompt_tokens([message], "qwen") == overhead + 10
    assert estimate_prompt_tokens(digits, "qwen") == 5
    # A message with nothing in it still costs its overhead; an empty image list costs nothing.
    assert estimate_message_tokens([{"role": "user", "images": []}]) == overhead


@pytest.mark.parametrize(
    ("family", "kind"),
    [
        ("", "narrow"),
        ("QWEN2.5", "wide"),
        ("codegemma", "wide"),
        ("granite3.1", "wide"),
        ("gpt-oss", "wide"),
        ("llama3.2-vision", "wide"),
        ("llama3.2", "narrow"),
        ("phi", "narrow"),
    ],
)
def test_more_tokenizer_classes(family: str, kind: str) -> None:
    assert tokenizer_class(family) == kind
