"""What the inventory answers and publishes: frozen Structs that encode to the CLI's JSON.

* :class:`ModelInfo` is one installed model on one host (an entry of ``ollm list --json``).
* :class:`HostStatus` and :class:`InventorySnapshot` are the ``hosts`` and ``models`` of
  ``ollm list --json``.
* :class:`LoadedModel` is one model in memory (an entry of ``ollm ps --json``).
* :class:`ModelDetails` is the server's ``/api/show`` facts about a model.
* :class:`ModelStatus` answers ``get_model_status``.
* The rest are payloads of the inventory's events.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = (
    "CacheUnwritable",
    "CacheWritable",
    "HostOffline",
    "HostOnline",
    "HostStatus",
    "InventoryChanged",
    "InventorySnapshot",
    "LoadedModel",
    "ModelDetails",
    "ModelInfo",
    "ModelStatus",
    "ModelStatusKind",
)

ModelStatusKind = Literal["available", "pulling", "absent", "unknown"]


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One installed model on one host.

    ``digest`` is the manifest digest (64 hex, ``ID`` is its first 12); ``modified_at`` the
    server's RFC 3339 text; ``stale`` is true when the host did not confirm the list lately
    (offline, or only known from the cache).
    """

    name: str
    host: str
    size: int
    digest: str
    family: str
    parameter_size: str
    quantization: str
    modified_at: str
    families: tuple[str, ...] | None = None
    format: str = ""
    stale: bool = False


class HostStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What the inventory knows of one host.

    ``online`` is false for a host that failed to answer or was never reached; ``stale`` is
    true when its list is not confirmed by the host lately; ``fetched_at`` is the RFC 3339
    time of the last good fetch (possibly by an earlier process, from the cache), or None.
    ``error`` says why the last fetch failed, if it did.
    """

    url: str
    online: bool
    stale: bool
    fetched_at: str | None
    models: int = 0
    error: str | None = None


class InventorySnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Host statuses and models together: encodes to ``ollm list --json``."""

    hosts: tuple[HostStatus, ...]
    models: tuple[ModelInfo, ...]


class LoadedModel(msgspec.Struct, frozen=True, kw_only=True):
    """A model loaded in memory on a host (``/api/ps``): an entry of ``ollm ps --json``.

    ``size`` is the memory in use, ``size_vram`` the part on the GPU; ``context_length`` the
    ``num_ctx`` it was loaded with (None on servers before 0.10).
    """

    name: str
    host: str
    size: int
    size_vram: int
    expires_at: str
    context_length: int | None
    digest: str = ""
    family: str = ""
    parameter_size: str = ""
    quantization: str = ""
    stale: bool = False


class ModelDetails(msgspec.Struct, frozen=True, kw_only=True):
    """The server's facts about one model (``/api/show``), as learned once per digest.

    ``context_length`` is the trained window ``<arch>.context_length``; ``capabilities`` the
    server's list (None from servers that send none); ``model_info`` is the GGUF metadata
    without its large arrays.
    """

    name: str
    host: str
    digest: str
    family: str
    families: tuple[str, ...] | None
    parameter_size: str
    quantization: str
    format: str
    context_length: int | None
    capabilities: tuple[str, ...] | None
    architecture: str | None
    parameters: str
    template: str
    license: str
    modified_at: str | None
    model_info: dict[str, Any] = msgspec.field(default_factory=dict)
    stale: bool = False


class ModelStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a model can be used now.

    * ``available``: installed; ``hosts`` lists where.
    * ``pulling``: a pull is in flight; ``hosts`` where, ``fraction`` done (None if unknown).
    * ``absent``: no host has it; ``suggestions`` are close names.
    * ``unknown``: a host that might have it is offline and nothing is cached.
    """

    model: str
    status: ModelStatusKind
    hosts: tuple[str, ...] = ()
    fraction: float | None = None
    suggestions: tuple[str, ...] = ()


class HostOffline(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``host.offline``: the host stopped answering; its cached list is served."""

    host: str
    reason: str
    cached_models: int


class HostOnline(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``host.online``: an offline host answers again; ``models`` it now has."""

    host: str
    models: int


class InventoryChanged(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``inventory.changed``: the names added to and removed from a host's list."""

    host: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


class CacheUnwritable(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``cache.unwritable`` (published once per outage): the inventory runs in
    memory and retries the write with backoff."""

    path: str
    reason: str


class CacheWritable(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``cache.writable``: a write succeeded after ``cache.unwritable``."""

    path: str
