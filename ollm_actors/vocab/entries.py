"""Data types of model limits: capability flags and database entries (the seed's ModelEntry)."""

from __future__ import annotations

import msgspec

__all__ = (
    "CAPABILITY_NAMES",
    "Capabilities",
    "EntryCapabilities",
    "LimitsOverride",
    "ModelEntry",
    "OverrideCapabilities",
)

#: The capability vocabulary used everywhere (profiles, --json output, `require=`).
CAPABILITY_NAMES: tuple[str, ...] = (
    "completion",
    "tools",
    "vision",
    "embedding",
    "insert",
    "thinking",
    "streaming",
)


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    """What a model can do, in Ollama's capability vocabulary (plus ``streaming``)."""

    completion: bool = True
    tools: bool = False
    vision: bool = False
    embedding: bool = False
    insert: bool = False
    thinking: bool = False
    streaming: bool = True

    def names(self) -> frozenset[str]:
        """The set of capability names that are true."""
        return frozenset(n for n in CAPABILITY_NAMES if getattr(self, n))


class EntryCapabilities(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Capability flags as the seed's ModelEntry spells them (``toolCalling`` ...)."""

    toolCalling: bool = False
    vision: bool = False
    streaming: bool = True
    embedding: bool = False
    insert: bool = False
    thinking: bool = False
    completion: bool | None = None  # default: not an embedding-only model

    def to_capabilities(self) -> Capabilities:
        completion = (not self.embedding) if self.completion is None else self.completion
        return Capabilities(
            completion=completion,
            tools=self.toolCalling,
            vision=self.vision,
            embedding=self.embedding,
            insert=self.insert,
            thinking=self.thinking,
            streaming=self.streaming,
        )


class ModelEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One row of the model database (the seed's ModelEntry; keys are the seed's camelCase)."""

    pattern: str
    family: str
    contextWindow: int
    maxOutputTokens: int | None = None
    capabilities: EntryCapabilities = EntryCapabilities()
    profiles: tuple[str, ...] = ()
    source: str | None = None  # where the numbers come from (model card / Ollama library page)


class OverrideCapabilities(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Capability flags a user override sets; ``None`` keeps the value from lower layers."""

    toolCalling: bool | None = None
    vision: bool | None = None
    streaming: bool | None = None
    embedding: bool | None = None
    insert: bool | None = None
    thinking: bool | None = None
    completion: bool | None = None


class LimitsOverride(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A user's ``limits.overrides.<pattern>`` entry: any ModelEntry field, all optional."""

    family: str | None = None
    contextWindow: int | None = None
    maxOutputTokens: int | None = None
    capabilities: OverrideCapabilities | None = None
    profiles: tuple[str, ...] | None = None
