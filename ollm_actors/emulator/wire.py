"""JSON bodies the emulated server reads and writes, as msgspec Structs (Ollama's field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

__all__ = (
    "ChatRequest",
    "ChatResponse",
    "CopyRequest",
    "CreateRequest",
    "Details",
    "ErrorBody",
    "GenerateRequest",
    "GenerateResponse",
    "KeepAlive",
    "Message",
    "ModelRequest",
    "ProgressBody",
    "PsModel",
    "PsResponse",
    "Refusal",
    "ShowResponse",
    "StatusBody",
    "TagModel",
    "TagsResponse",
    "VersionBody",
)


class ModelRequest(msgspec.Struct, frozen=True):
    """Body of show/pull/delete: ``model``, or the legacy ``name`` when ``model`` is empty."""

    model: str = ""
    name: str = ""
    stream: bool = True
    verbose: bool = False
    insecure: bool = False

    @property
    def requested(self) -> str:
        return self.model or self.name


class CopyRequest(msgspec.Struct, frozen=True):
    source: str = ""
    destination: str = ""


class Details(msgspec.Struct, frozen=True):
    parent_model: str
    format: str
    family: str
    families: tuple[str, ...] | None
    parameter_size: str
    quantization_level: str


class TagModel(msgspec.Struct, frozen=True):
    name: str
    model: str
    modified_at: datetime
    size: int
    digest: str
    details: Details


class TagsResponse(msgspec.Struct, frozen=True):
    models: list[TagModel]


class ShowResponse(msgspec.Struct, frozen=True, omit_defaults=True):
    license: str
    modelfile: str
    parameters: str
    template: str
    details: Details
    model_info: dict[str, object]
    capabilities: tuple[str, ...]
    modified_at: datetime
    projector_info: dict[str, object] | None = None
    system: str = ""
    tensors: list[dict[str, object]] | None = None  # with verbose only, as Ollama's


class PsModel(msgspec.Struct, frozen=True):
    name: str
    model: str
    size: int
    digest: str
    details: Details
    expires_at: datetime
    size_vram: int
    context_length: int


class PsResponse(msgspec.Struct, frozen=True):
    models: list[PsModel]


class VersionBody(msgspec.Struct, frozen=True):
    version: str


class ErrorBody(msgspec.Struct, frozen=True):
    error: str


class StatusBody(msgspec.Struct, frozen=True):
    status: str


class ProgressBody(msgspec.Struct, frozen=True, omit_defaults=True):
    """One progress line of create or push (Ollama's ``ProgressResponse``, zeros omitted)."""

    status: str
    digest: str = ""
    total: int = 0
    completed: int = 0


#: ``keep_alive`` as sent: seconds (negative: forever) or a Go duration string (``"30m"``).
KeepAlive = int | float | str | None


class CreateRequest(msgspec.Struct, frozen=True):
    """Body of ``POST /api/create`` (the fields the emulator acts on, and those it refuses)."""

    model: str = ""
    name: str = ""
    from_: str = msgspec.field(default="", name="from")
    parameters: dict[str, Any] | None = None
    system: str = ""
    template: str = ""
    license: str | list[str] | None = None
    stream: bool = True
    quantize: str = ""
    files: dict[str, str] | None = None
    adapters: dict[str, str] | None = None

    @property
    def requested(self) -> str:
        return self.model or self.name


class GenerateRequest(msgspec.Struct, frozen=True):
    model: str = ""
    prompt: str = ""
    keep_alive: KeepAlive = None
    options: dict[str, Any] | None = None
    stream: bool = True


class Message(msgspec.Struct, frozen=True):
    role: str = "assistant"
    content: str = ""


class ChatRequest(msgspec.Struct, frozen=True):
    model: str = ""
    messages: list[dict[str, Any]] | None = None
    keep_alive: KeepAlive = None
    options: dict[str, Any] | None = None
    stream: bool = True


class GenerateResponse(msgspec.Struct, frozen=True):
    model: str
    created_at: datetime
    response: str
    done: bool
    done_reason: str


class ChatResponse(msgspec.Struct, frozen=True):
    model: str
    created_at: datetime
    message: Message
    done: bool
    done_reason: str


class Refusal(msgspec.Struct, frozen=True):
    """An answer that is an HTTP error: ``{"error": message}`` with ``status``."""

    status: int
    message: str
