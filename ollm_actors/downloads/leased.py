"""One pull per (host, model) across runtimes: the pull lease, :class:`PullLeases`.

A pull's task first takes the lease ``pull:{host}:{model}`` from the shared state. The
holder (the *leader*) runs the HTTP pull and, beside it, a keeper that renews the lease every
third of its TTL and asks every half second whether some runtime requested a cancel; it
releases the lease with how the pull ended (a :class:`PullRecord`) before the actor publishes
the terminal event. A runtime that finds the lease held *follows*: it sends no
``/api/pull``, relays the holder's progress (forwarded onto its bus by the events bridge) as
its own pull's events, and ends with the holder's outcome, read from the released lease.
When the lease is gone with no outcome (the holder was killed and its TTL ran out, or its own
askers withdrew while this runtime still wants the model) the follower takes it and pulls.

With :class:`~ollm_actors.state.local.LocalState` every lease is free (the actor already
shares one pull per key in this process), so the same code leads every pull.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final, Literal

import anyio
import msgspec

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.event import Event
from ollm_actors.downloads.job import JobOutcome
from ollm_actors.downloads.pulls import Pull
from ollm_actors.errors import PullFailed
from ollm_actors.state.interface import Lease, LeaseLost, SharedState, lease_key
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("PullLeases", "pull_lease_key")

logger = logging.getLogger("ollm_actors.downloads")

# How often a leader asks whether a cancel was requested, and a follower whether the lease
# is still held (both also bounded by a third of the TTL).
CANCEL_POLL, FOLLOW_POLL = 0.5, 1.0


class _TakeOver:
    """The lease is free and nobody said how the work ended: take it and pull."""


_TAKE_OVER: Final = _TakeOver()


def pull_lease_key(pull: Pull) -> str:
    return lease_key("pull", pull.host, pull.model)


class PullRecord(msgspec.Struct, frozen=True, kw_only=True):
    """How the leader's pull ended, kept in the released lease for its followers."""

    status: Literal["done", "failed", "cancelled"]
    completed: int = 0
    total: int = 0
    error: str | None = None


def record_of(outcome: JobOutcome | None, pull: Pull) -> str | None:
    """What the leader leaves in the released lease: None when followers should go on."""
    last = pull.job.last
    if outcome is None:
        if not pull.cancel_global:
            return None
        record = PullRecord(status="cancelled", completed=last.completed, total=last.total)
    elif outcome.status == "done":
        record = PullRecord(status="done", completed=last.completed, total=last.total)
    else:
        message = outcome.error.message if outcome.error is not None else "unknown failure"
        record = PullRecord(status="failed", error=message)
    return msgspec.json.encode(record).decode()


def outcome_of(record: str, pull: Pull, holder: str | None) -> JobOutcome | _TakeOver | None:
    """The follower's end from the leader's record (None: cancelled); a record that does
    not decode (not ours) is no outcome: the follower takes over."""
    try:
        ended = msgspec.json.decode(record, type=PullRecord)
    except msgspec.DecodeError:
        return _TAKE_OVER
    job = pull.job
    job.last = msgspec.structs.replace(job.last, completed=ended.completed, total=ended.total)
    if ended.status == "done":
        return JobOutcome("done", job.last.attempt)
    if ended.status == "cancelled":
        return None
    by = f" (pulled by runtime {holder})" if holder else ""
    reason = (ended.error or "unknown failure") + by
    return JobOutcome("failed", job.last.attempt, PullFailed(pull.model, pull.host, reason))


