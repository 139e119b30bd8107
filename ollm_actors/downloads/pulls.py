"""A pull's bookkeeping inside the downloads actor, and the key pulls are shared by."""

from __future__ import annotations

from typing import Any, Literal

import anyio

from ollm_actors.actors.reply import Reply
from ollm_actors.downloads.job import PullJob
from ollm_actors.downloads.result import PullResult
from ollm_actors.vocab.names import model_key

__all__ = ("Pull", "brief", "pull_key")


def brief(bug: BaseException, limit: int = 160) -> str:
    """``Type: message``, cut short: the message may echo megabytes a server sent."""
    text = f"{type(bug).__name__}: {bug}" if str(bug) else type(bug).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def pull_key(model: str, host: str) -> str:
    """The key two requests share a pull by: the host and the case-folded full name."""
    return f"{host}\n{model_key(model)}"


class Pull:
    """One pull's bookkeeping in the actor (not a message: it never leaves the actor)."""

    __slots__ = (
        "askers",
        "cancel_global",
        "cancel_replies",
        "cancelling",
        "created",
        "following",
        "host",
        "job",
        "key",
        "model",
        "pull_id",
        "scope",
        "started_at",
        "state",
        "waiters",
    )

    def __init__(self, pull_id: int, model: str, host: str, key: str, job: PullJob) -> None:
        self.pull_id = pull_id
        self.model = model
        self.host = host
        self.key = key
        self.job = job
        self.state: Literal["queued", "running"] = "queued"
        #: each asker's id and who it is (``StartPull.started_by``), in the order they came
        self.askers: dict[int, str] = {}
        self.waiters: dict[int, list[Reply[PullResult]]] = {}
        #: the ``CancelPullOf`` asks to answer once the pull ended
        self.cancel_replies: list[Reply[Any]] = []
        self.scope = anyio.CancelScope()
        self.cancelling = False
        #: a cancel for every runtime (``CancelPullOf``, or one another runtime requested),
        #: not only this runtime's askers withdrawing
        self.cancel_global = False
        #: the runtime whose pull this one follows (it holds the lease), or None
        self.following: str | None = None
        self.created = 0.0
        self.started_at = 0.0
