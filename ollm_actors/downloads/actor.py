"""The downloads actor: the pull queue, shared in-flight pulls, cancellation by refcount, delete.

State (all touched by handlers only, except each running job's own figures):

- ``_pulls``: the live pull of each (host, model) key, queued or running; every asker of the
  same key joins it, so one HTTP pull serves them all.
- ``_by_id``: every pull not yet ended, including one whose last asker withdrew and which is
  still closing its stream (it no longer takes new askers).
- ``_queue``: pulls waiting for one of ``settings.downloads.concurrency`` slots.
- ``_outcomes``: how a pull ended for askers who were not waiting at that moment, kept for a
  later :class:`WaitPull` (bounded; the oldest are forgotten first).
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Literal

import anyio

from ollm_actors.actors.actor import Actor, handler
from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.reply import Reply
from ollm_actors.config.model import Settings
from ollm_actors.downloads.delete import delete_on_host
from ollm_actors.downloads.job import JobOutcome, PullBounds, PullJob
from ollm_actors.downloads.leased import PullLeases, pull_lease_key
from ollm_actors.downloads.ledger import (
    RECENT_KEPT,
    Outcome,
    ending,
    find_pull,
    info_of,
    process_label,
)
from ollm_actors.downloads.lookup import pullable_close_names
from ollm_actors.downloads.messages import (
    CancelPull,
    CancelPullOf,
    DeleteModel,
    DownloadsMessage,
    ListPulls,
    PullEnded,
    PullInfo,
    PullTicket,
    StartPull,
    WaitPull,
)
from ollm_actors.downloads.progress import ProgressTracker
from ollm_actors.downloads.pulls import Pull, brief, pull_key
from ollm_actors.downloads.remote_cancel import answer_with, cancel_elsewhere
from ollm_actors.downloads.result import PullResult
from ollm_actors.errors import (
    ModelBusy,
    OllmError,
    PullCancelled,
    PullFailed,
    PullNotFound,
)
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.ollama.pool import HostPool
from ollm_actors.state.interface import SharedState
from ollm_actors.state.local import LocalState
from ollm_actors.vocab.database import DatabaseSource
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("DownloadsActor",)

logger = logging.getLogger("ollm_actors.downloads")

# Pull ids stay unique across restarts of the actor, so a handle never mistakes a new pull
# of the same model for the one it joined.
_PULL_IDS = itertools.count(1)
_OUTCOMES_KEPT = 4096


class DownloadsActor(Actor[DownloadsMessage]):
    """Pulls and deletes models; publishes ``pull.*`` and ``model.deleted``.

    Spawned by the runtime after the inventory (whose model list feeds suggestions).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        hosts: HostPool,
        bus: EventBus,
        inventory: InventoryAPI | None,
        database: DatabaseSource,
        bounds: PullBounds | None = None,
        wall: Callable[[], float] = time.time,
        state: SharedState | None = None,
    ) -> None:
        """``inventory`` names what is installed for "did you mean" (else the host is
        asked); ``database`` what else is pullable; ``bounds`` what one pull may cost;
        ``wall`` stamps ``started_at`` (epoch seconds); ``state`` is what it shares with other
        runtimes (default: nothing, a :class:`LocalState`)."""
        self._shared: SharedState = state if state is not None else LocalState()
        self._wall = wall
        downloads = settings.downloads
        self._bounds = bounds or PullBounds(
            progress_deadline=downloads.progress_deadline,
            attempt_timeout=downloads.attempt_timeout,
            max_layers=downloads.max_layers,
        )
        self._database = database
        self._settings = settings
        self._pool = hosts
        self._bus = bus
        self._inventory = inventory
        self._leases = PullLeases(
            self._shared,
            bus,
            ttl=settings.state.lease_ttl,
            call_timeout=settings.state.timeouts.call,
            clock=anyio.current_time,
        )

    async def on_start(self) -> None:
        self._pulls: dict[str, Pull] = {}
        self._by_id: dict[int, Pull] = {}
        self._queue: deque[Pull] = deque()
        self._running = 0
        self._outcomes: OrderedDict[int, Outcome] = OrderedDict()
        self._recent: deque[PullInfo] = deque(maxlen=RECENT_KEPT)
        self._label = process_label()
        self._asker_pull: dict[int, Pull] = {}

    async def on_stop(self) -> None:
        """End every pull of this incarnation with a terminal event, as the actor stops.

        Handles wait for a terminal event on the bus, and the next incarnation starts with
        no pulls: without this, ``PullHandle.progress()`` (and so ``ollm pull``) would wait
        for ever after a restart. The pull tasks are already cancelled and the deferred
        ``WaitPull`` replies already failed by the kernel; this only tells the bus.
        """
        pulls: dict[int, Pull] = getattr(self, "_by_id", {})
        crash = self.crash
        for pull in list(pulls.values()):
            if crash is None:
                self._finish(pull, "cancelled", pull.job.last, pull.job.last.attempt, None)
                continue
            reason = (
                "the downloads actor restarted after a crash "
                f"({type(crash).__name__}) while this pull was in flight"
            )
            failure = PullFailed(pull.model, pull.host, reason)
            failure.__cause__ = crash
            self._finish(pull, "failed", pull.job.last, pull.job.last.attempt, failure)

    # -- pulls ----------------------------------------------------------------------------

    @handler
    async def _start(self, msg: StartPull) -> PullTicket:
        key = pull_key(msg.model, msg.host)
        asker = msg.asker
        pull = self._pulls.get(key)
        if pull is not None:
            pull.askers[asker] = msg.started_by or self._label
            self._asker_pull[asker] = pull
            return PullTicket(
                pull_id=pull.pull_id,
                asker=asker,
                model=pull.model,
                host=pull.host,
                current=pull.job.last,
                joined=True,
            )
        pull_id = next(_PULL_IDS)
        now = self.now()
        job = PullJob(
            pull_id=pull_id,
            model=msg.model,
            host=msg.host,
            client=self._pool.client(msg.host),
            bus=self._bus,
            clock=self.now,
            settings=self._settings.downloads,
            tracker=ProgressTracker(
                msg.model, msg.host, now=now, max_layers=self._bounds.max_layers
            ),
            bounds=self._bounds,
            suggest=functools.partial(
                pullable_close_names,
                host=msg.host,
                pool=self._pool,
                inventory=self._inventory,
                database=self._database,
            ),
        )
        pull = Pull(pull_id, msg.model, msg.host, key, job)
        pull.created, pull.started_at = now, self._wall()
        pull.askers[asker] = msg.started_by or self._label
        self._asker_pull[asker] = pull
        self._pulls[key] = pull
        self._by_id[pull_id] = pull
        self._bus.publish("pull.queued", job.last)
        self._queue.append(pull)
        self._fill_slots()
        return PullTicket(
            pull_id=pull_id,
            asker=asker,
            model=msg.model,
            host=msg.host,
            current=job.last,
            joined=False,
        )

    def _fill_slots(self) -> None:
        limit = max(1, self._settings.downloads.concurrency)
        while self._queue and self._running < limit:
            pull = self._queue.popleft()
            pull.state = "running"
            self._running += 1
            self.start_soon(self._run, pull, name=f"pull {pull.model} from {pull.host}")

    async def _run(self, pull: Pull) -> None:
        """The pull's child task: runs the job in the pull's own scope, then reports."""
        job = pull.job
        outcome: JobOutcome | None = None
        with pull.scope:
            try:
                outcome = await self._leases.run(pull)
            except Exception as bug:
                # What a hostile server can provoke (RecursionError on deep JSON, MemoryError,
                # a parser bug) fails this pull only: as a crash it would restart the actor,
                # failing every other pull, and a host repeating it would exhaust the restart
                # policy and bring the whole runtime down.
                logger.warning("pull %s from %s: unexpected error", job.model, job.host,
                               exc_info=bug)
                reason = f"unexpected error while reading the pull: {brief(bug)}"
                failure = PullFailed(job.model, job.host, reason)
                failure.__cause__ = bug
                outcome = JobOutcome("failed", job.last.attempt, failure)
        if outcome is None:
            ended = PullEnded(pull_id=pull.pull_id, status="cancelled", last=job.last, attempts=0)
        else:
            ended = PullEnded(
                pull_id=pull.pull_id,
                status=outcome.status,
                last=job.last,
                attempts=outcome.attempts,
                error=outcome.error,
            )
        await self.ref.tell(ended)

    @handler
    async def _ended(self, msg: PullEnded) -> None:
        pull = self._by_id.pop(msg.pull_id, None)
        if pull is None:
            return
        self._running -= 1
        self._finish(pull, msg.status, msg.last, msg.attempts, msg.error)
        self._fill_slots()

    def _finish(
        self,
        pull: Pull,
        status: Literal["done", "failed", "cancelled"],
        last: PullEvent,
        attempts: int,
        error: OllmError | None,
    ) -> None:
        """Publish the terminal event, answer every asker of ``pull`` and every cancel of
        it, and keep it among the recent pulls."""
        if self._pulls.get(pull.key) is pull:
            del self._pulls[pull.key]
        self._by_id.pop(pull.pull_id, None)
        elapsed = max(0.0, self.now() - pull.created)
        event, outcome = ending(pull, status, last, attempts, error, elapsed)
        self._bus.publish(f"pull.{event.event}", event)
        info = info_of(
            pull, status, outcome.message if isinstance(outcome, OllmError) else None
        )
        self._recent.append(info)
        for asker in pull.askers:
            self._asker_pull.pop(asker, None)
            self._deliver(asker, pull.waiters.pop(asker, []), outcome)
        for reply in pull.cancel_replies:
            if not reply.abandoned:
                reply.send(info)
        pull.cancel_replies.clear()

    def _deliver(self, asker: int, waiters: list[Reply[PullResult]], outcome: Outcome) -> None:
        answered = False
        for reply in waiters:
            if reply.abandoned:
                continue
            answered = True
            if isinstance(outcome, PullResult):
                reply.send(outcome)
            else:
                reply.fail(outcome)
        if not answered:
            self._outcomes[asker] = outcome
            while len(self._outcomes) > _OUTCOMES_KEPT:
                self._outcomes.popitem(last=False)

    @handler
    async def _wait(self, msg: WaitPull) -> PullResult | None:
        pull = self._asker_pull.get(msg.asker)
        if pull is not None:
            pull.waiters.setdefault(msg.asker, []).append(self.defer(msg))
            return None
        outcome = self._outcomes.get(msg.asker)
        if outcome is None:
            raise PullFailed(
                msg.model, msg.host, "the downloads actor restarted and lost track of this pull"
            )
        if isinstance(outcome, PullResult):
            return outcome
        raise outcome

    @handler
    async def _cancel(self, msg: CancelPull) -> None:
        pull = self._asker_pull.get(msg.asker)
        if pull is None:
            return
        if len(pull.askers) > 1:
            # Others still want the pull: only this share ends.
            del pull.askers[msg.asker]
            del self._asker_pull[msg.asker]
            self._deliver(
                msg.asker, pull.waiters.pop(msg.asker, []), PullCancelled(pull.model, pull.host)
            )
            return
        # The last asker: the pull stops.
        self._stop(pull)

    def _stop(self, pull: Pull) -> None:
        """Stop ``pull`` (once): it takes no new askers from now on; its askers are answered
        ``PullCancelled`` when it ended (at once if queued, else once the stream is closed
        and the task has ended), with the ``pull.cancelled`` event."""
        if pull.cancelling:
            return
        pull.cancelling = True
        if self._pulls.get(pull.key) is pull:
            del self._pulls[pull.key]
        if pull.state == "queued":
            self._queue.remove(pull)
            self._finish(pull, "cancelled", pull.job.last, 0, None)
        else:
            pull.scope.cancel()

    @handler
    async def _list(self, msg: ListPulls) -> tuple[PullInfo, ...]:
        running = tuple(info_of(pull) for pull in self._by_id.values())
        return running + tuple(self._recent) if msg.recent else running

    @handler
    async def _cancel_all(self, msg: CancelPullOf) -> None:
        try:
            pull = find_pull(self._by_id.values(), msg.target, msg.host)
        except PullNotFound as missing:
            if not self._shared.shared or not isinstance(msg.target, str):
                raise
            # Perhaps another runtime pulls it: ask its holder to stop, and wait for that.
            hosts = (msg.host,) if msg.host is not None else self._pool.urls
            reply = self.defer(msg)
            cancel = cancel_elsewhere(
                self._shared, msg.target, hosts, missing, ttl=self._settings.state.lease_ttl
            )
            self.start_soon(answer_with, cancel, reply, name=f"cancel {msg.target} elsewhere")
            return
        # Answered by ``_finish``, when the pull (and so every share of it) ended.
        pull.cancel_replies.append(self.defer(msg))
        pull.cancel_global = True
        if pull.state == "queued" and self._shared.shared:
            self.start_soon(self._shared.request_cancel, pull_lease_key(pull), name="cancel")
        self._stop(pull)

    # -- delete ---------------------------------------------------------------------------

    @handler
    async def _delete(self, msg: DeleteModel) -> None:
        key = pull_key(msg.model, msg.host)
        for pull in self._by_id.values():
            if pull.key == key:
                raise ModelBusy(
                    msg.model, msg.host, f"a pull of it is {pull.state}; cancel it first"
                )
        reply = self.defer(msg)
        delete = functools.partial(
            delete_on_host, pool=self._pool, bus=self._bus, inventory=self._inventory,
            actor=self.name,
        )
        self.start_soon(delete, msg, reply, name=f"delete {msg.model}")