class PullLeases:
    """Runs pulls under their lease in ``shared``; relays followed pulls onto ``bus``."""

    def __init__(
        self,
        shared: SharedState,
        bus: EventBus,
        *,
        ttl: float,
        call_timeout: float,
        clock: Callable[[], float],
    ) -> None:
        self._shared, self._bus, self._ttl, self._clock = shared, bus, ttl, clock
        # Releasing is shielded from cancellation; this bounds it.
        self._release_bound = 2 * call_timeout + 0.5

    async def run(self, pull: Pull) -> JobOutcome | None:
        """Lead or follow ``pull`` to its end: its outcome, or None when it was cancelled."""
        key = pull_lease_key(pull)
        while True:
            lease = await self._shared.acquire(key, self._ttl)
            if lease is not None:
                pull.following = None
                return await self._lead(pull, lease)
            ended = await self._follow(pull, key)
            if not isinstance(ended, _TakeOver):
                return ended

    # -- the leader ------------------------------------------------------------------------

    async def _lead(self, pull: Pull, lease: Lease) -> JobOutcome | None:
        outcome: JobOutcome | None = None
        held = [lease]
        bug: Exception | None = None
        try:
            async with anyio.create_task_group() as keeper:
                keeper.start_soon(self._keep, pull, held)
                try:
                    outcome = await pull.job.run()
                except Exception as exc:
                    # Raised after the task group, so the actor sees it, not a group of it.
                    bug = exc
                keeper.cancel_scope.cancel()
            if bug is not None:
                raise bug
        finally:
            record = record_of(outcome, pull)
            with anyio.CancelScope(shield=True), anyio.move_on_after(self._release_bound):
                await self._shared.release(held[0], record)
        return outcome

    async def _keep(self, pull: Pull, held: list[Lease]) -> None:
        """Renew the lease in ``held[0]`` and watch for a cancel from any runtime."""
        shared, ttl = self._shared, self._ttl
        key = held[0].key
        period = min(CANCEL_POLL, ttl / 3)
        renewed_at = self._clock()
        lost = False
        while True:
            await anyio.sleep(period)
            if await shared.cancel_requested(key):
                pull.cancel_global = True
                pull.scope.cancel()
                return
            if self._clock() - renewed_at < ttl / 3:
                continue
            renewed_at = self._clock()
            if await shared.renew(held[0]):
                continue
            if not lost:
                lost = True
                self._report_lost(pull, key, await shared.holder(key))
            again = await shared.acquire(key, ttl)
            if again is not None:
                held[0], lost = again, False

    def _report_lost(self, pull: Pull, key: str, holder: str | None) -> None:
        by = f"runtime {holder} holds it now" if holder else "nobody holds it now"
        reason = (
            f"the lease on pulling {pull.model} from {pull.host} ran out before it was "
            f"renewed ({by}); the pull goes on, and another runtime may pull it too"
        )
        logger.warning("%s", reason)
        self._bus.publish(
            "state.lease_lost",
            LeaseLost(key=key, model=pull.model, host=pull.host, holder=holder, reason=reason),
        )

    # -- a follower ------------------------------------------------------------------------

    async def _follow(self, pull: Pull, key: str) -> JobOutcome | _TakeOver | None:
        shared = self._shared
        holder = await shared.holder(key)
        if holder is None:
            record = await shared.ended(key)
            return _TAKE_OVER if record is None else outcome_of(record, pull, None)
        pull.following = holder
        logger.info("%s from %s: following runtime %s's pull", pull.model, pull.host, holder)
        wake = anyio.Event()
        folded = pull.model.casefold()
        job = pull.job
        job.last = msgspec.structs.replace(
            job.last, event="progress", status=f"following the pull of runtime {holder}"
        )
        self._bus.publish("pull.progress", job.last, coalesce_key=job.key)

        def relay(event: Event) -> None:
            payload = event.payload
            if event.origin is None or event.origin != pull.following:
                return
            if not isinstance(payload, PullEvent) or payload.host != pull.host:
                return
            if payload.model.casefold() != folded or payload.event == "queued":
                return
            if payload.terminal:
                wake.set()
                return
            mine = msgspec.structs.replace(payload, pull_id=pull.pull_id)
            job.last = mine
            if mine.event == "progress":
                self._bus.publish("pull.progress", mine, coalesce_key=job.key)
            else:
                self._bus.publish(f"pull.{mine.event}", mine)

        unsubscribe = self._bus.on("pull.*", relay)
        try:
            period = min(FOLLOW_POLL, self._ttl / 3)
            while True:
                with anyio.move_on_after(period):
                    await wake.wait()
                if wake.is_set():
                    wake = anyio.Event()
                now_holder = await shared.holder(key)
                if now_holder is None:
                    record = await shared.ended(key)
                    if record is None:
                        return _TAKE_OVER
                    return outcome_of(record, pull, pull.following)
                pull.following = now_holder
        finally:
            unsubscribe()
            if pull.cancel_global:
                with anyio.CancelScope(shield=True), anyio.move_on_after(self._release_bound):
                    await shared.request_cancel(key)
