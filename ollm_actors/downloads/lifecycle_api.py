"""The lifecycle half of ``rt.models``: copy, create, load, stop, push and update.

Mixed into :class:`~ollm_actors.runtime.ModelsAPI`, which provides the inventory and the
downloads actor's client. Every call validates names (and create's parameters) before any
request, acts on ``host`` (any host string; None the default host) and publishes an event
once the server confirmed the change: ``model.copied``/``moved``/``created``/``loaded``/
``unloaded``/``updated`` (:class:`LifecycleEvent`), ``push.*`` and ``create.*`` progress
(:class:`PullEvent`, like ``pull.*``). A model the host does not have is ``ModelNotFound``
with close installed names. (The stream follower and the update loop are imported when
first used: ``ollm list`` must not pay for them.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ollm_actors.actors.bus import EventBus
from ollm_actors.downloads.lifecycle_results import CreateResult, PushResult, UpdateResult
from ollm_actors.downloads.lookup import installed_close_names
from ollm_actors.errors import ModelNotFound
from ollm_actors.ollama import lifecycle
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.lifecycle_events import LifecycleEvent, LifecycleKind
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.pull_events import PullEvent

if TYPE_CHECKING:
    from ollm_actors.downloads.api import DownloadsAPI
    from ollm_actors.inventory.api import InventoryAPI
    from ollm_actors.inventory.types import LoadedModel

__all__ = ("LifecycleMixin",)

Progress = Callable[[PullEvent], object]


class _LifecycleNeeds(Protocol):
    """What :class:`LifecycleMixin` needs of the class it is mixed into: the host pool, the
    bus, the clock and the two actors' clients (``ModelsAPI`` has them all)."""

    _pool: HostPool
    _bus: EventBus
    _clock: Callable[[], float]

    @property
    def inventory(self) -> InventoryAPI: ...

    @property
    def downloads(self) -> DownloadsAPI: ...


