"""Token estimates without a tokenizer: pure, fast, deterministic, and biased upwards.

An under-estimate is the dangerous error (the budget lets a prompt through that the server
then cuts off), so every choice below errs towards more tokens.

The estimate of a text is ``ceil(max(chars / C, pieces * P))`` where

* ``chars`` is ``len(text)`` (whitespace included);
* ``pieces`` counts what a BPE pre-tokenizer splits the text into before merging: runs of ASCII
  letters, each punctuation mark or symbol, each non-ASCII character (CJK characters are about
  one token each, accented Latin letters less), and digits — one piece per digit for tokenizers
  that split numbers into digits (Llama 2, Mistral, Phi-3), one per group of up to three for
  those that group them (Llama 3, Qwen, Gemma, DeepSeek);
* ``C`` and ``P`` depend on the tokenizer class of the routing family: *wide* vocabularies
  (≥ 100k entries: qwen, gemma, deepseek, command-r, gpt-oss, granite) use ``C = 3.6``,
  ``P = 1.1``; everything else, including ``llama`` (which covers Llama 2's 32k vocabulary)
  and unknown families, uses the *narrow* ``C = 3.3``, ``P = 1.2``.

Error on reference samples (reference counts from the Llama 3 / cl100k tokenizer for the wide
class and from Llama 2's rules — one token per digit, a leading ``▁`` — for the narrow class):

=======================================================  =========  ==========  =========
sample                                                   reference  wide est.   narrow est.
=======================================================  =========  ==========  =========
``The quick brown fox jumps over the lazy dog.``         10 / 11    13 (+30%)   14 (+27%)
``Hello, world!``                                        4 / 4      5 (+25%)    5 (+25%)
``1234567890``                                           4 / 11     5 (+25%)    12 (+9%)
``"the " * 1000``                                        1000       1112 (+11%) 1213 (+21%)
=======================================================  =========  ==========  =========

So the estimate is above the reference on every sample and at most ~30% above it on prose.

Chat messages add :data:`MESSAGE_OVERHEAD` tokens each (role and template markers), plus
:data:`REPLY_OVERHEAD` for the assistant header the template opens for the answer, and
:data:`IMAGE_TOKENS` per attached image (a fixed amount; LLaVA-style projectors use 576 per
image, so 768 leaves room).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

__all__ = (
    "IMAGE_TOKENS",
    "MESSAGE_OVERHEAD",
    "REPLY_OVERHEAD",
    "estimate_message_tokens",
    "estimate_prompt_tokens",
    "estimate_tokens",
    "tokenizer_class",
)

MESSAGE_OVERHEAD = 4
REPLY_OVERHEAD = 3
IMAGE_TOKENS = 768

_WIDE_FAMILIES = (
    "qwen",
    "qwq",
    "codeqwen",
    "gemma",
    "codegemma",
    "deepseek",
    "command-r",
    "aya",
    "gpt-oss",
    "granite",
    "llama4",
    "llama3.2-vision",
    "exaone",
    "internlm",
    "minicpm-v",
)

_PIECES_GROUPED = re.compile(r"[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]")
_PIECES_SINGLE = re.compile(r"[A-Za-z]+|\d|[^\sA-Za-z\d]")

# (chars per token, tokens per piece, piece pattern)
_WIDE = (3.6, 1.1, _PIECES_GROUPED)
_NARROW = (3.3, 1.2, _PIECES_SINGLE)


def tokenizer_class(family: str | None) -> str:
    """``"wide"`` or ``"narrow"``: the tokenizer class assumed for a routing family."""
    if family:
        lowered = family.lower()
        if lowered.startswith(_WIDE_FAMILIES):
            return "wide"
    return "narrow"


def estimate_tokens(text: str, family: str | None = None) -> int:
    """An upper-leaning estimate of the tokens of ``text`` for a model of ``family``.

    Returns 0 for the empty string and at least 1 otherwise. Deterministic; never raises.
    """
    if not text:
        return 0
    chars_per_token, per_piece, pieces = _WIDE if tokenizer_class(family) == "wide" else _NARROW
    count = len(pieces.findall(text))
    return max(1, math.ceil(max(len(text) / chars_per_token, count * per_piece)))


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # Tool calls, structured content: count their JSON form.
    return msgspec.json.encode(value).decode()


def estimate_message_tokens(
    messages: Sequence[Mapping[str, Any]], family: str | None = None
) -> int:
    """Estimate the prompt tokens of chat ``messages`` (Ollama's ``/api/chat`` shape).

    Counts each message's ``content``, ``thinking`` and ``tool_calls`` (as JSON) with
    :func:`estimate_tokens`, plus :data:`MESSAGE_OVERHEAD` per message, :data:`IMAGE_TOKENS`
    per entry of ``images``, and :data:`REPLY_OVERHEAD` once. Returns 0 for no messages.
    Raises ``TypeError`` when a message field cannot be encoded as JSON.
    """
    if not messages:
        return 0
    total = REPLY_OVERHEAD
    for message in messages:
        total += MESSAGE_OVERHEAD
        for key in ("content", "thinking", "tool_calls"):
            total += estimate_tokens(_text_of(message.get(key)), family)
        images = message.get("images")
        if images:
            total += IMAGE_TOKENS * len(images)
    return total


def estimate_prompt_tokens(
    prompt: str | Sequence[Mapping[str, Any]], family: str | None = None
) -> int:
    """:func:`estimate_tokens` for a text, :func:`estimate_message_tokens` for messages."""
    if isinstance(prompt, str):
        return estimate_tokens(prompt, family)
    return estimate_message_tokens(prompt, family)
