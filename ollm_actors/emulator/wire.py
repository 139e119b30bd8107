"""JSON bodies the emulated server reads and writes, as msgspec Structs (Ollama's field names)."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = (
    "CopyRequest",
    "Details",
    "ErrorBody",
    "ModelRequest",
    "PsModel",
    "PsResponse",
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
