"""The inventory's cache file of one host: the wire Structs it fetched, with a format number.

One document per host (``inventory-<host>-<hash>.json`` in the cache dir): the ``/api/tags``
entries, the ``/api/ps`` entries and the ``/api/show`` facts learned per digest. The host is
stored in its display form, so credentials never reach the disk. Reading and writing block;
the actor calls them through ``anyio.to_thread``.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ollm_actors.inventory.cache import (
    CACHE_FORMAT,
    CacheProblem,
    cache_path_for,
    read_cache,
    set_aside,
    write_cache_atomic,
)
from ollm_actors.inventory.types import ModelDetails
from ollm_actors.ollama.types import ListedModel, RunningModel

__all__ = ("HostCacheFile", "encode_cache", "load_host_cache", "save_host_cache")


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
    if isinstance(found, HostCacheFile) and found.host != host:
        return set_aside(path, f"cache file of {found.host}, expected {host}", stamp=stamp)
    return found


def save_host_cache(directory: Path, host: str, data: bytes) -> None:
    """Write the encoded cache of ``host`` atomically. Blocking; raises ``OSError``."""
    write_cache_atomic(cache_path_for(directory, host), data)
