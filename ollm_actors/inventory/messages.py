"""Messages of the inventory actor: asks from the API, and reports from its own child tasks."""

from __future__ import annotations

from typing import Literal

import msgspec

from ollm_actors.actors import Request
from ollm_actors.errors import OllmError
from ollm_actors.inventory.snapshots import SharedDetails, SharedList
from ollm_actors.inventory.types import (
    HostStatus,
    InventorySnapshot,
    LoadedModel,
    ModelDetails,
    ModelStatus,
)
from ollm_actors.ollama.types import PsResponse, TagsResponse
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent

__all__ = (
    "CacheWriteFailed",
    "CacheWriteRecovered",
    "CooldownEnds",
    "FetchAnswer",
    "FetchKey",
    "FetchKind",
    "Fetched",
    "GetStatus",
    "HealthTick",
    "HostsStatus",
    "InventoryMessage",
    "KnownDetails",
    "ListLoaded",
    "ListModels",
    "ModelGone",
    "ProbeAnswered",
    "ProbeDone",
    "PullSeen",
    "ShowModel",
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


class KnownDetails(Request[list[ModelDetails]], frozen=True):
    """Every host's ``/api/show`` facts already known (fetched or cached): no request."""


class GetStatus(Request[ModelStatus], frozen=True):
    """available / pulling / absent / unknown for ``name``."""

    name: str
    host: str | None = None


class HostsStatus(Request[list[HostStatus]], frozen=True):
    """Every host's status and health (``rt.hosts.status()``); ``probe`` probes every host
    first (else only the ones never probed)."""

    probe: bool = False


# Reports of the actor's own child tasks and bus callbacks.

FetchKind = Literal["tags", "ps", "show"]


#: What a fetch brings back: ``/api/tags``, ``/api/ps``, or ``/api/show`` already reduced to
#: the facts worth keeping; or, instead of asking the host, what another runtime shared.
FetchAnswer = TagsResponse | PsResponse | ModelDetails | SharedList | SharedDetails


class FetchKey(msgspec.Struct, frozen=True):
    """What one fetch asks: ``kind`` of ``host``; ``digest`` names the model for ``show``.

    Frozen, so hashable: the actor keys the fetches in flight by it.
    """

    kind: FetchKind
    host: str
    digest: str = ""


class Fetched(msgspec.Struct, frozen=True, tag=True):
    """A fetch ended: with ``value`` on success, else with the ``error`` it failed with."""

    key: FetchKey
    value: FetchAnswer | None = None
    error: OllmError | None = None


class ProbeAnswered(msgspec.Struct, frozen=True, tag=True):
    """The probe of an offline ``host`` got an answer."""

    host: str


class ProbeDone(msgspec.Struct, frozen=True, tag=True):
    """A health probe (``/api/version``) of ``host`` ended after ``seconds``: with the
    ``version`` it answered, or with ``error``."""

    host: str
    version: str | None = None
    seconds: float = 0.0
    error: OllmError | None = None


class HealthTick(msgspec.Struct, frozen=True, tag=True):
    """The health interval passed: probe every host."""


class CooldownEnds(msgspec.Struct, frozen=True, tag=True):
    """The cooldown of ``host`` should be over by now."""

    host: str


class CacheWriteFailed(msgspec.Struct, frozen=True, tag=True):
    """Writing the cache file ``path`` failed for ``reason``."""

    path: str
    reason: str


class CacheWriteRecovered(msgspec.Struct, frozen=True, tag=True):
    """Writing the cache file ``path`` succeeded again after a failure."""

    path: str


class PullSeen(msgspec.Struct, frozen=True, tag=True):
    """A ``pull.*`` event (``topic``) was published."""

    topic: str
    event: PullEvent


class ModelGone(msgspec.Struct, frozen=True, tag=True):
    """A ``model.deleted`` event was published."""

    event: ModelDeleted


#: Every message the inventory actor handles.
InventoryMessage = (
    ListModels
    | ListLoaded
    | ShowModel
    | KnownDetails
    | GetStatus
    | HostsStatus
    | Fetched
    | ProbeAnswered
    | ProbeDone
    | HealthTick
    | CooldownEnds
    | CacheWriteFailed
    | CacheWriteRecovered
    | PullSeen
    | ModelGone
)
