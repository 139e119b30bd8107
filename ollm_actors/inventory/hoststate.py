"""What the inventory holds about one host, and the pure conversions from wire Structs.

A :class:`HostState` belongs to the inventory actor and is touched only by its handlers. It is
plain data with no I/O, so the rules (:mod:`ollm_actors.inventory.rules`) and their tests use
it without an event loop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from ollm_actors.errors import HostUnreachable, OllmError
from ollm_actors.inventory.store import HostCacheFile
from ollm_actors.inventory.types import (
    HealthWord,
    HostStatus,
    LoadedModel,
    ModelDetails,
    ModelInfo,
)
from ollm_actors.ollama.types import ListedModel, RunningModel, ShowResponse, parse_time
from ollm_actors.vocab.cooldown import CooldownState, in_cooldown
from ollm_actors.vocab.ggml_sizes import summarise_tensors
from ollm_actors.vocab.names import model_key

__all__ = (
    "Cancellable",
    "HostState",
    "details_from_show",
    "loaded_from",
    "model_info_from",
    "rfc3339",
)


def model_info_from(entry: ListedModel, host: str, *, stale: bool) -> ModelInfo:
    """One ``/api/tags`` entry as a :class:`ModelInfo` of ``host``."""
    details = entry.details
    return ModelInfo(
        name=entry.name,
        host=host,
        size=entry.size,
        digest=entry.digest,
        family=details.family,
        parameter_size=details.parameter_size,
        quantization=details.quantization_level,
        modified_at=entry.modified_at,
        families=details.families,
        format=details.format,
        stale=stale,
    )


def loaded_from(entry: RunningModel, host: str, *, stale: bool) -> LoadedModel:
    """One ``/api/ps`` entry as a :class:`LoadedModel` of ``host``."""
    details = entry.details
    return LoadedModel(
        name=entry.name,
        host=host,
        size=entry.size,
        size_vram=entry.size_vram,
        expires_at=entry.expires_at,
        context_length=entry.context_length,
        digest=entry.digest,
        family=details.family,
        parameter_size=details.parameter_size,
        quantization=details.quantization_level,
        stale=stale,
    )


def details_from_show(show: ShowResponse, *, name: str, host: str, digest: str) -> ModelDetails:
    """The facts of an ``/api/show`` answer worth keeping (large arrays and maps dropped)."""
    details = show.details
    info = {k: v for k, v in show.info.items() if not isinstance(v, list | dict)}
    return ModelDetails(
        name=name,
        host=host,
        digest=digest,
        family=details.family,
        families=details.families,
        parameter_size=details.parameter_size,
        quantization=details.quantization_level,
        format=details.format,
        context_length=show.context_length,
        capabilities=tuple(show.capabilities) if show.capabilities is not None else None,
        architecture=show.architecture,
        parameters=show.parameters,
        template=show.template,
        license=show.license,
        modified_at=show.modified_at,
        model_info=info,
        tensors=summarise_tensors(show.tensors) if show.tensors else None,
        modelfile=show.modelfile,
        system=show.system,
    )


class Cancellable(Protocol):
    """What a host's probe is to its state: something to stop (the actor's cancel scope)."""

    def cancel(self) -> None: ...


def _reason(error: OllmError | None) -> str | None:
    if error is None:
        return None
    reason = getattr(error, "reason", None)
    return reason if isinstance(reason, str) else error.message


def rfc3339(wall: float) -> str:
    """Unix time ``wall`` in RFC 3339 (UTC, whole seconds)."""
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _age(fetched_wall: str | None, wall: float | None) -> float | None:
    if fetched_wall is None or wall is None:
        return None
    try:
        then = datetime.fromisoformat(fetched_wall.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return round(max(0.0, wall - then.timestamp()), 3)


class HostState:
    """The inventory's knowledge of one host.

    ``listed`` is None until a list is known (fetched, or loaded from the cache). ``online``
    is None before the first answer or failure. ``confirmed`` means the last fetch of the list
    succeeded in this process; otherwise the list is stale. ``probe`` is set while a probe
    watches the host after it went offline. The ``record_*`` methods apply a fetch's outcome.

    Health: ``trouble`` maps an endpoint kind (``tags``, ``ps``, ``version``) to why its
    last answer was bad (an error status, a malformed body, a slow probe); a good answer of
    that endpoint clears it. ``latency`` (seconds) and ``version`` are the last probe's;
    ``announced`` the last :data:`HealthWord` published; ``cooldown`` the cooldown rule's
    state (:mod:`ollm_actors.vocab.cooldown`).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.listed: list[ListedModel] | None = None
        self.loaded: list[RunningModel] | None = None
        self.shown: dict[str, ModelDetails] = {}
        self.online: bool | None = None
        self.confirmed = False
        self.ps_ok = False
        self.dirty = False
        self.fetched_at: float | None = None
        self.fetched_wall: str | None = None
        #: ``fetched_at`` of the document last written to (or loaded from) the cache file
        self.saved_wall: str | None = None
        #: when the list held was fetched, by this runtime or one that shared it (Unix time)
        self.snapshot_stamp: float | None = None
        self.error: OllmError | None = None
        self.probe: Cancellable | None = None
        self.trouble: dict[str, str] = {}
        self.latency: float | None = None
        self.version: str | None = None
        self.probed_at: float | None = None
        self.announced: HealthWord = "unknown"
        self.cooldown = CooldownState()
        self._infos: tuple[ModelInfo, ...] | None = None
        self._infos_stale = False
        self._index: dict[str, ListedModel] | None = None

    @property
    def stale(self) -> bool:
        """True unless the host answered the last fetch of the list in this process."""
        return not (self.online is True and self.confirmed)

    def fresh(self, now: float, ttl: float) -> bool:
        """Whether the list may be served without asking the host again."""
        return (
            not self.stale
            and not self.dirty
            and self.fetched_at is not None
            and now - self.fetched_at < ttl
        )

    def record_list(self, models: list[ListedModel], *, now: float, wall: str) -> None:
        """A good ``/api/tags`` answer at ``now`` (the runtime's clock; ``wall`` in RFC 3339):
        the host is online and its list confirmed, fresh and no longer dirty."""
        self.set_listed(models)
        self.online = True
        self.trouble.pop("tags", None)
        self.confirmed = True
        self.dirty = False
        self.error = None
        self.fetched_at = now
        self.fetched_wall = wall

    def record_loaded(self, models: list[RunningModel]) -> None:
        """A good ``/api/ps`` answer: the loaded models, confirmed."""
        self.loaded = models
        self.ps_ok = True
        self.trouble.pop("ps", None)

    def health(self) -> HealthWord:
        """``offline`` while the host does not answer, else ``degraded`` while an endpoint's
        last answer was bad, else ``online`` once it answered; ``unknown`` before that."""
        if self.online is False:
            return "offline"
        if self.trouble:
            return "degraded"
        return "online" if self.online else "unknown"

    def record_failure(self, error: OllmError, kind: str = "tags") -> bool:
        """A fetch (of endpoint ``kind``) about this host failed with ``error``; it is kept
        for the host's status.

        Any failure leaves the list unconfirmed (stale). A :class:`HostUnreachable` also marks
        the host offline and its loaded models unconfirmed. Any other error is an answer,
        just a bad one: the host is online (it answers) and ``kind`` is in trouble, so the
        host is degraded, not offline. Returns True when this failure is the one that takes
        the host offline (it was online, or never reached, before).
        """
        self.error = error
        self.confirmed = False
        if not isinstance(error, HostUnreachable):
            self.trouble[kind] = _reason(error) or error.message
            self.online = True
            return False
        self.ps_ok = False
        newly_offline = self.online is not False
        self.online = False
        return newly_offline

    def set_listed(self, models: list[ListedModel]) -> None:
        """Replace the list (and drop what was derived from the old one)."""
        self.listed = models
        self._infos = None
        self._index = None

    def names(self) -> set[str]:
        """The names on the list (empty while none is known)."""
        return {m.name for m in self.listed or ()}

    def infos(self) -> tuple[ModelInfo, ...]:
        """The list as :class:`ModelInfo` values, built once per list and staleness."""
        stale = self.stale
        if self._infos is None or self._infos_stale != stale:
            self._infos = tuple(
                model_info_from(m, self.url, stale=stale) for m in self.listed or ()
            )
            self._infos_stale = stale
        return self._infos

    def find(self, key: str) -> ListedModel | None:
        """The installed model whose name key is ``key``, or None."""
        if self._index is None:
            index: dict[str, ListedModel] = {}
            for entry in self.listed or ():
                index.setdefault(model_key(entry.name), entry)
            self._index = index
        return self._index.get(key)

    def remove(self, key: str) -> ListedModel | None:
        """Drop the model with name key ``key`` from the list; returns it, or None."""
        found = self.find(key)
        if found is not None and self.listed is not None:
            self.set_listed([m for m in self.listed if m is not found])
        return found

    def status(self, now: float | None = None, wall: float | None = None) -> HostStatus:
        """What ``ollm list --json`` and ``ollm hosts --json`` show of the host at ``now``
        (the runtime's monotonic clock; ``wall`` the same moment in Unix time). Without
        them the cache age is unknown and a cooldown counts as running."""
        cooling = self.cooldown.until is not None and (
            now is None or in_cooldown(self.cooldown, now)
        )
        until = None
        if cooling and now is not None and wall is not None and self.cooldown.until is not None:
            until = rfc3339(wall + self.cooldown.until - now)
        return HostStatus(
            url=self.url,
            online=self.online is True,
            stale=self.stale,
            fetched_at=self.fetched_wall,
            models=len(self.listed or ()),
            error=_reason(self.error),
            state=self.health(),
            latency_ms=None if self.latency is None else round(self.latency * 1000, 1),
            version=self.version,
            loaded=len(self.loaded) if self.loaded is not None else None,
            cache_age_s=_age(self.fetched_wall, wall) if self.listed is not None else None,
            cooldown_until=until if cooling else None,
            cooldown_reason=self.cooldown.reason if cooling else None,
        )

    def load(self, document: HostCacheFile) -> None:
        """Take a cache document as the starting knowledge (stale until confirmed)."""
        self.set_listed(document.models)
        self.loaded = document.loaded
        self.shown = dict(document.shown)
        self.fetched_wall = document.fetched_at
        self.saved_wall = document.fetched_at
        fetched = parse_time(document.fetched_at)
        self.snapshot_stamp = None if fetched is None else fetched.timestamp()

    def document(self) -> HostCacheFile:
        """The host's cache document (what :meth:`load` takes back)."""
        return HostCacheFile(
            host=self.url,
            fetched_at=self.fetched_wall,
            models=self.listed or [],
            loaded=self.loaded or [],
            shown=self.shown,
        )
