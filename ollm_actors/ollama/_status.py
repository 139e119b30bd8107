"""What an answer's status line and headers mean: redirects, errors, an unasked encoding."""

from __future__ import annotations

import httpx
import msgspec

from ollm_actors.errors import ModelNotFound, ProtocolError, ServerError
from ollm_actors.ollama._errors import redact
from ollm_actors.ollama.types import error_decoder

__all__ = ("check_encoding", "check_status", "error_text")

# A server's error text is quoted in messages; a proxy's HTML page should not be, in full.
_BODY_LIMIT = 500


def error_text(body: bytes) -> str:
    """The server's ``error`` message if the body is Ollama's JSON error, else the raw text."""
    try:
        message = error_decoder.decode(body).error
    except msgspec.MsgspecError:
        message = ""
    text = message or body.decode("utf-8", "replace").strip()
    return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + "..."


def check_status(
    host: str,
    status: int,
    body: bytes,
    endpoint: str,
    model: str | None,
    headers: httpx.Headers | None = None,
) -> None:
    """Raise for an answer of ``host`` that is not a success: ``ServerError`` for a redirect
    (naming the new address, redacted) or an HTTP error, ``ModelNotFound`` for a 404 about
    ``model``."""
    if 300 <= status < 400:
        location = headers.get("location", "elsewhere") if headers is not None else "elsewhere"
        raise ServerError(
            host,
            endpoint,
            status,
            f"redirected to {redact(location)}; use that address as the host",
        )
    if status < 400:
        return
    if status == 404 and model is not None:
        raise ModelNotFound(model, host)
    raise ServerError(host, endpoint, status, error_text(body))


def check_encoding(host: str, endpoint: str, headers: httpx.Headers) -> None:
    """Raise ``ProtocolError`` for a body compressed although only identity was accepted."""
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ProtocolError(
            host,
            endpoint,
            f"answer compressed with {encoding!r} although only 'identity' was accepted",
        )
