"""Limits for models the database does not know, by the architecture family the server reports.

Ollama's ``details.family`` (and ``general.architecture`` in ``/api/show``) names the model
architecture: ``llama``, ``qwen2``, ``gemma3``, ``nomic-bert`` ... A fine-tune or a model the
database has no pattern for still has one. Each default is the *smallest* window among the
well-known models of that architecture (a window that is too small wastes room; one that is too
large lets a prompt be cut off), output is half the window (at most 8192), and capabilities are
the plain ones (completion and streaming; embedding for encoder families) — the server's
``capabilities`` list, when known, replaces them.

When neither the database nor a family default applies, :data:`SAFE_DEFAULT` does: a 2048-token
window (the oldest Ollama default ``num_ctx``), 512 output tokens, completion and streaming.
"""

from __future__ import annotations

from types import MappingProxyType

import msgspec

from ollm_actors.vocab.entries import Capabilities

__all__ = ("FAMILY_DEFAULTS", "SAFE_DEFAULT", "FamilyDefault", "family_default")


class FamilyDefault(msgspec.Struct, frozen=True, kw_only=True):
    """Limits assumed for an architecture family; ``family`` is the routing family."""

    family: str
    context_window: int
    max_output_tokens: int
    capabilities: Capabilities = Capabilities()
    profiles: tuple[str, ...] = ()


_TEXT = Capabilities()
_VISION = Capabilities(vision=True)
_EMBED = Capabilities(completion=False, embedding=True, streaming=False)


def _text(family: str, window: int, *profiles: str) -> FamilyDefault:
    return FamilyDefault(
        family=family,
        context_window=window,
        max_output_tokens=min(window // 2, 8192),
        capabilities=_TEXT,
        profiles=profiles,
    )


def _vision(family: str, window: int) -> FamilyDefault:
    return FamilyDefault(
        family=family,
        context_window=window,
        max_output_tokens=min(window // 2, 8192),
        capabilities=_VISION,
        profiles=("vision",),
    )


def _embed(family: str, window: int) -> FamilyDefault:
    return FamilyDefault(
        family=family,
        context_window=window,
        max_output_tokens=0,
        capabilities=_EMBED,
        profiles=("embedding",),
    )


#: architecture family (lower-case, as Ollama reports it) -> assumed limits
FAMILY_DEFAULTS: MappingProxyType[str, FamilyDefault] = MappingProxyType(
    {
        # llama covers Llama 2 (4096) to 3.3 (131072) and many fine-tunes: the smallest.
        "llama": _text("llama", 4096, "fast"),
        "llama4": _text("llama4", 1048576, "general", "creative", "long-context"),
        "mllama": _vision("llama3.2-vision", 131072),
        "qwen": _text("qwen", 32768, "fast", "general", "creative"),
        "qwen2": _text("qwen", 32768, "fast", "general", "creative"),
        "qwen2moe": _text("qwen", 32768, "fast", "general", "creative"),
        "qwen3": _text("qwen", 40960, "fast", "general", "creative"),
        "qwen3moe": _text("qwen", 40960, "fast", "general", "creative"),
        "qwen2vl": _vision("qwen2.5vl", 32768),
        "qwen25vl": _vision("qwen2.5vl", 128000),
        "gemma": _text("gemma", 8192, "fast", "general"),
        "gemma2": _text("gemma", 8192, "fast", "general"),
        # gemma3:1b has 32768; the larger sizes 131072.
        "gemma3": _text("gemma3", 32768, "fast", "general", "creative"),
        "gemma3n": _text("gemma3", 32768, "fast", "general", "creative"),
        "phi2": _text("phi", 2048),
        # phi3 covers phi3 mini/medium 4k, phi3.5 and phi4 (16384): the 4k variants are smallest.
        "phi3": _text("phi", 4096, "fast"),
        "mistral": _text("mistral", 32768, "fast", "general", "creative"),
        "mistral3": _text("mistral", 131072, "general", "creative", "long-context"),
        "command-r": _text("command-r", 131072, "general", "creative", "long-context"),
        "cohere2": _text("command-r", 8192, "fast", "general"),
        "starcoder": _text("starcoder", 8192, "fast"),
        "starcoder2": _text("starcoder2", 16384, "fast", "code"),
        "deepseek2": _text("deepseek", 163840, "general", "creative", "long-context"),
        "falcon": _text("falcon", 2048),
        "stablelm": _text("stablelm", 4096, "fast"),
        "olmo2": _text("olmo", 4096, "fast"),
        "granite": _text("granite", 4096, "fast"),
        "granitemoe": _text("granite", 4096, "fast"),
        "exaone": _text("exaone", 32768, "fast", "general", "creative"),
        "internlm2": _text("internlm", 32768, "fast", "general", "creative"),
        "gptoss": _text("gpt-oss", 131072, "general", "creative", "long-context"),
        "gpt-oss": _text("gpt-oss", 131072, "general", "creative", "long-context"),
        "nomic-bert": _embed("nomic-embed-text", 2048),
        "nomic-bert-moe": _embed("nomic-embed-text", 512),
        "bert": _embed("bert", 512),
        "xlm-roberta": _embed("bge-m3", 8192),
    }
)

#: the last resort: nothing known about the model at all
SAFE_DEFAULT = FamilyDefault(
    family="unknown",
    context_window=2048,
    max_output_tokens=512,
    capabilities=Capabilities(completion=True, streaming=True),
    profiles=(),
)


def family_default(family: str | None) -> FamilyDefault | None:
    """The default for an architecture family (case-insensitive), or None if unknown."""
    if not family:
        return None
    return FAMILY_DEFAULTS.get(family.strip().lower())
