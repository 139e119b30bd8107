"""msgspec types of the Ollama HTTP API (``/api/version``, tags, show, ps, delete, pull).

Responses tolerate unknown keys and every field newer servers add is optional, so one set of
types reads old and new servers alike. Timestamps stay the server's RFC 3339 strings (they
carry nanoseconds, which ``datetime`` cannot hold, so strings round-trip exactly);
:func:`parse_time` turns one into a ``datetime`` when needed. Requests use
``omit_defaults=True`` so only what the caller chose goes on the wire.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec
from msgspec.structs import force_setattr

__all__ = (
    "DeleteRequest",
    "ErrorBody",
    "ListedModel",
    "ModelDetails",
    "PsResponse",
    "PullLine",
    "PullRequest",
    "RunningModel",
    "ShowRequest",
    "ShowResponse",
    "TagsResponse",
    "VersionResponse",
    "encoder",
    "error_decoder",
    "parse_time",
    "ps_decoder",
    "pull_line_decoder",
    "show_decoder",
    "tags_decoder",
    "version_decoder",
)

_FRACTION = re.compile(r"\.(\d+)")


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp as an aware ``datetime`` (fraction cut to microseconds).

    Returns None for None, an empty string or text that is not a timestamp.
    """
    if not text:
        return None
    trimmed = _FRACTION.sub(lambda m: "." + m.group(1)[:6], text, count=1)
    if trimmed.endswith(("Z", "z")):
        trimmed = trimmed[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(trimmed)
    except ValueError:
        return None


def _fill_names(entry: ListedModel | RunningModel) -> None:
    # Older servers send only `name`, ollama-python's types only `model`: accept either and
    # make both hold the display name.
    if entry.name and not entry.model:
        force_setattr(entry, "model", entry.name)
    elif entry.model and not entry.name:
        force_setattr(entry, "name", entry.model)
    elif not entry.name:
        raise ValueError("model entry has neither 'name' nor 'model'")


class VersionResponse(msgspec.Struct, frozen=True):
    """``GET /api/version``: ``{"version": "0.5.1"}``."""

    version: str = ""


class ModelDetails(msgspec.Struct, frozen=True, gc=False):
    """The ``details`` object of tags, show and ps entries."""

    parent_model: str = ""
    format: str = ""
    family: str = ""
    families: tuple[str, ...] | None = None
    parameter_size: str = ""
    quantization_level: str = ""
    context_length: int | None = None
    embedding_length: int | None = None


class ListedModel(msgspec.Struct, frozen=True, gc=False):
    """One entry of ``GET /api/tags``; ``name`` and ``model`` both hold the display name."""

    name: str = ""
    model: str = ""
    modified_at: str = ""
    size: int = 0
    digest: str = ""
    details: ModelDetails = msgspec.field(default_factory=ModelDetails)
    capabilities: tuple[str, ...] | None = None
    remote_model: str | None = None
    remote_host: str | None = None

    def __post_init__(self) -> None:
        # Current servers send both: skip the call on the hot path of a 5,000-model list.
        if not (self.name and self.model):
            _fill_names(self)

    @property
    def modified(self) -> datetime | None:
        """``modified_at`` parsed (None when absent or unreadable)."""
        return parse_time(self.modified_at)


class TagsResponse(msgspec.Struct, frozen=True, gc=False):
    """``GET /api/tags``: the installed models, most recently modified first."""

    models: list[ListedModel] = msgspec.field(default_factory=list)


class ShowRequest(msgspec.Struct, frozen=True, omit_defaults=True):
    """``POST /api/show`` body."""

    model: str
    verbose: bool = False


class ShowResponse(msgspec.Struct, frozen=True, gc=False):
    """``POST /api/show``: a model's metadata; see :attr:`context_length` for the limit."""

    license: str = ""
    modelfile: str = ""
    parameters: str = ""
    template: str = ""
    system: str = ""
    details: ModelDetails = msgspec.field(default_factory=ModelDetails)
    model_info: dict[str, Any] | None = None
    projector_info: dict[str, Any] | None = None
    capabilities: tuple[str, ...] | None = None
    modified_at: str | None = None
    remote_model: str | None = None
    remote_host: str | None = None
    requires: str | None = None
    renderer: str | None = None
    parser: str | None = None
    tensors: list[Any] | None = None
    messages: list[Any] | None = None

    def __post_init__(self) -> None:
        if self.model_info is None:
            force_setattr(self, "model_info", {})

    @property
    def info(self) -> dict[str, Any]:
        """``model_info`` as a dict (empty when the server sent none)."""
        return self.model_info or {}

    @property
    def architecture(self) -> str | None:
        """``general.architecture`` from ``model_info``, or None."""
        arch = self.info.get("general.architecture")
        return arch if isinstance(arch, str) and arch else None

    def _arch_int(self, key: str) -> int | None:
        arch = self.architecture
        if arch is None:
            return None
        value = self.info.get(f"{arch}.{key}")
        # JSON numbers may arrive as floats (the Go CLI reads them as float64).
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            return None
        return int(value)

    @property
    def context_length(self) -> int | None:
        """The trained context ``<arch>.context_length`` (else ``details.context_length``)."""
        found = self._arch_int("context_length")
        return found if found is not None else self.details.context_length

    @property
    def embedding_length(self) -> int | None:
        """``<arch>.embedding_length`` (else ``details.embedding_length``)."""
        found = self._arch_int("embedding_length")
        return found if found is not None else self.details.embedding_length

    @property
    def parameter_count(self) -> int | None:
        """``general.parameter_count``, or None."""
        value = self.info.get("general.parameter_count")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return int(value)

    @property
    def modified(self) -> datetime | None:
        """``modified_at`` parsed (None when absent or unreadable)."""
        return parse_time(self.modified_at)


class RunningModel(msgspec.Struct, frozen=True, gc=False):
    """One entry of ``GET /api/ps``; ``context_length`` is absent on servers before 0.10."""

    name: str = ""
    model: str = ""
    size: int = 0
    digest: str = ""
    details: ModelDetails = msgspec.field(default_factory=ModelDetails)
    expires_at: str = ""
    size_vram: int = 0
    context_length: int | None = None

    def __post_init__(self) -> None:
        # Current servers send both: skip the call on the hot path of a 5,000-model list.
        if not (self.name and self.model):
            _fill_names(self)

    @property
    def expires(self) -> datetime | None:
        """``expires_at`` parsed (None when absent or unreadable)."""
        return parse_time(self.expires_at)


class PsResponse(msgspec.Struct, frozen=True, gc=False):
    """``GET /api/ps``: the models loaded in memory."""

    models: list[RunningModel] = msgspec.field(default_factory=list)


class DeleteRequest(msgspec.Struct, frozen=True, omit_defaults=True):
    """``DELETE /api/delete`` body; success is HTTP 200 with an empty body."""

    model: str


class PullRequest(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """``POST /api/pull`` body. ``stream`` has no default so it is always sent."""

    model: str
    stream: bool
    insecure: bool = False


class PullLine(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    """One NDJSON line of a pull stream; absent fields are None.

    ``digest`` is ``sha256:<64 hex>`` on layer lines. A line with ``error`` ends the stream
    with a failure; ``status == "success"`` ends it with success.
    """

    status: str = ""
    digest: str | None = None
    total: int | None = None
    completed: int | None = None
    error: str | None = None


class ErrorBody(msgspec.Struct, frozen=True):
    """An error answer: ``{"error": "<message>"}``."""

    error: str = ""


encoder = msgspec.json.Encoder()
version_decoder = msgspec.json.Decoder(VersionResponse)
tags_decoder = msgspec.json.Decoder(TagsResponse)
show_decoder = msgspec.json.Decoder(ShowResponse)
ps_decoder = msgspec.json.Decoder(PsResponse)
pull_line_decoder = msgspec.json.Decoder(PullLine)
error_decoder = msgspec.json.Decoder(ErrorBody)
