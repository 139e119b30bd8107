"""The inventory's persistent cache: one JSON file per host, written atomically.

A file is ``{"format": N, ...}``; a file that does not decode, or carries another format
number, is *set aside* (renamed with a ``.bad-<time>`` suffix) so that the user can look at it
and the fresh data is never lost or overwritten by it. File names are derived from the host's
URL without credentials, so secrets never reach the disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import TypeVar

import msgspec

__all__ = (
    "CACHE_FORMAT",
    "CacheProblem",
    "cache_path_for",
    "read_cache",
    "set_aside",
    "write_cache_atomic",
)

CACHE_FORMAT = 1

T = TypeVar("T")

_SLUG = re.compile(r"[^A-Za-z0-9.-]+")


class CacheProblem(msgspec.Struct, frozen=True, kw_only=True):
    """Why a cache file could not be used, and where it was moved."""

    path: str
    reason: str
    moved_to: str | None


def cache_path_for(directory: Path, host_url: str) -> Path:
    """The cache file of a host: a readable slug plus a short hash (two URLs never collide).

    ``host_url`` must already be free of credentials (``OllamaHost.url``).
    """
    slug = _SLUG.sub("_", host_url.split("://", 1)[-1]).strip("_")[:60]
    digest = hashlib.sha256(host_url.encode()).hexdigest()[:10]
    return directory / f"inventory-{slug}-{digest}.json"


def set_aside(path: Path, reason: str, *, stamp: int) -> CacheProblem:
    """Move an unusable cache file out of the way (blocking) and say where it went: beside
    it, as ``<name>.bad-<stamp>`` (``stamp``: the runtime clock's Unix time).

    For content :func:`read_cache` decoded but the caller rejects (another host's file).
    Never raises: a file that cannot be moved is reported with ``moved_to=None``.
    """
    return _set_aside(path, reason, stamp)


def _set_aside(path: Path, reason: str, stamp: int) -> CacheProblem:
    target = path.with_name(f"{path.name}.bad-{stamp}")
    try:
        path.replace(target)
    except OSError:
        return CacheProblem(path=str(path), reason=reason, moved_to=None)
    return CacheProblem(path=str(path), reason=reason, moved_to=str(target))


def read_cache(
    path: Path, kind: type[T], fmt: int = CACHE_FORMAT, *, stamp: int
) -> T | CacheProblem | None:
    """Read and decode a cache file (blocking; call through ``anyio.to_thread``).

    Returns the decoded value, ``None`` when there is no file, or a :class:`CacheProblem`
    after setting aside a corrupt or foreign file (see :func:`set_aside` for ``stamp``).
    Never raises for bad content.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return CacheProblem(path=str(path), reason=f"unreadable: {exc.strerror}", moved_to=None)
    try:
        header = msgspec.json.decode(raw, type=_Header)
    except msgspec.DecodeError as exc:
        return _set_aside(path, f"not a cache file ({exc})", stamp)
    if header.format != fmt:
        return _set_aside(path, f"cache format {header.format}, expected {fmt}", stamp)
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.DecodeError as exc:
        return _set_aside(path, f"corrupt cache file ({exc})", stamp)


class _Header(msgspec.Struct):
    format: int


def write_cache_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, replace).

    Raises ``OSError`` when the folder cannot be written; a reader never sees half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
