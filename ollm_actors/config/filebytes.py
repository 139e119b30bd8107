"""Reading a settings file's text, whatever its format, within bounds: a regular file only
(no FIFO, device or directory, which could hang or never end), at most
:data:`MAX_FILE_BYTES`, UTF-8."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ("MAX_FILE_BYTES", "SettingsFileError", "read_text")

#: largest settings file read: thousands of times a real one, small enough to parse at once
MAX_FILE_BYTES = 1024 * 1024

class SettingsFileError(Exception):
    """A settings file that cannot be read or parsed (internal; the loader turns it into a
    :class:`~ollm_actors.errors.SettingsProblem`)."""

    def __init__(self, found: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(found)
        self.found = found
        self.line = line
        self.column = column



def _check_kind(info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise SettingsFileError("a directory, not a settings file")
    if not stat.S_ISREG(info.st_mode):
        # /dev/zero never ends, a FIFO may never answer: neither is a settings file.
        raise SettingsFileError("a device, FIFO or socket, not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise SettingsFileError(
            f"a file of {info.st_size} bytes (settings files are at most {MAX_FILE_BYTES})"
        )


def _read_bytes(path: Path) -> bytes:
    try:
        _check_kind(path.stat())
        # Non-blocking, so that a FIFO swapped in after the stat cannot hang the open; the
        # fstat then sees what was really opened.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SettingsFileError(f"an unreadable file ({reason})") from None
    try:
        _check_kind(os.fstat(fd))
        chunks: list[bytes] = []
        left = MAX_FILE_BYTES + 1
        # The file may grow after the fstat; reading one byte past the limit tells.
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise SettingsFileError(f"an unreadable file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if left <= 0:
        raise SettingsFileError(f"a file larger than {MAX_FILE_BYTES} bytes")
    return b"".join(chunks)



def read_text(path: Path) -> str:
    """The UTF-8 text of the settings file at ``path``.

    Raises :class:`FileNotFoundError` when it does not exist, and :class:`SettingsFileError`
    at once, without reading, when it is not a regular file or is larger than
    :data:`MAX_FILE_BYTES`; also when it cannot be read or is not UTF-8.
    """
    raw = _read_bytes(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsFileError(f"a file that is not UTF-8 text ({exc.reason})") from None
