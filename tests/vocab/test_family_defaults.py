"""Limits assumed by architecture family, and the safe default when nothing is known."""

from __future__ import annotations

import pytest

from ollm_actors.vocab.entries import Capabilities
from ollm_actors.vocab.family_defaults import (
    FAMILY_DEFAULTS,
    SAFE_DEFAULT,
    FamilyDefault,
    family_default,
)


def test_the_safe_default_is_the_oldest_ollama_context() -> None:
    # As documented: a 2048-token window (Ollama's oldest default num_ctx), 512 output tokens,
    # completion and streaming, no profiles.
    assert FamilyDefault(
        family="unknown",
        context_window=2048,
        max_output_tokens=512,
        capabilities=Capabilities(completion=True, streaming=True),
        profiles=(),
    ) == SAFE_DEFAULT
    assert SAFE_DEFAULT.capabilities.names() == {"completion", "streaming"}


@pytest.mark.parametrize(
    ("family", "window"),
    [("llama", 4096), ("LLAMA", 4096), (" qwen2 ", 32768), ("phi2", 2048), ("bert", 512)],
)
def test_family_defaults_are_looked_up_case_insensitively(family: str, window: int) -> None:
    found = family_default(family)
    assert found is not None
    assert found.context_window == window


@pytest.mark.parametrize("family", [None, "", "brand-new-arch"])
def test_unknown_families_have_no_default(family: str | None) -> None:
    assert family_default(family) is None


def test_output_is_half_the_window_at_most_8192_and_none_for_encoders() -> None:
    for name, default in FAMILY_DEFAULTS.items():
        if default.capabilities.completion:
            assert default.max_output_tokens == min(default.context_window // 2, 8192), name
        else:
            assert default.max_output_tokens == 0, name
            assert default.capabilities.embedding, name