class LifecycleMixin(_LifecycleNeeds):
    """Lifecycle calls over the host pool, the bus and the inventory (see the module).

    Subclassing the protocol states the needs once: a class that mixes this in without
    providing them cannot be instantiated under mypy (its members stay abstract)."""

    async def list_loaded(self, host: str | None = None) -> list[LoadedModel]:
        """Models loaded in memory (``/api/ps``) on every host, or on ``host``."""
        return await self.inventory.list_loaded(host)

    async def _not_found(self, exc: ModelNotFound, where: str) -> ModelNotFound:
        names = await installed_close_names(
            exc.model, where, pool=self._pool, inventory=self.inventory
        )
        return ModelNotFound(exc.model, where, names)

    def _tell(self, kind: LifecycleKind, model: str, host: str, **facts: str | None) -> None:
        self._bus.publish(f"model.{kind}", LifecycleEvent(event=kind, model=model, host=host,
                                                          **facts))

    async def _digest(self, model: str, host: str) -> str | None:
        for info in await self.inventory.list_models(host, refresh=True):
            if info.name == model:
                return info.digest
        return None

    async def copy_model(
        self, src: str, dst: str, host: str | None = None, move: bool = False
    ) -> None:
        """Copy ``src`` to ``dst`` on ``host`` (``POST /api/copy``); ``move`` then deletes
        ``src`` (a rename; the source stays when the copy fails).

        Publishes ``model.copied`` (``model.moved``). Raises InvalidModelName (either name,
        before any request), ModelNotFound (``src``, with close names), ModelBusy (move: a
        pull of ``src`` in flight), HostUnreachable or ServerError.
        """
        source = parse_model_name(src).display
        target = parse_model_name(dst).display
        where = await self._pool.attach(host)
        try:
            await lifecycle.copy(self._pool.client(where), source, target)
        except ModelNotFound as exc:
            raise await self._not_found(exc, where) from None
        if move:
            await self.downloads.delete_model(source, where)
        await self.inventory.list_models(where, refresh=True)
        self._tell("moved" if move else "copied", target, where, source=source)

    async def create_model(
        self,
        name: str,
        from_: str,
        parameters: Mapping[str, object] | None = None,
        system: str | None = None,
        template: str | None = None,
        host: str | None = None,
        on_progress: Progress | None = None,
    ) -> CreateResult:
        """Create ``name`` from ``from_`` (``POST /api/create``) with ``parameters`` (Ollama's
        option names: ``num_ctx``, ``temperature``, ``stop`` …), a ``system`` prompt and a
        ``template``.

        The names and every parameter are checked first: BadModelParameter (naming it, with
        close names) or InvalidModelName, before any request. Streams ``create.*`` events
        (``on_progress`` sees the non-terminal ones), then publishes ``model.created``.
        Raises ModelNotFound (a base neither installed nor in the registry, with close
        installed names), OperationFailed (the server's error line), ServerError (e.g. a
        template it refuses), HostUnreachable; cancelled, the stream is closed and nothing
        is reported as created.
        """
        from ollm_actors.config.model_parameters import check_model_parameters
        from ollm_actors.downloads.push import follow_stream

        model = parse_model_name(name).display
        base = parse_model_name(from_).display
        checked = check_model_parameters(parameters or {})
        where = await self._pool.attach(host)
        opened = lifecycle.create(
            self._pool.client(where), model, from_=base, parameters=checked,
            system=system, template=template,
        )
        try:
            outcome = await follow_stream(
                opened, operation="create", model=model, host=where, bus=self._bus,
                clock=self._clock, on_progress=on_progress,
            )
        except ModelNotFound as exc:
            raise await self._not_found(exc, where) from None
        digest = await self._digest(model, where)
        self._tell("created", model, where, source=base, digest=digest)
        return CreateResult(
            model=model, host=where, base=base, digest=digest, parameters=checked,
            statuses=outcome.statuses,
        )

    async def load_model(
        self, name: str, keep_alive: object = None, host: str | None = None
    ) -> None:
        """Load ``name`` into memory on ``host`` (``/api/generate`` with no prompt) for
        ``keep_alive`` (seconds or a duration like ``"30m"``; negative: for ever; None: the
        server's default).

        Publishes ``model.loaded``. Raises InvalidModelName or SettingsError (keep_alive)
        before any request, ModelNotFound (with close names), ServerError (e.g. an
        embedding model), HostUnreachable.
        """
        model = parse_model_name(name).display
        where = await self._pool.attach(host)
        try:
            await lifecycle.load(self._pool.client(where), model, keep_alive)
        except ModelNotFound as exc:
            raise await self._not_found(exc, where) from None
        self._tell("loaded", model, where)

    async def stop_model(self, name: str | None = None, host: str | None = None) -> list[str]:
        """Unload ``name`` from memory on ``host`` (``keep_alive: 0``); ``None`` unloads every
        model loaded there (every host's, when ``host`` is None too). Returns the names
        unloaded (a model that was not loaded counts: the server says it is unloaded).

        Publishes ``model.unloaded`` for each. Raises InvalidModelName, ModelNotFound (with
        close names), HostUnreachable, ServerError.
        """
        if name is not None:
            model = parse_model_name(name).display
            where = await self._pool.attach(host)
            try:
                await lifecycle.unload(self._pool.client(where), model)
            except ModelNotFound as exc:
                raise await self._not_found(exc, where) from None
            self._tell("unloaded", model, where)
            return [model]
        hosts = None if host is None else await self._pool.attach(host)
        stopped: list[str] = []
        for loaded in await self.inventory.list_loaded(hosts):
            if loaded.stale:
                continue
            await lifecycle.unload(self._pool.client(loaded.host), loaded.name)
            self._tell("unloaded", loaded.name, loaded.host)
            stopped.append(loaded.name)
        return stopped

    async def push_model(
        self,
        name: str,
        host: str | None = None,
        insecure: bool = False,
        on_progress: Progress | None = None,
    ) -> PushResult:
        """Push ``name`` from ``host`` to its registry (``POST /api/push``), with progress
        like a pull's: ``push.queued``, ``push.progress`` (bytes over every layer, rate,
        ETA), then ``push.done``/``failed``/``cancelled``; ``on_progress`` sees the
        non-terminal events.

        Raises InvalidModelName (before any request), ModelNotFound (the host lacks it, with
        close names), OperationFailed (the registry refused: the server's words),
        HostUnreachable. Cancelling the caller closes the upload's stream and publishes
        ``push.cancelled``.
        """
        from ollm_actors.downloads.push import follow_stream

        model = parse_model_name(name).display
        where = await self._pool.attach(host)
        started = self._clock()
        opened = lifecycle.push(self._pool.client(where), model, insecure=insecure)
        try:
            outcome = await follow_stream(
                opened, operation="push", model=model, host=where, bus=self._bus,
                clock=self._clock, on_progress=on_progress,
            )
        except ModelNotFound as exc:
            raise await self._not_found(exc, where) from None
        last = outcome.last
        return PushResult(
            model=model, host=where, completed=last.completed, total=last.total,
            elapsed=max(0.0, self._clock() - started),
        )

    async def update_models(
        self,
        names: list[str] | None = None,
        hosts: list[str] | None = None,
        *,
        dry_run: bool = False,
        per_host: int = 2,
        on_progress: Progress | None = None,
    ) -> list[UpdateResult]:
        """Pull again the installed models ``names`` (None: all) on ``hosts`` (None: every
        configured host), through the downloads actor (Ollama skips unchanged layers), at
        most ``per_host`` at once on each host, and compare digests before and after.

        Returns one :class:`UpdateResult` per (host, model), in host then name order:
        ``updated`` (old → new digest, also published as ``model.updated``), ``unchanged``,
        ``failed`` (with the reason); ``planned`` for each when ``dry_run`` (nothing is
        pulled). Raises ModelNotFound (with close installed names) for a name no target
        host has, InvalidModelName, InvalidHost. Cancelling the caller withdraws every
        pull it started (the pull's own ``pull.cancelled`` events follow).
        """
        from ollm_actors.downloads.update import run_update

        return await run_update(
            self, names, hosts, dry_run=dry_run, per_host=per_host, on_progress=on_progress
        )

    # what run_update needs, kept here so it reaches the actors only through their clients
    async def _installed(self, host: str) -> dict[str, str]:
        return {m.name: m.digest for m in await self.inventory.list_models(host, refresh=True)}

    async def _attach_all(self, hosts: list[str] | None) -> list[str]:
        if hosts is None:
            return list(self._pool.urls)
        return [await self._pool.attach(host) for host in hosts]

    def _told_updated(self, result: UpdateResult) -> None:
        self._tell("updated", result.model, result.host, digest=result.new_digest,
                   old_digest=result.old_digest)

    async def _pull(self, name: str, host: str, on_progress: Progress | None) -> Any:
        return await self.downloads.pull_model(name, host, on_progress)
