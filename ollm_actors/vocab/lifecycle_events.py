"""Payloads of the lifecycle events (copy, create, load, unload, update). Push and create
progress reuse :class:`~ollm_actors.vocab.pull_events.PullEvent` on topics ``push.<event>``
and ``create.<event>``, so one progress view serves pull, push and create."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ("LifecycleEvent", "LifecycleKind")

LifecycleKind = Literal["copied", "moved", "created", "loaded", "unloaded", "updated"]


class LifecycleEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Published on topic ``model.<event>`` once the server confirmed the change.

    ``source`` is the model copied or created from (copy, move, create); ``digest`` the new
    digest (create, update) and ``old_digest`` the one it replaced (update).
    """

    event: LifecycleKind
    model: str
    host: str
    source: str | None = None
    digest: str | None = None
    old_digest: str | None = None
