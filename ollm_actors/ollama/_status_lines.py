"""The streaming reader of a create's or a push's NDJSON status lines.

Like :class:`~ollm_actors.ollama._pull_lines.PullLines` (same bounds, same error translation)
but for streams that may carry more than one ``success``: a create whose base must be pulled
first streams that pull, its ``success`` included, before its own lines. So the stream is read
to its end, and it succeeded when its last line was ``success``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

import httpx

from ollm_actors.errors import HostUnreachable, OllmError, ProtocolError
from ollm_actors.ollama._bounds import MIB, RawStream, decode_json, size_text
from ollm_actors.ollama._errors import HTTPX_ERRORS
from ollm_actors.ollama._pull_lines import snippet
from ollm_actors.ollama.lifecycle_types import ProgressLine
from ollm_actors.ollama.types import pull_line_decoder

__all__ = ("ErrorLine", "StatusLines")

#: Makes the error for an ``{"error": text}`` line, given the status line before it ("" if none).
ErrorLine = Callable[[str, str], OllmError]


class StatusLines:
    """The status lines of one create or push, read incrementally from the HTTP stream.

    ``async for line in lines`` yields :data:`~ollm_actors.ollama.lifecycle_types.ProgressLine`
    objects up to the end of the stream. Raises ``error_line(text, previous_status)`` on an
    ``{"error": ...}`` line, :class:`~ollm_actors.errors.ProtocolError` on an undecodable line
    (with its 1-based number; also for a line longer than ``max_line_bytes`` or JSON nested
    deeper than ``max_depth``) and :class:`~ollm_actors.errors.HostUnreachable` when the
    connection drops, stalls beyond the read timeout, or ends without ``success`` last.
    """

    def __init__(
        self,
        response: httpx.Response,
        endpoint: str,
        host: str,
        translate: Callable[[Exception, str], OllmError],
        error_line: ErrorLine,
        *,
        max_line_bytes: int = MIB,
        max_depth: int = 64,
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
        self._closed = False
        self._last_status = ""

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> ProgressLine:
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
            if self._finished:
                if self._last_status == "success":
                    raise StopAsyncIteration
                raise HostUnreachable(
                    self._host, f"connection closed before {self._endpoint} finished"
                )
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

    def _too_long(self, raw: bytes) -> ProtocolError:
        return ProtocolError(
            self._host,
            self._endpoint,
            f"status line longer than {size_text(self._max_line)}"
            " (limit providers.ollama.limits.maxLineBytes)",
            line=self._line_number,
            snippet=snippet(raw),
        )

    def _decode(self, raw: bytes) -> ProgressLine:
        if len(raw) > self._max_line:
            raise self._too_long(raw)

        def fail(reason: str) -> ProtocolError:
            return ProtocolError(
                self._host,
                self._endpoint,
                f"not a status line: {reason}",
                line=self._line_number,
                snippet=snippet(raw),
            )

        line = decode_json(pull_line_decoder, raw, max_depth=self._max_depth, fail=fail)
        if line.error is not None:
            raise self._error_line(line.error, self._last_status)
        self._last_status = line.status
        return line

    async def aclose(self) -> None:
        """Close the HTTP stream and finish every reader under it. Idempotent; never raises an
        httpx exception."""
        if self._closed:
            return
        self._closed = True
        await self._stream.aclose()
