"""The request machinery of :class:`~ollm_actors.ollama.client.OllamaClient`: sending with
the head's bounds, bounded bodies, streams, and the translation of every httpx failure.

The client's endpoint methods and the lifecycle calls (:mod:`~ollm_actors.ollama.lifecycle`)
are built on these four public calls: ``call``, ``call_slow``, ``open_stream``, ``decode``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import TypeVar

import anyio
import httpx
import msgspec

from ollm_actors.errors import HostUnreachable, OllmError, ProtocolError
from ollm_actors.ollama._bounds import RawStream, decode_json, read_body, size_text
from ollm_actors.ollama._errors import HTTPX_ERRORS, translate_error, translate_errors
from ollm_actors.ollama._ndjson import ProgressLines, snippet
from ollm_actors.ollama._status import check_encoding, check_status
from ollm_actors.ollama.deadlines import Deadlines, enter_body

__all__ = ("CLOSE_TIMEOUT", "Requests")

_T = TypeVar("_T")
_Lines = TypeVar("_Lines", bound=ProgressLines)
#: Closing a response is bounded so a shielded cleanup can never hang a cancellation.
CLOSE_TIMEOUT = 5.0


class Requests:
    """Bounded requests to one server over an open ``httpx.AsyncClient`` (``_http``).

    The client that inherits this sets the attributes below before any request.
    """

    display: str
    deadlines: Deadlines
    max_error_bytes: int
    max_json_depth: int
    #: (limit, the parameter that sets it) per endpoint a non-streamed call may ask
    _limits: dict[str, tuple[int, str]]
    _http: httpx.AsyncClient | None

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("OllamaClient is not open: use 'async with OllamaClient(...)'")
        return self._http

    def translate(self, exc: Exception, endpoint: str) -> OllmError:
        """The typed error for an httpx failure met while a body is read (the stall bound
        applies)."""
        return translate_error(
            exc,
            self.display,
            endpoint,
            connect_timeout=self.deadlines.connect,
            read_timeout=self.deadlines.stall,
            reading_body=True,
        )

    def _translating(self, endpoint: str) -> AbstractContextManager[None]:
        """For failures until the head has arrived (the first-byte bound applies)."""
        return translate_errors(
            self.display,
            endpoint,
            connect_timeout=self.deadlines.connect,
            read_timeout=self.deadlines.first_byte,
        )

    async def _send(self, request: httpx.Request, endpoint: str) -> httpx.Response:
        """Send ``request`` and wait for the head of its answer (head bounds), then switch
        the request to the body's read bound."""
        with self._translating(endpoint):
            response = await self._client.send(request, stream=True)
        enter_body(request, self.deadlines)
        return response

    async def call(
        self, method: str, endpoint: str, *, body: bytes | None = None, model: str | None = None
    ) -> bytes:
        """One non-streamed request, bounded as a whole by ``deadlines.request``; returns the
        answer's body, read within the endpoint's size bound."""
        try:
            with anyio.fail_after(self.deadlines.request):
                return await self._call_once(method, endpoint, body, model)
        except TimeoutError:
            raise HostUnreachable(
                self.display,
                f"no complete answer from {endpoint} within {self.deadlines.request:g} s",
            ) from None

    async def _call_once(
        self, method: str, endpoint: str, body: bytes | None, model: str | None
    ) -> bytes:
        request = self._client.build_request(method, endpoint, content=body)
        response = await self._send(request, endpoint)
        stream = RawStream(response)
        try:
            if response.status_code >= 300 or endpoint not in self._limits:
                error_body = await self._read_error(stream, endpoint)
                check_status(
                    self.display, response.status_code, error_body, endpoint, model,
                    response.headers,
                )
                return error_body
            limit, name = self._limits[endpoint]

            def too_large() -> ProtocolError:
                return ProtocolError(
                    self.display,
                    endpoint,
                    f"answer of {endpoint} is larger than {size_text(limit)} (limit {name})",
                )

            check_encoding(self.display, endpoint, response.headers)
            return await read_body(
                stream, limit, too_large=too_large, translate=self._translator(endpoint)
            )
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_TIMEOUT):
                await stream.aclose()

    def _translator(self, endpoint: str) -> Callable[[Exception], OllmError]:
        return lambda exc: self.translate(exc, endpoint)

    async def _read_error(self, stream: RawStream, endpoint: str) -> bytes:
        # Cut, not refused: the status is the news, the body only its explanation.
        return await read_body(
            stream, self.max_error_bytes, too_large=None, translate=self._translator(endpoint)
        )

    def decode(self, decoder: msgspec.json.Decoder[_T], body: bytes, endpoint: str) -> _T:
        """``body`` decoded, within the depth bound; ProtocolError naming ``endpoint``."""
        def fail(reason: str) -> ProtocolError:
            return ProtocolError(self.display, endpoint, reason, snippet=snippet(body))

        return decode_json(decoder, body, max_depth=self.max_json_depth, fail=fail)


    @asynccontextmanager
    async def open_stream(
        self,
        endpoint: str,
        body: bytes,
        reader: Callable[[httpx.Response], _Lines],
        *,
        model: str | None,
    ) -> AsyncIterator[_Lines]:
        """POST ``body`` to a streaming endpoint and yield ``reader(response)``.

        Entering raises what the status says (ModelNotFound for a 404 naming ``model``, when
        given; ServerError; HostUnreachable). The stream is closed when the block exits,
        whether it finished, failed or was cancelled (the close is shielded and bounded).
        """
        request = self._client.build_request(
            "POST", endpoint, content=body, headers={"Accept": "application/x-ndjson"}
        )
        response = await self._send(request, endpoint)
        lines: _Lines | None = None
        stream: RawStream | None = None
        try:
            if response.status_code >= 300:
                stream = RawStream(response)
                error_body = await self._read_error(stream, endpoint)
                status = response.status_code
                check_status(self.display, status, error_body, endpoint, model, response.headers)
            check_encoding(self.display, endpoint, response.headers)
            lines = reader(response)
            yield lines
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_TIMEOUT):
                if lines is not None:
                    await lines.aclose()
                elif stream is not None:
                    await stream.aclose()
                else:
                    with contextlib.suppress(*HTTPX_ERRORS):
                        await response.aclose()

    async def call_slow(
        self, endpoint: str, body: bytes, *, model: str, limit: int, limit_name: str
    ) -> bytes:
        """POST ``body`` to an endpoint that answers only once its work is done (a load) and
        return the answer, read no further than ``limit`` bytes.

        Its head may take as long as a stalled body would (the stall bound, not the first-byte
        one). Raises what the status says, HostUnreachable, or ProtocolError past the limit.
        """
        request = self._client.build_request("POST", endpoint, content=body)
        request.extensions["timeout"] = self.deadlines.body.as_dict()
        response = await self._send(request, endpoint)
        stream = RawStream(response)
        try:
            if response.status_code >= 300:
                error_body = await self._read_error(stream, endpoint)
                status = response.status_code
                check_status(self.display, status, error_body, endpoint, model, response.headers)
            check_encoding(self.display, endpoint, response.headers)

            def too_large() -> ProtocolError:
                return ProtocolError(
                    self.display,
                    endpoint,
                    f"answer of {endpoint} is larger than {size_text(limit)} (limit {limit_name})",
                )

            return await read_body(
                stream, limit, too_large=too_large, translate=self._translator(endpoint)
            )
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_TIMEOUT):
                await stream.aclose()
