"""Messages of the downloads actor and the values it answers with.

Names and hosts in these messages are already normalised by :class:`DownloadsAPI`: ``model``
is the model's display form (``llama3.1:latest``) and ``host`` a configured host's display URL.
"""

from __future__ import annotations

import itertools
from typing import Literal

import msgspec

from ollm_actors.actors.messages import Request
from ollm_actors.downloads.result import PullResult
from ollm_actors.errors import OllmError
from ollm_actors.vocab.pull_events import PullEvent

__all__ = (
    "CancelPull",
    "CancelPullOf",
    "DeleteModel",
    "DownloadsMessage",
    "ListPulls",
    "PullEnded",
    "PullInfo",
    "PullState",
    "PullTicket",
    "StartPull",
    "WaitPull",
    "new_asker_id",
)

PullState = Literal["queued", "running", "done", "failed", "cancelled"]

_ASKER_IDS = itertools.count(1)


def new_asker_id() -> int:
    """A fresh asker id, unique in this process."""
    return next(_ASKER_IDS)


class PullTicket(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to :class:`StartPull`: which pull the asker joined, and its state now."""

    pull_id: int
    asker: int
    model: str
    host: str
    #: the pull's latest event, for an asker joining a pull that already published some
    current: PullEvent
    joined: bool


class PullInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One pull, as :class:`ListPulls` reports it: queued or running, or (among the recent
    ones) ended ``done``, ``failed`` (with the ``error`` message) or ``cancelled``."""

    pull_id: int
    model: str
    host: str
    state: PullState
    askers: int
    completed: int
    total: int
    attempt: int
    #: who asked for each share, oldest share first (see ``StartPull.started_by``)
    started_by: tuple[str, ...] = ()
    #: when the pull was first asked for, epoch seconds
    started_at: float = 0.0
    error: str | None = None


class StartPull(Request[PullTicket], frozen=True, kw_only=True):
    """Start pulling ``model`` on ``host``, or join the pull of it already in flight.

    ``asker`` is a process-wide unique id chosen by the caller (see ``new_asker_id``), so a
    caller cancelled before the answer arrives can still withdraw with :class:`CancelPull`.
    """

    model: str
    host: str
    asker: int
    #: a short label of who asked ("ollm pull (pid 4242, ann@box)", "agent")
    started_by: str = ""


class WaitPull(Request[PullResult], frozen=True, kw_only=True):
    """Wait for the end of ``asker``'s pull (``model`` and ``host`` name it in errors).

    Answers the :class:`PullResult`, or fails with the pull's typed error
    (``PullFailed``, ``ProtocolError``, ``ServerError``, ``ModelNotFound``) or with
    ``PullCancelled`` when the pull, or this asker's share of it, was cancelled.
    """

    asker: int
    model: str
    host: str


class CancelPull(Request[None], frozen=True, kw_only=True):
    """Withdraw ``asker`` from its pull; the pull stops when no asker is left.

    Harmless for an asker that is unknown or whose pull already ended.
    """

    asker: int


class DeleteModel(Request[None], frozen=True, kw_only=True):
    """Delete ``model`` from ``host``; refused with ``ModelBusy`` while it is being pulled."""

    model: str
    host: str


class CancelPullOf(Request[PullInfo], frozen=True, kw_only=True):
    """Cancel every share of the pull ``target`` names: its id, or a model (display form)
    on ``host`` (None: whichever host pulls it, refused with ``ModelOnSeveralHosts`` when
    several do). Answered once the pull ended, with how it ended (``cancelled``, or ``done``
    when it finished first); ``PullNotFound`` when no pull in flight matches."""

    target: int | str
    host: str | None = None


class ListPulls(Request[tuple[PullInfo, ...]], frozen=True, kw_only=True):
    """The pulls queued or running now, oldest first; with ``recent`` then the last ended
    ones (at most 20), oldest first."""

    recent: bool = False


class PullEnded(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """A pull task's report of how its pull ended (told by the task to its actor)."""

    pull_id: int
    status: Literal["done", "failed", "cancelled"]
    last: PullEvent
    attempts: int
    #: the typed error of a failed pull (messages stay in-process, so it travels as is)
    error: OllmError | None = None


DownloadsMessage = (
    StartPull | WaitPull | CancelPull | CancelPullOf | DeleteModel | ListPulls | PullEnded
)
