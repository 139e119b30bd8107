"""The inventory's persistent cache: one JSON file per host, written atomically.

A file is ``{"format": N, ...}``; a file that does not decode (too big or too deeply nested
included), or carries another format number, is *set aside* (renamed with a
``.bad-<time>`` suffix, made unique) so that the user can look at it and the fresh data is
never lost or overwritten by it. File names are a hash of the host's canonical URL (no
credentials, query or fragment), so secrets never reach the disk.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import msgspec

__all__ = (
    "CACHE_FORMAT",
    "LOCK_TIMEOUT",
    "MAX_CACHE_BYTES",
    "STALE_TEMP_AGE",
    "CacheProblem",
    "cache_path_for",
    "canonical_host",
    "directory_lock",
    "display_host",
    "read_cache",
    "remove_stale_temps",
    "set_aside",
    "write_cache_atomic",
)

CACHE_FORMAT = 1

MAX_CACHE_BYTES = 64 * 1024 * 1024
"""A cache file bigger than this is set aside unread: a real one is a few hundred KB, and
reading a huge one whole would stall every start-up."""

STALE_TEMP_AGE = 60.0
"""A temp file older than this (seconds) is a killed writer's leftover: a live write lasts
milliseconds."""

T = TypeVar("T")

_SLUG = re.compile(r"[^A-Za-z0-9.-]+")
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@")


class CacheProblem(msgspec.Struct, frozen=True, kw_only=True):
    """Why a cache file could not be used, and where it was moved."""

    path: str
    reason: str
    moved_to: str | None


def canonical_host(host_url: str) -> str:
    """``host_url`` without what must never reach the disk or tell two spellings apart:
    userinfo (real or ``***``), query and fragment; scheme and host part lower-cased."""
    url = _USERINFO.sub(r"\g<scheme>", host_url.strip())
    url = url.split("#", 1)[0].split("?", 1)[0]
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{netloc.lower()}{slash}{path}".rstrip("/")


def display_host(host_url: str) -> str:
    """``host_url`` as a cache file may hold it: userinfo shown as ``***``, no query or
    fragment (a token can hide in either)."""
    url = _USERINFO.sub(r"\g<scheme>***@", host_url.strip())
    return url.split("#", 1)[0].split("?", 1)[0]


def cache_path_for(directory: Path, host_url: str) -> Path:
    """The cache file of a host: a readable slug plus a hash of :func:`canonical_host`
    (two hosts never collide, two spellings of one host never differ)."""
    canonical = canonical_host(host_url)
    slug = _SLUG.sub("_", canonical.split("://", 1)[-1]).strip("_")[:60]
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:10]
    return directory / f"inventory-{slug}-{digest}.json"


def set_aside(path: Path, reason: str, *, stamp: int) -> CacheProblem:
    """Move an unusable cache file out of the way (blocking) and say where it went: beside
    it, as ``<name>.bad-<stamp>`` (``stamp``: the runtime clock's Unix time), or
    ``<name>.bad-<stamp>-<n>`` when that name is taken, so that no set-aside file is
    overwritten.

    For content :func:`read_cache` decoded but the caller rejects (another host's file).
    Never raises: a file that cannot be moved is reported with ``moved_to=None``.
    """
    return _set_aside(path, reason, stamp)


def _set_aside(path: Path, reason: str, stamp: int) -> CacheProblem:
    base = f"{path.name}.bad-{stamp}"
    try:
        for n in range(1, 10_000):
            target = path.with_name(base if n == 1 else f"{base}-{n}")
            # Checked, then renamed: another process could take the name in between, but
            # only one setting aside the same second; rename-without-replace is not portable.
            if not target.exists() and not target.is_symlink():
                path.replace(target)
                return CacheProblem(path=str(path), reason=reason, moved_to=str(target))
    except OSError:
        pass
    return CacheProblem(path=str(path), reason=reason, moved_to=None)


def read_cache(
    path: Path, kind: type[T], fmt: int = CACHE_FORMAT, *, stamp: int
) -> T | CacheProblem | None:
    """Read and decode a cache file (blocking; call through ``anyio.to_thread``).

    Returns the decoded value, ``None`` when there is no file, or a :class:`CacheProblem`
    after setting aside a corrupt, foreign, nested too deep or bigger than
    :data:`MAX_CACHE_BYTES` file (see :func:`set_aside` for ``stamp``). Never raises for bad
    content.
    """
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CACHE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return CacheProblem(path=str(path), reason=f"unreadable: {exc.strerror}", moved_to=None)
    if len(raw) > MAX_CACHE_BYTES:
        return _set_aside(path, f"bigger than {MAX_CACHE_BYTES} bytes", stamp)
    try:
        header = msgspec.json.decode(raw, type=_Header)
    except _UNDECODABLE as exc:
        return _set_aside(path, f"not a cache file ({_why(exc)})", stamp)
    if header.format != fmt:
        return _set_aside(path, f"cache format {header.format}, expected {fmt}", stamp)
    try:
        return msgspec.json.decode(raw, type=kind)
    except _UNDECODABLE as exc:
        return _set_aside(path, f"corrupt cache file ({_why(exc)})", stamp)


# msgspec raises RecursionError for deep nesting even where the nested part would be
# skipped, and MemoryError for absurd sizes; DecodeError is a ValueError.
_UNDECODABLE = (ValueError, RecursionError, MemoryError)


def _why(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__


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


def remove_stale_temps(directory: Path, *, wall: float, older_than: float = STALE_TEMP_AGE) -> int:
    """Delete the temp files of :func:`write_cache_atomic` last modified more than
    ``older_than`` seconds before ``wall`` (Unix time): a killed writer's leftovers. Blocking;
    never raises. Returns how many were removed."""
    removed = 0
    try:
        entries = list(directory.iterdir())
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(".inventory-") and name.endswith(".tmp")):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file() and entry.stat().st_mtime < wall - older_than:
                entry.unlink()
                removed += 1
    return removed


LOCK_TIMEOUT = 10.0
"""How long a writer waits for another process's lock before giving up on this write (it
is retried later): a healthy holder keeps it for one small read and write."""


@contextlib.contextmanager
def directory_lock(directory: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the advisory lock of the cache ``directory`` (blocking; ``flock`` on the
    directory itself, a no-op where there is no ``fcntl``).

    The directory, not a file, is locked: cache files are replaced (a new inode each time,
    so a lock on one would guard nothing) and a lock file would be one more thing in the
    cache dir. Raises ``OSError`` (``EAGAIN``) when another process holds it for longer than
    ``timeout`` seconds, so a stuck process cannot stall this one's writes forever.
    """
    if sys.platform == "win32":
        yield
        return
    import fcntl

    fd = os.open(directory, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OSError(
                        errno.EAGAIN, "cache dir locked by another process"
                    ) from None
                # Polled rather than blocking in flock, which no timeout can interrupt.
                time.sleep(0.005)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
