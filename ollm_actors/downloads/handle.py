"""``PullHandle``: one asker's view of a (possibly shared) pull.

The handle listens to the bus with a plain callback, installed before the pull is asked for,
so it cannot miss the ``queued`` event or the first progress. The callback never waits: it keeps
state events and, per phase, only the newest progress event (progress is already coalesced by
the pull; a slower reader still sees the latest figure and every phase), which bounds the
handle's buffer by the pull's state events and phases. The callback is removed as soon as the
pull's terminal event arrived or the handle's outcome is known.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import anyio
import msgspec
from anyio.lowlevel import checkpoint

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.event import Event
from ollm_actors.actors.ref import ActorRef
from ollm_actors.downloads.messages import CancelPull, PullTicket, WaitPull
from ollm_actors.downloads.result import PullResult
from ollm_actors.errors import ActorUnavailable, InboxFull, OllmError, PullCancelled
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("PullHandle",)

# Withdrawing a share on cancellation is shielded; this bounds it (the HTTP stream's own
# close is bounded by the client at 5 s).
_WITHDRAW_TIMEOUT = 10.0


class PullHandle:
    """A started pull, as one asker sees it: progress events, cancel, wait for the end.

    Several handles of the same (host, model) share one HTTP pull; each sees all its events.
    ``cancel()`` withdraws this handle's share; the pull stops when every handle sharing it
    has withdrawn. Obtain handles from ``DownloadsAPI.start_pull``.
    """

    def __init__(self, ref: ActorRef[Any], bus: EventBus, model: str, host: str, asker: int):
        self.model = model
        self.host = host
        self.asker = asker
        self._ref = ref
        self._folded = model.casefold()
        self._ticket: PullTicket | None = None
        self._early: list[PullEvent] = []
        self._events: deque[PullEvent] = deque()
        self._last: PullEvent | None = None
        self._terminal: PullEvent | None = None
        self._outcome: PullResult | OllmError | None = None
        self._wake: anyio.Event | None = None
        self._cancel_requested = False
        self._cancel_unsent = False
        self._unsubscribe: Callable[[], None] | None = bus.on("pull.*", self._on_event)

    def __repr__(self) -> str:
        return f"<PullHandle {self.model!r} on {self.host} {self.state}>"

    # -- what the asker sees ----------------------------------------------------------------

    @property
    def pull_id(self) -> int:
        """The id of the pull this handle joined (events carry it as ``pull_id``)."""
        return self._ticket.pull_id if self._ticket is not None else 0

    @property
    def joined(self) -> bool:
        """True if this handle joined a pull another asker had started."""
        return self._ticket is not None and self._ticket.joined

    @property
    def last(self) -> PullEvent | None:
        """The latest event of the pull this handle received (None before any)."""
        return self._last

    @property
    def state(self) -> str:
        """``queued``/``progress``/``retrying`` while running, then the terminal event kind."""
        return self._last.event if self._last is not None else "queued"

    @property
    def finished(self) -> bool:
        """True once the outcome is known or the terminal event arrived."""
        return self._outcome is not None or self._terminal is not None

    def progress(self) -> _ProgressIterator:
        """An async iterator of this pull's events, ending after the terminal one.

        Yields ``queued``, ``progress`` (the newest figures of each phase; intermediate ones
        may be skipped for a slow reader), ``retrying`` and finally one of ``done``, ``failed`` or
        ``cancelled`` (after :meth:`cancel`, a ``cancelled`` event ends it even when other
        askers keep the pull going). Meant for one reader at a time.
        """
        return _ProgressIterator(self)

    def cancel(self) -> None:
        """Withdraw this handle's share of the pull. A plain call: never waits.

        The pull itself stops (HTTP stream closed, state ``cancelled``) once every handle
        sharing it has withdrawn. A no-op once the pull ended. Afterwards :meth:`wait`
        raises ``PullCancelled`` (unless the pull had already succeeded).
        """
        if self._cancel_requested or self.finished:
            return
        self._cancel_requested = True
        self._notify()
        try:
            self._ref.tell_nowait(CancelPull(asker=self.asker))
        except InboxFull:
            # Sent by the next wait() or progress step, which can wait for inbox space.
            self._cancel_unsent = True
        except ActorUnavailable:
            # The runtime is gone, and every pull with it.
            pass

    async def wait(self) -> PullResult:
        """Wait for the end of the pull and return its :class:`PullResult`.

        Raises ``PullCancelled`` if this handle's share (or the pull) was cancelled, the
        pull's typed error if it failed (``PullFailed``, ``ProtocolError``,
        ``ServerError``, ``ModelNotFound``), ``ActorUnavailable`` if the runtime stopped.
        Cancelling the wait cancels this handle's share: the call returns (re-raising the
        cancellation) once the share is withdrawn and, if it was the last, the pull stopped.
        """
        outcome = await self._settle()
        if isinstance(outcome, PullResult):
            return outcome
        raise outcome

    async def aclose(self) -> None:
        """Withdraw this handle's share unless the pull already ended, and wait for that.

        Shielded and bounded (10 s), so it is safe in cleanup code and under cancellation.
        """
        if self._outcome is not None:
            return
        with anyio.CancelScope(shield=True), anyio.move_on_after(_WITHDRAW_TIMEOUT):
            self.cancel()
            await self._settle()
        self._close()

    # -- plumbing ---------------------------------------------------------------------------

    def _attach(self, ticket: PullTicket) -> None:
        """Take the actor's answer: keep only the events of the pull this handle joined."""
        self._ticket = ticket
        early, self._early = self._early, []
        mine = [event for event in early if event.pull_id == ticket.pull_id]
        for event in mine or [ticket.current]:
            self._push(event)

    def _on_event(self, event: Event) -> None:
        if event.origin is not None:
            # Another runtime's pull: its ids are its own (a pull following it relays them).
            return
        payload = event.payload
        if not isinstance(payload, PullEvent) or payload.host != self.host:
            return
        if payload.model.casefold() != self._folded:
            return
        if self._ticket is None:
            self._early.append(payload)
        elif payload.pull_id == self._ticket.pull_id:
            self._push(payload)

    def _push(self, event: PullEvent) -> None:
        if self._terminal is not None:
            return
        events = self._events
        if (
            event.event == "progress"
            and events
            and events[-1].event == "progress"
            and events[-1].phase == event.phase
        ):
            # Latest wins within a phase; a phase change is always seen.
            events[-1] = event
        else:
            events.append(event)
        self._last = event
        if event.terminal:
            self._terminal = event
            self._close()
        self._notify()

    def _notify(self) -> None:
        wake = self._wake
        if wake is not None:
            wake.set()

    def _close(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    async def _settle(self) -> PullResult | OllmError:
        """Ask the actor for this handle's outcome once, withdrawing if cancelled meanwhile."""
        if self._outcome is not None:
            await checkpoint()
            return self._outcome
        try:
            try:
                # Inside the OllmError net: under a shielded aclose() the actor may already
                # be gone, and an error raised here would replace the caller's cancellation.
                if self._cancel_unsent:
                    await self._ref.tell(CancelPull(asker=self.asker))
                    self._cancel_unsent = False
                outcome: PullResult | OllmError = await self._ref.ask(
                    WaitPull(asker=self.asker, model=self.model, host=self.host)
                )
            except OllmError as exc:
                outcome = exc
        except anyio.get_cancelled_exc_class():
            await self.aclose()
            raise
        if self._outcome is None:
            self._outcome = outcome
        self._close()
        self._notify()
        return self._outcome

    def _closing_event(self) -> PullEvent:
        """The ``cancelled`` event that ends the progress of a handle whose share ended."""
        outcome = self._outcome
        base = self._last or PullEvent(event="queued", model=self.model, host=self.host)
        if isinstance(outcome, PullResult):
            return msgspec.structs.replace(
                base, event="done", completed=outcome.completed, total=outcome.total
            )
        if isinstance(outcome, PullCancelled) or outcome is None:
            return msgspec.structs.replace(base, event="cancelled", retry_in=None)
        return msgspec.structs.replace(
            base,
            event="failed",
            error=outcome.message,
            error_type=type(outcome).__name__,
            retry_in=None,
        )


class _ProgressIterator:
    """The async iterator :meth:`PullHandle.progress` returns."""

    __slots__ = ("_done", "_handle")

    def __init__(self, handle: PullHandle) -> None:
        self._handle = handle
        self._done = False

    def __aiter__(self) -> _ProgressIterator:
        return self

    async def __anext__(self) -> PullEvent:
        handle = self._handle
        await checkpoint()
        while True:
            if self._done:
                raise StopAsyncIteration
            if handle._events:
                event = handle._events.popleft()
                if event.terminal:
                    self._done = True
                return event
            if handle._terminal is not None:
                self._done = True
                raise StopAsyncIteration
            if handle._cancel_requested or handle._outcome is not None:
                # This share ended without a terminal event of the pull (others keep it
                # going, or the runtime stopped): the outcome says how it ended for us.
                await handle._settle()
                if handle._events:
                    continue
                self._done = True
                return handle._closing_event()
            wake = handle._wake = anyio.Event()
            try:
                await wake.wait()
            finally:
                handle._wake = None
