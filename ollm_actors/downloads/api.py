"""``DownloadsAPI``: start, await and cancel pulls, and delete models, through the actor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.ref import ActorRef
from ollm_actors.downloads.handle import PullHandle
from ollm_actors.downloads.messages import (
    CancelPullOf,
    DeleteModel,
    ListPulls,
    PullInfo,
    StartPull,
    new_asker_id,
)
from ollm_actors.downloads.result import PullResult
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("DownloadsAPI", "PullHandle", "PullInfo", "PullResult")


class DownloadsAPI:
    """The downloads actor's public face (``rt.models`` delegates pulls and deletes here).

    Names are validated and normalised (``llama3.1`` and ``llama3.1:latest`` are one model);
    ``host`` is any host string, ``None`` the default one; a host the settings do not name
    is attached to the pool for the call.
    """

    def __init__(self, ref: ActorRef[Any], *, hosts: HostPool, bus: EventBus) -> None:
        """``hosts`` resolves host spellings; ``bus`` is where handles hear their pull."""
        self._ref = ref
        self._hosts = hosts
        self._bus = bus

    async def _target(self, name: str, host: str | None) -> tuple[str, str]:
        model = parse_model_name(name).display
        return model, await self._hosts.attach(host)

    async def start_pull(
        self, name: str, host: str | None = None, *, started_by: str | None = None
    ) -> PullHandle:
        """Start pulling ``name`` (or join its pull in flight) and return the handle at once.

        ``started_by`` labels this share in :meth:`pulls` (who asked: "agent", a service
        client's label); by default the process's own, ``prog (pid N, user@box)``.

        Raises ``InvalidModelName`` or ``InvalidHost`` before anything is sent. The handle
        listens before the pull is asked for, so it sees every event of the pull from
        ``queued`` on (a handle joining a running pull starts from its latest figures).
        Cancelled before the answer, the request is withdrawn.
        """
        model, where = await self._target(name, host)
        ref = self._ref
        handle = PullHandle(ref, self._bus, model, where, new_asker_id())
        try:
            ticket = await ref.ask(
                StartPull(model=model, host=where, asker=handle.asker, started_by=started_by or "")
            )
        except BaseException:
            # The actor may have registered the asker before the answer was lost.
            await handle.aclose()
            raise
        handle._attach(ticket)
        return handle

    async def pull_model(
        self,
        name: str,
        host: str | None = None,
        on_progress: Callable[[PullEvent], object] | None = None,
    ) -> PullResult:
        """Pull ``name`` and wait for the end (the seed's ``pullModel``).

        ``on_progress`` is called (inline, it must not block) with every event before the
        terminal one: ``queued``, ``progress`` snapshots and ``retrying``. Returns the
        :class:`PullResult`; raises like :meth:`PullHandle.wait`. Cancelling the caller
        withdraws its share (the pull stops if no one else shares it) before re-raising.
        """
        handle = await self.start_pull(name, host)
        try:
            if on_progress is not None:
                async for event in handle.progress():
                    if not event.terminal:
                        on_progress(event)
            return await handle.wait()
        except BaseException:
            await handle.aclose()
            raise

    async def delete_model(self, name: str, host: str | None = None) -> None:
        """Delete ``name`` from ``host`` (the seed's ``deleteModel``).

        Publishes ``model.deleted``. Raises ``ModelBusy`` while a pull of it is queued or
        running, ``ModelNotFound`` (with close names as suggestions) when the host does not
        have it, ``InvalidModelName``, ``InvalidHost``, ``HostUnreachable`` or
        ``ServerError``.
        """
        model, where = await self._target(name, host)
        await self._ref.ask(DeleteModel(model=model, host=where))

    async def pulls(self, *, recent: bool = False) -> tuple[PullInfo, ...]:
        """The pulls queued or running now, oldest first, with their figures and who asked
        for each share; with ``recent`` also the last ended ones (at most 20, oldest first:
        state ``done``, ``failed`` with its ``error``, or ``cancelled``)."""
        return await self._ref.ask(ListPulls(recent=recent))

    async def cancel_pull(self, target: int | str, host: str | None = None) -> PullInfo:
        """Cancel every share of a pull in flight: the one with id ``target`` (an ``int``),
        or the pull of model ``target`` (a name; on ``host`` when given).

        Returns once the pull ended, with how it ended: state ``cancelled`` (``done`` if it
        finished first). Every handle of it ends ``cancelled`` and its ``wait()`` raises
        ``PullCancelled``. Raises ``PullNotFound`` (naming the pulls in flight) when none
        matches, ``ModelOnSeveralHosts`` when a name is pulled on several hosts and
        ``host`` is None, ``InvalidModelName`` or ``InvalidHost`` for a bad target.
        """
        where = await self._hosts.attach(host) if host is not None else None
        if isinstance(target, str):
            target = parse_model_name(target).display
        return await self._ref.ask(CancelPullOf(target=target, host=where))
