"""What the inventory shares with other runtimes, as bytes: a host's list (a *snapshot*) and
the ``/api/show`` facts of a digest; and the rule for when another runtime's snapshot may
stand in for asking the host.

Pure (msgspec, no event loop). Each document is a tagged, versioned Struct, so a reader
never mistakes a foreign or older layout for ours: anything that does not decode to exactly
this shape (or names another host or digest than its key) reads as absent, never as an error.
"""

from __future__ import annotations

import msgspec

from ollm_actors.inventory.types import ModelDetails
from ollm_actors.ollama.types import ListedModel
from ollm_actors.state.interface import Stamped

__all__ = (
    "FactsDocument",
    "SharedDetails",
    "SharedList",
    "SnapshotDocument",
    "decode_facts",
    "decode_snapshot",
    "encode_facts",
    "encode_snapshot",
    "usable_facts",
    "usable_snapshot",
)


class SnapshotDocument(msgspec.Struct, frozen=True, kw_only=True, tag="ollm.snapshot.1"):
    """One host's ``/api/tags`` entries, as the runtime that asked the host received them."""

    host: str
    models: list[ListedModel]


class FactsDocument(msgspec.Struct, frozen=True, kw_only=True, tag="ollm.facts.1"):
    """The facts learned of one digest, and the runtime (``origin``) that asked for them."""

    digest: str
    origin: str
    details: ModelDetails


class SharedList(msgspec.Struct, frozen=True):
    """A host's list read from another runtime's shared snapshot (the host was not asked):
    its ``models``, when that runtime got them (``stamp``, Unix time) and its ``origin``."""

    models: list[ListedModel]
    stamp: float
    origin: str


class SharedDetails(msgspec.Struct, frozen=True):
    """A digest's ``/api/show`` facts another runtime (``origin``) learned and shared."""

    details: ModelDetails
    origin: str


_snapshot_decoder = msgspec.msgpack.Decoder(SnapshotDocument)
_facts_decoder = msgspec.msgpack.Decoder(FactsDocument)


def encode_snapshot(host: str, models: list[ListedModel]) -> bytes:
    """``host``'s list as the bytes :func:`decode_snapshot` reads back."""
    return msgspec.msgpack.encode(SnapshotDocument(host=host, models=models))


def decode_snapshot(raw: bytes, host: str) -> list[ListedModel] | None:
    """The list in ``raw`` when it is a snapshot of ``host``; None for anything else."""
    try:
        document = _snapshot_decoder.decode(raw)
    except (msgspec.DecodeError, ValueError):
        return None
    return document.models if document.host == host else None


def encode_facts(origin: str, details: ModelDetails) -> bytes:
    """The facts ``details`` (learned by runtime ``origin``) as :func:`decode_facts` reads."""
    return msgspec.msgpack.encode(
        FactsDocument(digest=details.digest, origin=origin, details=details)
    )


def decode_facts(raw: bytes, digest: str) -> FactsDocument | None:
    """The facts in ``raw`` when they are about ``digest``; None for anything else."""
    try:
        document = _facts_decoder.decode(raw)
    except (msgspec.DecodeError, ValueError):
        return None
    if document.digest != digest or document.details.digest != digest:
        return None
    return document


def usable_snapshot(
    stamped: Stamped | None,
    *,
    host: str,
    origin: str,
    own_stamp: float | None,
    wall: float,
    ttl: float,
) -> SharedList | None:
    """The list another runtime shared of ``host`` when it may be used instead of asking the
    host at ``wall`` (Unix time): written by another origin than ``origin`` (this runtime's
    own snapshots are what it already holds), newer than the list held (``own_stamp``, None
    when none was fetched or shared) and younger than ``ttl`` seconds, and decodable as a
    snapshot of ``host``. None otherwise: the host is asked."""
    if stamped is None or stamped.origin == origin:
        return None
    if own_stamp is not None and stamped.stamp <= own_stamp:
        return None
    # Another machine's clock may run a little ahead of this one's: a stamp up to ``ttl`` in
    # the future still counts as fresh, one further off is not believed.
    if not -ttl < wall - stamped.stamp < ttl:
        return None
    models = decode_snapshot(stamped.value, host)
    if models is None:
        return None
    return SharedList(models=models, stamp=stamped.stamp, origin=stamped.origin)


def usable_facts(
    raw: bytes | None, *, digest: str, origin: str, name: str, host: str
) -> SharedDetails | None:
    """Facts another runtime learned of ``digest``, relabelled for model ``name`` on ``host``
    (a digest's facts are the same wherever it is installed); None when there are none, when
    they are this runtime's own (``origin``) or when ``raw`` is not such a document."""
    document = None if raw is None else decode_facts(raw, digest)
    if document is None or document.origin == origin:
        return None
    details = msgspec.structs.replace(document.details, name=name, host=host, stale=False)
    return SharedDetails(details=details, origin=document.origin)
