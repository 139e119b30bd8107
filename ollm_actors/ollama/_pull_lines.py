"""The streaming reader of one pull's NDJSON progress lines (``POST /api/pull``).

:class:`PullLines` is re-exported by :mod:`ollm_actors.ollama.client`, whose
``OllamaClient.pull`` is the only maker of one; import it from there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Self

import httpx
import msgspec

from ollm_actors.errors import HostUnreachable, OllmError, ProtocolError, PullFailed
from ollm_actors.ollama._errors import HTTPX_ERRORS
from ollm_actors.ollama.types import PullLine, pull_line_decoder

__all__ = ("PullLines", "snippet")

# How much of an undecodable answer an error quotes: enough to recognise it, not a dump.
_SNIPPET = 80
# A closed connection fails the next read; this bounds the resumes a stream that keeps
# yielding buffered data (a mock, a proxy) may take before it gives up.
_DRAIN_CHUNKS = 64


def snippet(raw: bytes) -> str:
    """The start of an undecodable answer, as text an error message can quote."""
    return raw[:_SNIPPET].decode("utf-8", "replace")


class PullLines:
    """The progress lines of one pull, read incrementally from the HTTP stream.

    ``async for line in lines`` yields :class:`~ollm_actors.ollama.types.PullLine` objects up
    to and including the ``success`` line, then stops. Raises
    :class:`~ollm_actors.errors.PullFailed` on an ``{"error": ...}`` line,
    :class:`~ollm_actors.errors.ProtocolError` on an undecodable line (with its 1-based line
    number) and :class:`~ollm_actors.errors.HostUnreachable` when the connection drops, stalls
    beyond the read timeout, or closes before ``success``. Obtain it from
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
    ) -> None:
        self._response = response
        self._model = model
        self._host = host
        self._translate = translate
        self._chunks = response.aiter_raw()
        # Whether the chunk iterator was ever resumed / ran to its end (see aclose).
        self._started = False
        self._exhausted = False
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
            # Read the next chunk here rather than in a helper coroutine: this is the hot path.
            self._started = True
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._exhausted = self._finished = True
                # A last line without its newline still counts.
                self._pending, self._index = [self._partial], 0
                self._partial = b""
                continue
            except HTTPX_ERRORS as exc:
                # The failure unwound the whole reader chain (see aclose).
                self._exhausted = True
                raise self._translate(exc, "/api/pull") from exc
            except BaseException:
                self._exhausted = True
                raise
            # Split on newlines ourselves: bytes in, bytes out, no text decoding.
            lines = chunk.split(b"\n")
            if self._partial:
                lines[0] = self._partial + lines[0]
            self._partial = lines.pop()
            self._pending, self._index = lines, 0

    def _decode(self, raw: bytes) -> PullLine:
        try:
            line = pull_line_decoder.decode(raw)
        except msgspec.MsgspecError as exc:
            raise ProtocolError(
                self._host,
                "/api/pull",
                f"not a pull progress line: {exc}",
                line=self._line_number,
                snippet=snippet(raw),
            ) from None
        if line.error is not None:
            raise PullFailed(self._model, self._host, reason=line.error)
        if line.status == "success":
            # Nothing follows success; stop here rather than wait for the server to hang up.
            self._pending, self._index, self._succeeded = [], 0, True
        return line

    async def aclose(self) -> None:
        """Close the HTTP stream and finish every reader under it. Idempotent; never raises
        an httpx exception (a failure to close is no news to someone who is done).

        httpx reads through a chain of nested async generators; closing only the outermost
        would leave the inner ones to the garbage collector (trio warns about each). So the
        connection is closed first, then the chain is resumed once: the read on the closed
        connection fails inside the innermost generator and unwinds all of them.
        """
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(*HTTPX_ERRORS):
            await self._response.aclose()
        if self._started and not self._exhausted:
            with contextlib.suppress(*HTTPX_ERRORS, StopAsyncIteration):
                for _ in range(_DRAIN_CHUNKS):
                    await self._chunks.__anext__()
        closer = getattr(self._chunks, "aclose", None)
        if closer is not None:
            with contextlib.suppress(*HTTPX_ERRORS):
                await closer()
