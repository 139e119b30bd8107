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

from ollm_actors.vocab.ggml_sizes import TensorBytes
from ollm_actors.vocab.modelfile import ParameterValue, default_num_ctx, parse_parameters

__all__ = (
    "CacheUnwritable",
    "CacheWritable",
    "HealthWord",
    "HostCooldown",
    "HostCooldownEnded",
    "HostDegraded",
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

#: How a host is doing: ``online`` (answers well), ``degraded`` (answers, but with an error
#: status, a malformed body, or slower than ``providers.ollama.health.slow``), ``offline``
#: (no answer: refused, unreachable, or silent past the request deadline); ``unknown``
#: only before the host was ever asked.
HealthWord = Literal["online", "degraded", "offline", "unknown"]


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

    Health (``ollm hosts``, ``rt.hosts.status()``): ``state`` is the :data:`HealthWord`;
    ``latency_ms`` the time the last probe (``/api/version``) took and ``version`` what it
    answered (None until a probe answered); ``loaded`` the number of models in memory at the
    last ``/api/ps`` (None when unknown); ``cache_age_s`` the seconds since the list was
    fetched (None when no list is known); ``cooldown_until`` the RFC 3339 end of a cooldown
    the host is in (the router skips it until then; None otherwise) and ``cooldown_reason``
    the failure that started it.
    """

    url: str
    online: bool
    stale: bool
    fetched_at: str | None
    models: int = 0
    error: str | None = None
    state: HealthWord = "unknown"
    latency_ms: float | None = None
    version: str | None = None
    loaded: int | None = None
    cache_age_s: float | None = None
    cooldown_until: str | None = None
    cooldown_reason: str | None = None


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
    without its large arrays; ``tensors`` the weights by part when the server listed its
    tensors (for the memory estimate; None otherwise).
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
    tensors: TensorBytes | None = None
    #: the whole Modelfile and the system prompt (empty when the server sent none; a cache
    #: written before these fields existed reads as empty too)
    modelfile: str = ""
    system: str = ""

    @property
    def parameter_values(self) -> dict[str, ParameterValue]:
        """``parameters`` parsed: numbers as numbers, ``stop`` as a list of strings."""
        return parse_parameters(self.parameters)

    @property
    def default_num_ctx(self) -> int | None:
        """The context the model loads with unless a request says otherwise: its Modelfile's
        ``PARAMETER num_ctx``; None when it sets none (the server's default applies)."""
        return default_num_ctx(self.parameters)


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
    """Payload of ``host.online``: an offline or degraded host answers well again;
    ``models`` it now has."""

    host: str
    models: int


class HostDegraded(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``host.degraded``: the host answers, but badly (``reason``: an error
    status, a malformed answer, or a slow one); ``latency_ms`` of its last probe, if any."""

    host: str
    reason: str
    latency_ms: float | None = None


class HostCooldown(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``host.cooldown``: the host failed ``failures`` times within ``window``
    seconds and is skipped by the router until ``until`` (RFC 3339); ``reason`` is the last
    failure."""

    host: str
    until: str
    failures: int
    window: float
    reason: str


class HostCooldownEnded(msgspec.Struct, frozen=True, kw_only=True):
    """Payload of ``host.cooldown_ended``: the cooldown is over; the host is probed again."""

    host: str


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
