"""The streaming reader of one pull's NDJSON progress lines (``POST /api/pull``).

:class:`PullLines` is re-exported by :mod:`ollm_actors.ollama.client`, whose
``OllamaClient.pull`` is the only maker of one; import it from there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

import httpx

from ollm_actors.errors import HostUnreachable, OllmError, ProtocolError, PullFailed
from ollm_actors.ollama._bounds import (
    DEFAULT_MAX_JSON_DEPTH,
    MIB,
    RawStream,
    decode_json,
    size_text,
)
from ollm_actors.ollama._errors import HTTPX_ERRORS
from ollm_actors.ollama.types import PullLine, pull_line_decoder

__all__ = ("PullLines", "snippet")

# How much of an undecodable answer an error quotes: enough to recognise it, not a dump.
_SNIPPET = 80


def snippet(raw: bytes) -> str:
    """The start of an undecodable answer, as text an error message can quote."""
    return raw[:_SNIPPET].decode("utf-8", "replace")


class PullLines:
    """The progress lines of one pull, read incrementally from the HTTP stream.

    ``async for line in lines`` yields :class:`~ollm_actors.ollama.types.PullLine` objects up
    to and including the ``success`` line, then stops. Raises
    :class:`~ollm_actors.errors.PullFailed` on an ``{"error": ...}`` line,
    :class:`~ollm_actors.errors.ProtocolError` on an undecodable line (with its 1-based line
    number; also for a line longer than ``max_line_bytes`` or JSON nested deeper than
    ``max_depth``) and :class:`~ollm_actors.errors.HostUnreachable` when the connection
    drops, stalls beyond the read timeout, or closes before ``success``. Obtain it from
    ``OllamaClient.pull``; the stream is closed when that block exits.

    ``translate(exc, endpoint)`` turns an httpx exception met while reading into the client's
    typed error, so the timeouts it names are the client's.
    """

    def __init__(
        self,
        response: httpx.Response,
        model: str,
        host: str,
        translate: Callable[[Exception, str], OllmError],
        *,
        max_line_bytes: int = MIB,
        max_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        self._stream = RawStream(response)
        self._model = model
        self._host = host
        self._translate = translate
        self._max_line = max_line_bytes
        self._max_depth = max_depth
        self._pending: list[bytes] = []
        self._index = 0
        self._partial = b""
        self._line_number = 0
        self._finished = False
        self._succeeded = False
        self._closed = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> PullLine:
        if self._closed:
            raise RuntimeError("the pull's stream is closed: iterate inside 'async with'")
        while True:
            if self._index < len(self._pending):
                raw = self._pending[self._index]
                self._index += 1
                self._line_number += 1
                if not raw.strip():
                    continue
                return self._decode(raw)
            if self._succeeded:
                raise StopAsyncIteration
            if self._finished:
                raise HostUnreachable(self._host, "connection closed before the pull finished")
            try:
                chunk = await self._stream.next()
            except HTTPX_ERRORS as exc:
                raise self._translate(exc, "/api/pull") from exc
            if chunk is None:
                self._finished = True
                # A last line without its newline still counts.
                self._pending, self._index = [self._partial], 0
                self._partial = b""
                continue
            # Split on newlines ourselves: bytes in, bytes out, no text decoding.
            lines = chunk.split(b"\n")
            if self._partial:
                lines[0] = self._partial + lines[0]
            self._partial = lines.pop()
            # A line that never ends must not grow past its bound while we wait for its end.
            if len(self._partial) > self._max_line:
                self._line_number += len(lines) + 1
                raise self._too_long(self._partial)
            self._pending, self._index = lines, 0

    def _too_long(self, raw: bytes) -> ProtocolError:
        return ProtocolError(
            self._host,
            "/api/pull",
            f"progress line longer than {size_text(self._max_line)}"
            " (limit providers.ollama.limits.maxLineBytes)",
            line=self._line_number,
            snippet=snippet(raw),
        )

    def _fail(self, raw: bytes, reason: str) -> ProtocolError:
        return ProtocolError(
            self._host,
            "/api/pull",
            f"not a pull progress line: {reason}",
            line=self._line_number,
            snippet=snippet(raw),
        )

    def _decode(self, raw: bytes) -> PullLine:
        if len(raw) > self._max_line:
            raise self._too_long(raw)
        line = decode_json(
            pull_line_decoder,
            raw,
            max_depth=self._max_depth,
            fail=lambda reason: self._fail(raw, reason),
        )
        if line.error is not None:
            raise PullFailed(self._model, self._host, reason=line.error)
        if line.status == "success":
            # Nothing follows success; stop here rather than wait for the server to hang up.
            self._pending, self._index, self._succeeded = [], 0, True
        return line

    async def aclose(self) -> None:
        """Close the HTTP stream and finish every reader under it (see ``RawStream``).
        Idempotent; never raises an httpx exception."""
        if self._closed:
            return
        self._closed = True
        await self._stream.aclose()
