"""The emulated server's state: catalog, installed and loaded models, blobs, faults, counters.

One :class:`EmulatorState` is shared by every connection of a running emulator. All of it is
touched from the event loop thread only and never across an ``await``, so no lock is needed;
a test may mutate it between requests and the next request sees the change.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import anyio
import msgspec
from msgspec.structs import replace

from ollm_actors.emulator.catalog import (
    CATALOG,
    CatalogModel,
    manifest_digest,
    model_layers,
    synthetic_model,
)
from ollm_actors.emulator.faults import Fault
from ollm_actors.emulator.names import parse_server_name
from ollm_actors.emulator.shapes import loaded_size
from ollm_actors.errors import ModelNotFound

__all__ = ("DEFAULT_INSTALLED", "EmulatorState", "InstalledModel", "LoadedModel")

#: Installed by :meth:`EmulatorState.default`; the rest of the catalog is pullable.
DEFAULT_INSTALLED: tuple[str, ...] = ("llama3.1:8b", "phi3:mini", "nomic-embed-text:latest")

#: ``expires_at`` Ollama reports for a model kept loaded forever (negative keep_alive).
_FOREVER = datetime(2318, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


def _local_now() -> datetime:
    return datetime.now().astimezone()


class InstalledModel(msgspec.Struct, frozen=True):
    """A model present on the emulated server under ``name`` (its stored display form)."""

    name: str
    model: CatalogModel
    digest: str
    modified_at: datetime


class LoadedModel(msgspec.Struct, frozen=True):
    """A model the emulated server holds in memory (listed by ``/api/ps``)."""

    name: str
    model: CatalogModel
    digest: str
    size: int
    size_vram: int
    expires_at: datetime
    context_length: int


class _ArmedFault:
    __slots__ = ("fault", "remaining")

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.remaining = fault.times


class EmulatorState:
    """Everything the emulated Ollama server knows; mutate it freely between requests.

    Attributes tests use directly: ``requests`` (``Counter`` of ``"METHOD /path"``),
    ``partial`` (blob digest -> bytes already downloaded, for resume), ``blobs`` (digests of
    complete blobs), ``pull_steps_per_layer`` (progress lines for a weights layer),
    ``pull_line_delay`` (seconds between progress lines), ``pull_hold`` (an ``anyio.Event``:
    while it is not set, every pull stream stops after ``pull_hold_after`` lines and waits for
    it), ``version`` (``/api/version``);
    for pushes ``pushed`` (display name -> manifest digest of each push that succeeded),
    ``registry_blobs`` (blobs the registry holds), ``push_steps_per_layer`` and
    ``push_line_delay``; for loads ``default_num_ctx`` (a model's context when neither its
    parameters nor the request set ``num_ctx``) and ``default_keep_alive`` (seconds).
    """

    def __init__(
        self,
        catalog: Iterable[CatalogModel] = CATALOG,
        *,
        clock: Callable[[], datetime] = _local_now,
    ) -> None:
        self.version = "0.12.6"
        self.clock = clock
        self.pull_steps_per_layer = 10
        self.pull_line_delay = 0.0
        self.pull_hold: anyio.Event | None = None
        self.pull_hold_after = 2
        self.push_steps_per_layer = 10
        self.push_line_delay = 0.0
        self.default_num_ctx = 4096
        self.default_keep_alive = 300.0
        self.pushed: dict[str, str] = {}
        self.registry_blobs: set[str] = set()
        self.requests: collections.Counter[str] = collections.Counter()
        self.partial: dict[str, int] = {}
        self.blobs: set[str] = set()
        self.installed: dict[str, InstalledModel] = {}
        self.loaded: dict[str, LoadedModel] = {}
        self._catalog: dict[str, CatalogModel] = {}
        self._faults: list[_ArmedFault] = []
        self._last_modified: datetime | None = None
        self._synthetic = 0
        for model in catalog:
            self.add_to_catalog(model)

    @classmethod
    def empty(cls) -> EmulatorState:
        """The full catalog is pullable; nothing is installed."""
        return cls()

    @classmethod
    def default(cls) -> EmulatorState:
        """The full catalog, with :data:`DEFAULT_INSTALLED` already installed."""
        state = cls()
        for name in DEFAULT_INSTALLED:
            state.install(name)
        return state

    # catalog -------------------------------------------------------------------------------

    def add_to_catalog(self, model: CatalogModel) -> None:
        """Make ``model`` and its aliases pullable. Raises ``InvalidModelName`` for a bad name."""
        for name in (model.name, *model.aliases):
            self._catalog[parse_server_name(name).key] = model

    def catalog_model(self, name: str) -> CatalogModel | None:
        """The registry model ``name`` refers to, or None. Raises ``InvalidModelName``."""
        return self._catalog.get(parse_server_name(name).key)

    def publish_new_revision(self, name: str) -> CatalogModel:
        """Publish new weights for the registry model ``name`` (and its aliases): a later pull
        installs a new digest, while models already installed keep theirs until then.
        Raises ``ModelNotFound`` if the registry lacks ``name``."""
        model = self.catalog_model(name)
        if model is None:
            raise ModelNotFound(name, None)
        revised = replace(model, revision=model.revision + 1)
        for key, entry in list(self._catalog.items()):
            if entry is model:
                self._catalog[key] = revised
        return revised

    # installed models ----------------------------------------------------------------------

    def _next_modified(self) -> datetime:
        # Distinct, increasing times keep "newest first" deterministic even within one tick.
        now = self.clock()
        if self._last_modified is not None and now <= self._last_modified:
            now = self._last_modified + _TICK
        self._last_modified = now
        return now

    def install_model(self, model: CatalogModel, name: str | None = None) -> InstalledModel:
        """Install ``model`` as ``name`` (default: its catalog name) with all its blobs."""
        shown = parse_server_name(name or model.name)
        entry = InstalledModel(shown.display, model, manifest_digest(model), self._next_modified())
        replaced = self.installed.get(shown.key)
        self.installed[shown.key] = entry
        for layer in model_layers(model):
            self.blobs.add(layer.digest)
            self.partial.pop(layer.digest, None)
        if replaced is not None:
            self._prune(replaced.model)
        return entry

    def leaves_unused_layers(self, name: str, new: CatalogModel) -> bool:
        """Whether installing ``new`` as ``name`` would leave blobs that no model uses."""
        key = parse_server_name(name).key
        old = self.installed.get(key)
        if old is None:
            return False
        kept = {la.digest for la in model_layers(new)}
        kept.update(
            la.digest for k, m in self.installed.items() if k != key for la in model_layers(m.model)
        )
        return any(la.digest not in kept for la in model_layers(old.model))

    def _prune(self, model: CatalogModel) -> None:
        # Ollama removes the blobs of a replaced or deleted manifest that no other one uses.
        in_use = {la.digest for m in self.installed.values() for la in model_layers(m.model)}
        for layer in model_layers(model):
            if layer.digest not in in_use:
                self.blobs.discard(layer.digest)

    def install(self, name: str) -> InstalledModel:
        """Install a catalog model directly, as if pulled. Raises ``ModelNotFound`` if unknown."""
        model = self.catalog_model(name)
        if model is None:
            raise ModelNotFound(name, None)
        return self.install_model(model, name)

    def add_synthetic(self, count: int) -> list[str]:
        """Install ``count`` distinct synthetic models; returns their names."""
        names = []
        for _ in range(count):
            model = synthetic_model(self._synthetic)
            self._synthetic += 1
            names.append(self.install_model(model).name)
        return names

    def find_installed(self, name: str) -> InstalledModel | None:
        """The installed model ``name`` refers to (case-insensitive), or None."""
        return self.installed.get(parse_server_name(name).key)

    def listed(self) -> list[InstalledModel]:
        """Installed models, most recently modified first (the ``/api/tags`` order)."""
        return sorted(self.installed.values(), key=lambda m: m.modified_at, reverse=True)

    def delete(self, name: str) -> bool:
        """Remove an installed model and prune blobs no other model uses. False if absent."""
        entry = self.installed.pop(parse_server_name(name).key, None)
        if entry is None:
            return False
        self._prune(entry.model)
        return True

    def copy(self, source: str, destination: str) -> InstalledModel | None:
        """Install ``source``'s manifest under ``destination``; None if ``source`` is absent."""
        entry = self.find_installed(source)
        if entry is None:
            return None
        return self.install_model(entry.model, destination)

    # loaded models -------------------------------------------------------------------------

    def load(
        self,
        name: str,
        *,
        context_length: int = 4096,
        size_vram: int | None = None,
        keep_alive: float = 300.0,
    ) -> LoadedModel:
        """Show an installed model in ``/api/ps`` as loaded with ``context_length``.

        ``size_vram`` defaults to the whole size (100% GPU); a negative ``keep_alive`` means
        loaded forever. Raises ``ModelNotFound`` if the model is not installed.
        """
        entry = self.find_installed(name)
        if entry is None:
            raise ModelNotFound(name, None)
        model = entry.model
        size = loaded_size(
            model.name, model.weights_of, model.architecture, model.size,
            model.embedding_length, context_length,
        )
        expires = _FOREVER if keep_alive < 0 else self.clock() + timedelta(seconds=keep_alive)
        loaded = LoadedModel(
            name=entry.name,
            model=entry.model,
            digest=entry.digest,
            size=size,
            size_vram=size if size_vram is None else size_vram,
            expires_at=expires,
            context_length=context_length,
        )
        self.loaded[parse_server_name(name).key] = loaded
        return loaded

    def unload(self, name: str) -> bool:
        """Drop a model from ``/api/ps``; False if it was not loaded."""
        return self.loaded.pop(parse_server_name(name).key, None) is not None

    def running(self) -> list[LoadedModel]:
        """Loaded models, longest remaining time first (the ``/api/ps`` order)."""
        return sorted(self.loaded.values(), key=lambda m: m.expires_at, reverse=True)

    # faults --------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Arm ``fault`` for the next ``fault.times`` matching requests."""
        self._faults.append(_ArmedFault(fault))

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self._faults.clear()

    @property
    def faults(self) -> tuple[Fault, ...]:
        """The faults still armed, in injection order."""
        return tuple(armed.fault for armed in self._faults)

    def claim_faults(self, path: str) -> tuple[float, Fault | None]:
        """Spend the faults hitting one request for ``path``.

        Returns the total delay of every matching ``delay`` fault and the first matching fault
        of another kind (or None). Each claimed fault has one use taken off.
        """
        delay = 0.0
        chosen: Fault | None = None
        for armed in self._faults:
            fault = armed.fault
            if not fault.matches(path):
                continue
            if fault.kind == "delay":
                delay += fault.seconds
            elif chosen is None:
                chosen = fault
            else:
                continue
            if armed.remaining > 0:
                armed.remaining -= 1
        self._faults = [armed for armed in self._faults if armed.remaining != 0]
        return delay, chosen
