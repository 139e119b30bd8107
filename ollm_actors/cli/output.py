"""Rendering shared by the commands: JSON documents, warnings and errors."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import Any

import msgspec

from ollm_actors.cli.stdout import write_stdout
from ollm_actors.errors import OllmError, ProtocolError
from ollm_actors.vocab.safe_text import safe_line, safe_text

_encoder = msgspec.json.Encoder()
# JSON escapes C0 controls but lets DEL and the C1 controls (UTF-8 ``C2 80``-``C2 9F``)
# through raw, and some terminals obey C1 as 8-bit CSI/OSC. ``C2`` is a lead byte and DEL
# is ASCII, so neither can be part of another character; both only occur inside strings.
_RAW_CONTROLS = re.compile(rb"\x7f|\xc2[\x80-\x9f]")


def _escaped(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group().decode())


def json_bytes(data: Any) -> bytes:
    """``data`` as one JSON line (Structs, dicts, lists), with no raw control character: the
    same document a decoder reads, safe on a terminal too."""
    encoded = _encoder.encode(data)
    if b"\x7f" in encoded or b"\xc2" in encoded:
        encoded = _RAW_CONTROLS.sub(_escaped, encoded)
    return encoded + b"\n"


def print_json(data: Any) -> None:
    """One JSON document on stdout (see :func:`json_bytes`)."""
    write_stdout(json_bytes(data))


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def warn(text: str) -> None:
    """``warning: TEXT`` on stderr; ``text`` may quote a server or a file, so it is made one
    safe line and its brackets are not read as rich markup."""
    from rich.markup import escape

    _stderr_console().print(f"[yellow]warning:[/yellow] {escape(safe_line(text))}", markup=True)


def error_text(error: OllmError, context: str | None = None) -> str:
    """The text of an error line: ``context: `` first when given, and the kind of failure
    named where the message alone does not say it (a protocol error)."""
    text = str(error)
    if isinstance(error, ProtocolError):
        text = f"protocol error: {text}"
    return f"{context}: {text}" if context else text


def report_error(
    error: OllmError, *, as_json: bool, verbose: bool, context: str | None = None
) -> None:
    """``--json``: ``{"error": {...facts}}`` on stdout; else one red line on stderr
    (see :func:`error_text` for ``context``).

    The traceback is shown only with ``-v``.
    """
    if as_json:
        print_json({"error": error.facts()})
    if verbose and error.__traceback__ is not None:
        traceback.print_exception(error, file=sys.stderr)
    if not as_json:
        from rich.markup import escape

        line = escape(safe_line(error_text(error, context)))
        _stderr_console().print(f"[bold red]error:[/bold red] {line}")


class _StderrWarnings(logging.Handler):
    """The library's log records as ``warning: ...`` lines on the current ``sys.stderr``.

    Looked up at each record, so a test that swaps ``sys.stderr`` still sees them; the
    traceback a record carries is shown only with ``-v``.
    """

    def __init__(self, verbose: bool) -> None:
        super().__init__(logging.INFO if verbose else logging.WARNING)
        self.verbose = verbose

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = safe_line(f"{record.levelname.lower()}: {record.getMessage()}")
            if self.verbose and record.exc_info:
                trace = "".join(traceback.format_exception(*record.exc_info)).rstrip()
                text += "\n" + safe_text(trace)
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def show_library_warnings(*, verbose: bool) -> None:
    """Route the ``ollm_actors`` loggers to stderr as one-line warnings (idempotent).

    Without a handler Python's last-resort one would print bare messages, and tracebacks of
    records that carry one (a handler anywhere on the logger's chain turns it off).
    """
    logger = logging.getLogger("ollm_actors")
    for handler in logger.handlers:
        if isinstance(handler, _StderrWarnings):
            handler.verbose = verbose
            handler.setLevel(logging.INFO if verbose else logging.WARNING)
            return
    logger.addHandler(_StderrWarnings(verbose))
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
