"""One pull from start to end: attempts, retries with backoff, stall watch, coalesced progress.

A :class:`PullJob` runs as a child task of the downloads actor, inside the pull's own cancel
scope. It reads the HTTP stream, folds lines into a :class:`ProgressTracker` and publishes
``pull.progress`` (coalesced: on every phase change, then at most every ``interval`` seconds)
and ``pull.retrying`` itself; the actor publishes ``pull.queued`` and the terminal event.

The per-line work is a counter, a digest comparison and a flag test: the clock is read and a
snapshot built only when a watchdog task raises the flag, because a line costs about a
microsecond to decode and anything heavier per line would dominate the pipeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

import anyio
import msgspec
from anyio import CancelScope

from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import DownloadSettings
from ollm_actors.downloads.progress import DEFAULT_MAX_LAYERS, ProgressTracker, PullProgress
from ollm_actors.errors import HostUnreachable, ModelNotFound, OllmError, PullFailed
from ollm_actors.ollama.client import OllamaClient, PullLines
from ollm_actors.ollama.types import PullLine
from ollm_actors.vocab.backoff import backoff_delay
from ollm_actors.vocab.pull_events import PullEvent, PullEventKind

__all__ = (
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_INTERVAL",
    "DEFAULT_MAX_LAYERS",
    "DEFAULT_PROGRESS_DEADLINE",
    "JobOutcome",
    "PullBounds",
    "PullJob",
    "event_from",
)

#: seconds between two coalesced ``pull.progress`` events of one pull
DEFAULT_INTERVAL = 0.1
#: the server's words for a name the registry does not know
UNKNOWN_MODEL = "file does not exist"
#: seconds an attempt may go without its completed byte count advancing
DEFAULT_PROGRESS_DEADLINE = 300.0
#: seconds one attempt may take in all, however it progresses
DEFAULT_ATTEMPT_TIMEOUT = 6 * 3600.0


class PullBounds(msgspec.Struct, frozen=True, kw_only=True):
    """What a pull may cost before it is given up, whatever the server keeps sending.

    The stall timeout of the settings watches for *lines*; a server can keep sending lines
    that never advance, or advance for ever, or name endless layers. ``progress_deadline``
    ends an attempt whose completed byte count did not grow for that many seconds and
    ``attempt_timeout`` one that ran that long (both retried, then failed, like a stall);
    more than ``max_layers`` distinct digests fail the pull at once.
    """

    progress_deadline: float = DEFAULT_PROGRESS_DEADLINE
    attempt_timeout: float = DEFAULT_ATTEMPT_TIMEOUT
    max_layers: int = DEFAULT_MAX_LAYERS

    def __post_init__(self) -> None:
        if self.progress_deadline <= 0 or self.attempt_timeout <= 0 or self.max_layers < 1:
            raise ValueError("pull bounds must be positive")



def event_from(
    kind: PullEventKind, progress: PullProgress, pull_id: int, **extra: object
) -> PullEvent:
    """The :class:`PullEvent` of ``kind`` carrying a progress snapshot's figures."""
    return PullEvent(
        event=kind,
        model=progress.model,
        host=progress.host,
        completed=progress.completed,
        total=progress.total,
        phase=progress.phase,
        status=progress.status,
        rate=progress.rate,
        eta=progress.eta,
        attempt=progress.attempt,
        pull_id=pull_id,
        **extra,  # type: ignore[arg-type]
    )


class JobOutcome:
    """How a job ended: ``done`` or ``failed`` (with the typed error); the attempts it took."""

    __slots__ = ("attempts", "error", "status")

    def __init__(
        self, status: Literal["done", "failed"], attempts: int, error: OllmError | None = None
    ) -> None:
        self.status = status
        self.attempts = attempts
        self.error = error


