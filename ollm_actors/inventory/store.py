"""The inventory's cache file of one host: the wire Structs it fetched, with a format number.

One document per host (``inventory-<host>-<hash>.json`` in the cache dir): the ``/api/tags``
entries, the ``/api/ps`` entries and the ``/api/show`` facts learned per digest. The host is
stored in its display form without query or fragment
(:func:`~ollm_actors.inventory.cache.display_host`), so credentials and tokens never reach
the disk. Reading and writing block; the actor
calls them through ``anyio.to_thread``.

Several processes (each ``ollm`` command is one) write the same files. The lists are
snapshots, so the last writer wins; ``/api/show`` facts are learned one model at a time, so
a write merges the facts already on disk with its own, read and written under the cache
dir's advisory lock, and no process loses another's.
"""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec

from ollm_actors.inventory.cache import (
    CACHE_FORMAT,
    CacheProblem,
    cache_path_for,
    canonical_host,
    directory_lock,
    display_host,
    read_cache,
    set_aside,
    write_cache_atomic,
)
from ollm_actors.inventory.types import ModelDetails
from ollm_actors.ollama.types import ListedModel, RunningModel

__all__ = ("HostCacheFile", "encode_cache", "load_host_cache", "save_host_cache")

logger = logging.getLogger("ollm_actors.inventory")


class HostCacheFile(msgspec.Struct, kw_only=True):
    """The cache document of one host; ``fetched_at`` is the RFC 3339 time of the last good
    fetch of ``models``."""

    format: int = CACHE_FORMAT
    host: str
    fetched_at: str | None = None
    models: list[ListedModel] = msgspec.field(default_factory=list)
    loaded: list[RunningModel] = msgspec.field(default_factory=list)
    shown: dict[str, ModelDetails] = msgspec.field(default_factory=dict)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(HostCacheFile)


def encode_cache(document: HostCacheFile) -> bytes:
    """The document as JSON bytes (fast: called by the actor itself)."""
    return _encoder.encode(document)


def load_host_cache(
    directory: Path, host: str, *, stamp: int
) -> HostCacheFile | CacheProblem | None:
    """Read the cache of ``host`` (display URL) from ``directory``. Blocking.

    Returns the document, None when there is none, or a :class:`CacheProblem` after setting
    aside a corrupt or foreign file (one written for another host included; ``stamp`` names
    the set-aside copy, see :func:`~ollm_actors.inventory.cache.set_aside`). Never raises.
    """
    path = cache_path_for(directory, host)
    found = read_cache(path, HostCacheFile, stamp=stamp)
    expected = canonical_host(host)
    if isinstance(found, HostCacheFile) and canonical_host(found.host) != expected:
        return set_aside(path, f"cache file of {found.host}, expected {expected}", stamp=stamp)
    return found


def save_host_cache(directory: Path, host: str, data: bytes, *, stamp: int = 0) -> None:
    """Write the encoded cache of ``host`` atomically, keeping the ``/api/show`` facts other
    processes wrote there (see the module docstring); ``stamp`` names a corrupt file found
    on the way, which is set aside. Blocking; raises ``OSError`` (``EAGAIN`` when another
    process holds the lock too long)."""
    ours = _decoder.decode(data)
    ours.host = display_host(ours.host)
    ours.shown = {
        digest: msgspec.structs.replace(facts, host=display_host(facts.host))
        for digest, facts in ours.shown.items()
    }
    directory.mkdir(parents=True, exist_ok=True)
    with directory_lock(directory):
        found = load_host_cache(directory, host, stamp=stamp)
        if isinstance(found, CacheProblem):
            logger.warning("inventory cache %s set aside: %s", found.path, found.reason)
        elif found is not None:
            # Ours win where both know a digest: a digest's facts never change, and ours
            # are the newer reading anyway.
            ours.shown = found.shown | ours.shown
        write_cache_atomic(cache_path_for(directory, host), _encoder.encode(ours))
