"""``PullResult``: what a finished pull returns to everyone who asked for it."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ("PullResult",)


class PullResult(msgspec.Struct, frozen=True, kw_only=True):
    """A successful pull: the model, its host, the attempts it took and the bytes it moved.

    ``completed``/``total`` are bytes over every layer (a layer already on the host counts as
    complete); ``elapsed`` is seconds from the request (queued time included) to the end.
    """

    model: str
    host: str
    status: Literal["success"] = "success"
    attempts: int = 1
    completed: int = 0
    total: int = 0
    elapsed: float = 0.0
