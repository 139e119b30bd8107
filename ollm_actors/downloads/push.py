"""One push (or create) stream folded into progress events, in the caller's task.

A push is a transfer like a pull, so it reuses the pull's pieces: the
:class:`~ollm_actors.downloads.progress.ProgressTracker` (per-layer bytes, rate, ETA) and
:class:`~ollm_actors.vocab.pull_events.PullEvent` as the payload, on topics ``push.<event>``
(``create.<event>`` for a create's status lines) so the one progress view of ``ollm pull``
serves ``push`` and ``create`` too.

Why not in the downloads actor's queue: what the actor adds to a pull is sharing one HTTP
stream among many askers of the same (host, model) and resuming across retries. A push has
one asker and is not retried (a registry refusal is final, and a broken upload is re-sent
by the server from the start), so the actor would only add a hop; cancellation is the
caller's cancel scope, which closes the HTTP stream at once (the wire's bounded, shielded
close).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import anyio
import msgspec

from ollm_actors.actors.bus import EventBus
from ollm_actors.downloads.job import event_from
from ollm_actors.downloads.progress import ProgressTracker
from ollm_actors.errors import OllmError
from ollm_actors.ollama._status_lines import StatusLines
from ollm_actors.vocab.pull_events import PullEvent, PullEventKind

__all__ = ("StreamOutcome", "follow_stream")

Progress = Callable[[PullEvent], object]


def _as_pull_status(status: str) -> str:
    # The tracker knows the pull's phase words; a push says "pushing" where a pull says
    # "pulling", and "retrieving manifest" where a pull says "pulling manifest".
    if status.startswith("pushing ") and status != "pushing manifest":
        return "pulling " + status[len("pushing ") :]
    if status in ("retrieving manifest", "pushing manifest"):
        return "pulling manifest" if status.startswith("retrieving") else "writing manifest"
    return status


class StreamOutcome:
    """What a followed stream ended with: the last snapshot and every status line seen."""

    __slots__ = ("last", "statuses")

    def __init__(self, last: PullEvent, statuses: tuple[str, ...]) -> None:
        self.last, self.statuses = last, statuses


async def follow_stream(
    opened: AbstractAsyncContextManager[StatusLines],
    *,
    operation: str,
    model: str,
    host: str,
    bus: EventBus,
    clock: Callable[[], float],
    on_progress: Progress | None = None,
) -> StreamOutcome:
    """Read ``opened`` to its ``success``, publishing ``<operation>.queued``, one
    ``<operation>.progress`` per line (the status as the server said it) and the terminal
    ``done``/``failed``/``cancelled``; ``on_progress`` sees every non-terminal event.

    Raises what the stream raises (OperationFailed, ModelNotFound, HostUnreachable ...),
    after publishing ``failed``; cancelled, it publishes ``cancelled`` and re-raises the
    cancellation (the stream is closed on the way out).
    """
    tracker = ProgressTracker(model, host, now=clock())
    statuses: list[str] = []

    def publish(kind: PullEventKind, **extra: object) -> PullEvent:
        event = event_from(kind, tracker.snapshot(), 0, **extra)
        if statuses:
            event = _with_status(event, statuses[-1])
        bus.publish(f"{operation}.{kind}", event)
        if on_progress is not None and not event.terminal:
            on_progress(event)
        return event

    publish("queued")
    try:
        async with opened as lines:
            async for line in lines:
                statuses.append(line.status)
                tracker.feed(
                    _as_pull_status(line.status),
                    line.digest,
                    line.total,
                    line.completed,
                    now=clock(),
                )
                publish("progress")
    except anyio.get_cancelled_exc_class():
        publish("cancelled")  # publishing never waits, so it needs no shield
        raise
    except OllmError as exc:
        publish("failed", error=exc.message, error_type=type(exc).__name__,
                suggestions=tuple(getattr(exc, "suggestions", ())))
        raise
    return StreamOutcome(publish("done"), tuple(statuses))


def _with_status(event: PullEvent, status: str) -> PullEvent:
    return msgspec.structs.replace(event, status=status)

