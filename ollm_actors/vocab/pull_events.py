"""Payloads the downloads actor publishes. The same Structs are the NDJSON lines of
``ollm pull --json`` and what the inventory listens to, so one definition serves all three."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ("PULL_EVENTS", "TERMINAL_EVENTS", "ModelDeleted", "PullEvent", "PullEventKind")

PullEventKind = Literal["queued", "progress", "retrying", "done", "failed", "cancelled"]
PULL_EVENTS: tuple[PullEventKind, ...] = (
    "queued",
    "progress",
    "retrying",
    "done",
    "failed",
    "cancelled",
)
TERMINAL_EVENTS: frozenset[str] = frozenset({"done", "failed", "cancelled"})


class PullEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event of a pull, published on topic ``pull.<event>``.

    ``completed``/``total`` are bytes over every layer seen so far; they never go backwards
    within a pull, also across retries.
    """

    event: PullEventKind
    model: str
    host: str
    completed: int = 0
    total: int = 0
    phase: str = "queued"
    status: str = ""
    rate: float | None = None
    eta: float | None = None
    attempt: int = 1
    error: str | None = None
    error_type: str | None = None
    retry_in: float | None = None
    #: which pull of this (host, model) the event belongs to: a later pull gets a larger id
    pull_id: int = 0
    #: for a failed pull of an unknown name, close names that do exist
    suggestions: tuple[str, ...] = ()

    @property
    def terminal(self) -> bool:
        """True for ``done``, ``failed`` and ``cancelled``: nothing follows for this pull."""
        return self.event in TERMINAL_EVENTS


class ModelDeleted(msgspec.Struct, frozen=True, kw_only=True):
    """Published on topic ``model.deleted`` after a model was removed from a host."""

    model: str
    host: str
