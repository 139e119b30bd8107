"""What the lifecycle calls of ``rt.models`` return (plain data; the same Structs are the
``--json`` output of ``ollm create``, ``push`` and ``update``)."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ("CreateResult", "PushResult", "UpdateResult", "UpdateStatus")

#: ``planned`` only in a dry run: the model would be pulled again
UpdateStatus = Literal["updated", "unchanged", "local", "failed", "planned"]


class CreateResult(msgspec.Struct, frozen=True, kw_only=True):
    """A model created from ``base`` on ``host``; ``statuses`` are the server's status lines
    in order (``using existing layer …``, ``writing manifest``, ``success``)."""

    model: str
    host: str
    base: str
    digest: str | None
    parameters: dict[str, object]
    statuses: tuple[str, ...]


class PushResult(msgspec.Struct, frozen=True, kw_only=True):
    """A model pushed from ``host`` to its registry: bytes sent over every layer."""

    model: str
    host: str
    completed: int
    total: int
    elapsed: float


class UpdateResult(msgspec.Struct, frozen=True, kw_only=True):
    """One model's update on one host: ``updated`` (the digest changed: ``old_digest`` →
    ``new_digest``), ``unchanged``, ``local`` (the registry has no such model: one made on the
    host, like a copy or a create; nothing to update, ``reason`` says so), ``failed``
    (``reason``, ``error_type``) or, in a dry run, ``planned``."""

    model: str
    host: str
    status: UpdateStatus
    old_digest: str | None = None
    new_digest: str | None = None
    reason: str | None = None
    error_type: str | None = None
