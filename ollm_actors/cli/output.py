"""Rendering shared by the commands: JSON documents, warnings and errors."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import msgspec

from ollm_actors.errors import OllmError

_encoder = msgspec.json.Encoder()


def print_json(data: Any) -> None:
    """One JSON document on stdout (Structs, dicts, lists; bytes written directly)."""
    sys.stdout.buffer.write(_encoder.encode(data) + b"\n")
    sys.stdout.flush()


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def warn(text: str) -> None:
    _stderr_console().print(f"[yellow]warning:[/yellow] {text}", markup=True)


def report_error(error: OllmError, *, as_json: bool, verbose: bool) -> None:
    """``--json``: ``{"error": {...facts}}`` on stdout; else one red line on stderr.

    The traceback is shown only with ``-v``.
    """
    if as_json:
        print_json({"error": error.facts()})
    if verbose and error.__traceback__ is not None:
        traceback.print_exception(error, file=sys.stderr)
    if not as_json:
        from rich.markup import escape

        _stderr_console().print(f"[bold red]error:[/bold red] {escape(str(error))}")
