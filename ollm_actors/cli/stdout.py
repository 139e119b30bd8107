"""Writing to standard output when it may be closed, full or gone. Standard library only:
`ollm --help` imports this module."""

from __future__ import annotations

import sys

__all__ = ("OutputFailed", "silence_stdout", "write_listing", "write_stdout")


class OutputFailed(Exception):
    """Standard output is closed, full or gone: the command ends (exit 1), with one line on
    stderr unless the reader simply went away (a broken pipe, as ``| head`` does)."""

    def __init__(self, reason: str, *, broken_pipe: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.broken_pipe = broken_pipe


def write_stdout(data: bytes) -> None:
    """Write and flush ``data`` on stdout; raises :class:`OutputFailed` when it cannot."""
    stream = sys.stdout
    if stream is None:
        raise OutputFailed("standard output is closed")
    try:
        stream.buffer.write(data)
        stream.flush()
    except BrokenPipeError:
        raise OutputFailed("standard output was closed by its reader", broken_pipe=True) from None
    except (OSError, ValueError) as exc:  # ENOSPC (/dev/full), EBADF, a closed file
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OutputFailed(f"cannot write to standard output: {why}") from None


def write_listing(data: bytes) -> None:
    """:func:`write_stdout` for a listing (``ollm list``): a reader that left early (a broken
    pipe, as ``| head -1`` does) is not a failure — the command did what it was asked, so it
    ends with exit 0 whether the reader left before or after the last byte, as ``ls | head``
    does. stdout is then silenced. Other failures (a full disk, a closed descriptor) raise
    :class:`OutputFailed` as ever (exit 1)."""
    try:
        write_stdout(data)
    except OutputFailed as exc:
        if not exc.broken_pipe:
            raise
        silence_stdout()


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of a broken or full
    stdout cannot print a traceback on the way out."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        return