class PullJob:
    """The pull of ``model`` from ``client``'s host, publishing on ``bus`` under ``pull_id``.

    ``last`` is the latest event the job published (read by the actor for askers joining
    mid-way); ``tracker`` holds the figures. ``clock`` times rates and ETAs;
    ``suggest(model)`` finds pullable names close to an unknown model.
    """

    def __init__(
        self,
        *,
        pull_id: int,
        model: str,
        host: str,
        client: OllamaClient,
        bus: EventBus,
        clock: Callable[[], float],
        settings: DownloadSettings,
        tracker: ProgressTracker,
        suggest: Callable[[str], Awaitable[Sequence[str]]],
        interval: float = DEFAULT_INTERVAL,
        bounds: PullBounds | None = None,
    ) -> None:
        self.pull_id = pull_id
        self.model = model
        self.host = host
        self.client = client
        self.bus = bus
        self.clock = clock
        self.settings = settings
        self.tracker = tracker
        self.interval = interval
        self.bounds = bounds if bounds is not None else PullBounds()
        self.key = f"{host} {model}"
        self.last: PullEvent = event_from("queued", tracker.snapshot(), pull_id)
        self._suggest = suggest
        # Written by the read loop and the watchdog, both tasks of this job.
        self._seen = 0
        self._tick = False
        # Why the watchdog ended the attempt (None while it runs or if it did not).
        self._stuck: str | None = None
        # Whether a server answered a pull request of this job with a stream at least once.
        self._started = False

    def publish_progress(self) -> None:
        """Publish the current figures as a coalesced ``pull.progress`` event. Never waits."""
        self.last = event_from("progress", self.tracker.snapshot(), self.pull_id)
        self.bus.publish("pull.progress", self.last, coalesce_key=self.key)

    async def run(self) -> JobOutcome:
        """Pull until success, a permanent failure, or retries run out; return the outcome.

        Only a stream that broke after it started is retried: dropped connections, read
        timeouts and stalls once the server has answered, after a backoff, each retry
        announced by a ``pull.retrying`` state event (a later attempt refused is retried too:
        the server may be restarting). A host that never answers the first attempt (refused,
        unresolvable, hung before the head) fails the pull at once with its
        ``HostUnreachable``: retrying would only multiply the wait. Anything the server says
        is final. Cancellation closes the HTTP stream (the client's close is shielded and
        bounded) and propagates.
        """
        retries = max(0, self.settings.retries)
        attempt = 1
        while True:
            try:
                await self._attempt()
            except HostUnreachable as exc:
                if not self._started:
                    return JobOutcome("failed", attempt, exc)
                if attempt > retries:
                    reason = f"gave up after {attempt} attempts: {exc.reason}"
                    return JobOutcome("failed", attempt, PullFailed(self.model, self.host, reason))
                delay = backoff_delay(
                    attempt, self.settings.backoff.initial, self.settings.backoff.max
                )
                self.tracker.retrying()
                attempt += 1
                self.last = event_from(
                    "retrying",
                    self.tracker.snapshot(),
                    self.pull_id,
                    error=exc.reason,
                    error_type=type(exc).__name__,
                    retry_in=delay,
                )
                self.bus.publish("pull.retrying", self.last)
                await anyio.sleep(delay)
            except PullFailed as exc:
                if UNKNOWN_MODEL in exc.reason:
                    names = tuple(await self._suggest(self.model))
                    exc = PullFailed(self.model, self.host, exc.reason, names)
                return JobOutcome("failed", attempt, exc)
            except ModelNotFound:
                names = tuple(await self._suggest(self.model))
                return JobOutcome("failed", attempt, ModelNotFound(self.model, self.host, names))
            except OllmError as exc:
                return JobOutcome("failed", attempt, exc)
            else:
                return JobOutcome("done", attempt)

    async def _attempt(self) -> None:
        self._seen = 0
        self._tick = False
        self._stuck = None
        error: OllmError | None = None
        async with anyio.create_task_group() as watch:
            watch.start_soon(self._watchdog, watch.cancel_scope)
            try:
                async with self.client.pull(self.model) as lines:
                    self._started = True
                    await self._read(lines)
            except OllmError as exc:
                # Raised after the task group, so it is not wrapped in an exception group.
                error = exc
            finally:
                watch.cancel_scope.cancel()
        if error is not None:
            raise error
        if self._stuck is not None:
            raise HostUnreachable(
                self.host,
                self._stuck,
                hint="the server stopped sending; the next attempt resumes where it stopped",
            )

    async def _watchdog(self, scope: CancelScope) -> None:
        """Raise the publish flag every ``interval``; end the attempt when a bound is hit:
        a silent stall, no byte advance within the progress deadline, the wall limit."""
        stall = self.settings.stall_timeout
        deadline = self.bounds.progress_deadline
        wall = self.bounds.attempt_timeout
        period = min(self.interval, stall / 4, deadline / 4)
        tracker = self.tracker
        seen = self._seen
        started = quiet_since = advanced_at = self.clock()
        completed = tracker.completed
        while True:
            await anyio.sleep(period)
            self._tick = True
            now = self.clock()
            if self._seen != seen:
                seen, quiet_since = self._seen, now
            elif now - quiet_since >= stall:
                self._stuck = f"no progress line for {stall:g} s"
                break
            if tracker.completed != completed:
                completed, advanced_at = tracker.completed, now
            elif now - advanced_at >= deadline:
                self._stuck = (
                    f"no byte of progress for {deadline:g} s "
                    f"(progress deadline {deadline:g} s)"
                )
                break
            if now - started >= wall:
                self._stuck = f"the attempt hit its wall limit of {wall:g} s"
                break
        scope.cancel()

    async def _read(self, lines: PullLines) -> None:
        tracker = self.tracker
        feed = tracker.feed
        clock = self.clock
        phase = tracker.phase
        layer: str | None = None
        pending: PullLine | None = None
        async for line in lines:
            self._seen += 1
            digest = line.digest
            if digest is not None and digest == layer:
                # Only the newest line of a layer matters (the tracker keeps the maximum).
                pending = line
                if not self._tick:
                    continue
            else:
                if pending is not None:
                    feed(pending.status, layer, pending.total, pending.completed, now=clock())
                    pending = None
                feed(line.status, digest, line.total, line.completed, now=clock())
                if tracker.overflowed:
                    raise PullFailed(
                        self.model,
                        self.host,
                        f"the server named more than {self.bounds.max_layers} layers "
                        f"(max layers per pull {self.bounds.max_layers})",
                    )
                layer = digest
                if tracker.phase != phase:
                    phase = tracker.phase
                    self._tick = False
                    self.publish_progress()
                    continue
                if not self._tick:
                    continue
            self._tick = False
            if pending is not None:
                feed(pending.status, layer, pending.total, pending.completed, now=clock())
                pending = None
            self.publish_progress()
        if pending is not None:
            feed(pending.status, layer, pending.total, pending.completed, now=clock())
            self.publish_progress()
