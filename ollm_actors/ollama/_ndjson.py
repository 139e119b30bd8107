"""The one bounded reader of Ollama's NDJSON progress streams (pull, push, create).

Every streaming endpoint answers the same way: ``ProgressResponse`` objects, one a line, an
``{"error": ...}`` line for a failure. What differs is only when a stream has ended well and
what an error line becomes, so :class:`ProgressLines` keeps the reading (bytes in, bytes out,
split on newlines ourselves, every bound checked before a line can grow past it) and its
subclasses say those two things.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

import httpx

from ollm_actors.errors import HostUnreachable, OllmError, ProtocolError
from ollm_actors.ollama._bounds import (
    DEFAULT_MAX_JSON_DEPTH,
    MIB,
    RawStream,
    decode_json,
    size_text,
)
from ollm_actors.ollama._errors import HTTPX_ERRORS
from ollm_actors.ollama.types import PullLine, pull_line_decoder

__all__ = ("ProgressLines", "snippet")

# How much of an undecodable answer an error quotes: enough to recognise it, not a dump.
_SNIPPET = 80


def snippet(raw: bytes) -> str:
    """The start of an undecodable answer, as text an error message can quote."""
    return raw[:_SNIPPET].decode("utf-8", "replace")


class ProgressLines:
    """The progress lines of one streaming call, read incrementally from its HTTP stream.

    ``async for line in lines`` yields :class:`~ollm_actors.ollama.types.PullLine` objects.
    Raises :class:`~ollm_actors.errors.ProtocolError` on an undecodable line (with its 1-based
    number; also for a line longer than ``max_line_bytes`` or JSON nested deeper than
    ``max_depth``), ``translate(exc, endpoint)`` of an httpx error met while reading (so the
    timeouts it names are the client's), and ``error_line(text)`` for an ``{"error": text}``
    line.
    """

    #: the word for one line in error messages ("progress line", "status line")
    line_word = "progress line"

    def __init__(
        self,
        response: httpx.Response,
        endpoint: str,
        host: str,
        translate: Callable[[Exception, str], OllmError],
        error_line: Callable[[str], OllmError],
        *,
        max_line_bytes: int = MIB,
        max_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        self._stream = RawStream(response)
        self._endpoint = endpoint
        self._host = host
        self._translate = translate
        self._error_line = error_line
        self._max_line = max_line_bytes
        self._max_depth = max_depth
        self._pending: list[bytes] = []
        self._index = 0
        self._partial = b""
        self._line_number = 0
        self._finished = False
        self._done = False
        self._closed = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> PullLine:
        if self._closed:
            raise RuntimeError("the stream is closed: iterate inside 'async with'")
        while True:
            if self._index < len(self._pending):
                raw = self._pending[self._index]
                self._index += 1
                self._line_number += 1
                if raw.strip():
                    return self._decode(raw)
                continue
            if self._done:
                raise StopAsyncIteration
            if self._finished:
                self._at_end()
                raise StopAsyncIteration
            try:
                chunk = await self._stream.next()
            except HTTPX_ERRORS as exc:
                raise self._translate(exc, self._endpoint) from exc
            if chunk is None:
                self._finished = True
                # A last line without its newline still counts.
                self._pending, self._index, self._partial = [self._partial], 0, b""
                continue
            lines = chunk.split(b"\n")
            if self._partial:
                lines[0] = self._partial + lines[0]
            self._partial = lines.pop()
            # A line that never ends must not grow past its bound while we wait for its end.
            if len(self._partial) > self._max_line:
                self._line_number += len(lines) + 1
                raise self._too_long(self._partial)
            self._pending, self._index = lines, 0

    def _accept(self, line: PullLine) -> None:
        """Called with each decoded line that is not an error; may call :meth:`_stop`."""

    def _at_end(self) -> None:
        """The server closed the stream: raise unless it ended well."""
        raise HostUnreachable(self._host, f"connection closed before {self._endpoint} finished")

    def _stop(self) -> None:
        """End the iteration after the current line, without waiting for the server to hang up."""
        self._pending, self._index, self._done = [], 0, True

    def _too_long(self, raw: bytes) -> ProtocolError:
        return ProtocolError(
            self._host,
            self._endpoint,
            f"{self.line_word} longer than {size_text(self._max_line)}"
            " (limit providers.ollama.limits.maxLineBytes)",
            line=self._line_number,
            snippet=snippet(raw),
        )

    def _decode(self, raw: bytes) -> PullLine:
        if len(raw) > self._max_line:
            raise self._too_long(raw)

        def fail(reason: str) -> ProtocolError:
            return ProtocolError(
                self._host,
                self._endpoint,
                f"not a {self.line_word}: {reason}",
                line=self._line_number,
                snippet=snippet(raw),
            )

        line = decode_json(pull_line_decoder, raw, max_depth=self._max_depth, fail=fail)
        if line.error is not None:
            raise self._error_line(line.error)
        self._accept(line)
        return line

    async def aclose(self) -> None:
        """Close the HTTP stream and finish every reader under it (see ``RawStream``).
        Idempotent; never raises an httpx exception."""
        if self._closed:
            return
        self._closed = True
        await self._stream.aclose()
