"""What the downloads actor reports of its pulls: who asked, the pulls it lists, the recent
ended ones, the pull a cancel names, and how a pull's end is told (event and outcome)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import msgspec

from ollm_actors.downloads.messages import PullInfo, PullState
from ollm_actors.downloads.pulls import Pull
from ollm_actors.downloads.result import PullResult
from ollm_actors.errors import (
    ModelOnSeveralHosts,
    OllmError,
    PullCancelled,
    PullFailed,
    PullNotFound,
)
from ollm_actors.vocab.names import model_key
from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("RECENT_KEPT", "Outcome", "ending", "find_pull", "info_of", "process_label")

#: ended pulls ``pulls(recent=True)`` reports, newest kept
RECENT_KEPT = 20

Outcome = PullResult | OllmError


def process_label() -> str:
    """Who this process is, for a share started without a label: ``prog (pid N, user@box)``."""
    import getpass
    import os
    import socket
    import sys
    from pathlib import Path

    prog = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container's uid without a passwd entry)
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    return f"{prog} (pid {os.getpid()}, {user}@{socket.gethostname()})"


def info_of(pull: Pull, state: PullState | None = None, error: str | None = None) -> PullInfo:
    """``pull`` as :class:`PullInfo`, in its own state unless ``state`` says how it ended."""
    last = pull.job.last
    return PullInfo(
        pull_id=pull.pull_id,
        model=pull.model,
        host=pull.host,
        state=state or pull.state,
        askers=len(pull.askers),
        completed=last.completed,
        total=last.total,
        attempt=last.attempt,
        started_by=tuple(pull.askers.values()),
        started_at=pull.started_at,
        error=error,
    )


def find_pull(pulls: Iterable[Pull], target: int | str, host: str | None) -> Pull:
    """The pull in flight with id ``target``, or of model ``target`` (on ``host`` if given).

    Raises ``PullNotFound`` naming the pulls in flight, ``ModelOnSeveralHosts`` when a name
    matches pulls on several hosts and no host was given. Pulls already cancelling count:
    a second cancel of one waits for the same end."""
    pulls = list(pulls)
    if isinstance(target, int):
        found = [p for p in pulls if p.pull_id == target and host in (None, p.host)]
    else:
        key = model_key(target)
        found = [p for p in pulls if model_key(p.model) == key and host in (None, p.host)]
    if not found:
        raise PullNotFound(target, host, [p.model for p in pulls])
    hosts = sorted({p.host for p in found})
    if len(hosts) > 1:
        raise ModelOnSeveralHosts(found[0].model, hosts)
    return found[0]


def ending(
    pull: Pull,
    status: Literal["done", "failed", "cancelled"],
    last: PullEvent,
    attempts: int,
    error: OllmError | None,
    elapsed: float,
) -> tuple[PullEvent, Outcome]:
    """The terminal event a pull publishes and the outcome its askers get."""
    if status == "done":
        event = msgspec.structs.replace(last, event="done", pull_id=pull.pull_id)
        return event, PullResult(
            model=pull.model,
            host=pull.host,
            attempts=attempts,
            completed=last.completed,
            total=last.total,
            elapsed=elapsed,
        )
    if status == "failed":
        failure = error or PullFailed(pull.model, pull.host, "unknown failure")
        event = msgspec.structs.replace(
            last,
            event="failed",
            pull_id=pull.pull_id,
            error=failure.message,
            error_type=type(failure).__name__,
            retry_in=None,
            suggestions=tuple(getattr(failure, "suggestions", ())),
        )
        return event, failure
    event = msgspec.structs.replace(last, event="cancelled", pull_id=pull.pull_id, retry_in=None)
    return event, PullCancelled(pull.model, pull.host)
