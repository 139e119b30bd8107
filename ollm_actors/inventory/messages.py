"""Messages of the inventory actor: asks from the API, and reports from its own child tasks."""

from __future__ import annotations

from typing import Any

import msgspec

from ollm_actors.actors import Request
from ollm_actors.inventory.types import InventorySnapshot, LoadedModel, ModelDetails, ModelStatus
from ollm_actors.ollama.types import PsResponse, ShowResponse, TagsResponse
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent

__all__ = (
    "CacheWriteFailed",
    "GetStatus",
    "ListLoaded",
    "ListModels",
    "ModelGone",
    "ProbeAnswered",
    "PsFetched",
    "PullSeen",
    "ShowFetched",
    "ShowModel",
    "TagsFetched",
)


class ListModels(Request[InventorySnapshot], frozen=True):
    """Host statuses and models of ``host`` (display URL) or of every host (None)."""

    host: str | None = None
    refresh: bool = False


class ListLoaded(Request[list[LoadedModel]], frozen=True):
    """Models in memory on ``host`` or on every host; always asks the servers."""

    host: str | None = None


class ShowModel(Request[ModelDetails], frozen=True):
    """The server's facts about ``name`` (on ``host``, else the first host that has it)."""

    name: str
    host: str | None = None


class GetStatus(Request[ModelStatus], frozen=True):
    """available / pulling / absent / unknown for ``name``."""

    name: str
    host: str | None = None


# Reports of child tasks. ``error`` carries the OllmError the fetch ended with.


class TagsFetched(msgspec.Struct, frozen=True, tag=True):
    host: str
    tags: TagsResponse | None
    error: Any = None


class PsFetched(msgspec.Struct, frozen=True, tag=True):
    host: str
    ps: PsResponse | None
    error: Any = None


class ShowFetched(msgspec.Struct, frozen=True, tag=True):
    host: str
    digest: str
    name: str
    show: ShowResponse | None
    error: Any = None


class ProbeAnswered(msgspec.Struct, frozen=True, tag=True):
    host: str


class CacheWriteFailed(msgspec.Struct, frozen=True, tag=True):
    path: str
    reason: str


class PullSeen(msgspec.Struct, frozen=True, tag=True):
    topic: str
    event: PullEvent


class ModelGone(msgspec.Struct, frozen=True, tag=True):
    event: ModelDeleted
