"""Async client for one Ollama server: version, health, list, show, ps, delete, pull.

One :class:`OllamaClient` holds one ``httpx.AsyncClient`` (a connection pool) for one host and
works under asyncio and trio. Every failure is a typed :class:`~ollm_actors.errors.OllmError`;
no httpx exception escapes. Model names are validated before any request is made. A pull's
lines are read by :class:`PullLines` (defined in ``_pull_lines``, importable from here).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from types import TracebackType
from typing import Self, TypeVar

import anyio
import httpx
import msgspec

from ollm_actors.errors import (
    HostUnreachable,
    OllmError,
    ProtocolError,
)
from ollm_actors.ollama._bounds import (
    DEFAULT_MAX_ERROR_BYTES,
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_PS_BYTES,
    DEFAULT_MAX_PULL_LINE_BYTES,
    DEFAULT_MAX_SHOW_BYTES,
    DEFAULT_MAX_TAGS_BYTES,
    DEFAULT_MAX_VERSION_BYTES,
    RawStream,
    decode_json,
    read_body,
    size_text,
)
from ollm_actors.ollama._errors import (
    HTTPX_ERRORS,
    split_query,
    translate_error,
    translate_errors,
)
from ollm_actors.ollama._pull_lines import PullLines, snippet
from ollm_actors.ollama._status import check_encoding, check_status
from ollm_actors.ollama.deadlines import DEFAULT_DEADLINES, Deadlines, enter_body
from ollm_actors.ollama.types import (
    DeleteRequest,
    PsResponse,
    PullRequest,
    ShowRequest,
    ShowResponse,
    TagsResponse,
    encoder,
    ps_decoder,
    show_decoder,
    tags_decoder,
    version_decoder,
)
from ollm_actors.vocab.hosts import OllamaHost, parse_host
from ollm_actors.vocab.names import parse_model_name

__all__ = ("OllamaClient", "PullLines")

_T = TypeVar("_T")
_USER_AGENT = "ollm-actors/0.1"
# Closing a response is bounded so a shielded cleanup can never hang a cancellation.
_CLOSE_TIMEOUT = 5.0


class OllamaClient:
    """An async client for one Ollama server; use it as an async context manager.

    ``async with OllamaClient("http://127.0.0.1:11434") as client: await client.list_models()``

    ``deadlines`` bound every request (:mod:`~ollm_actors.ollama.deadlines`): connecting and
    the wait for the answer's head are short, a stream may pause ``stall`` seconds between
    two reads, a non-streamed answer takes ``request`` seconds at most; each bound that is
    hit is a ``HostUnreachable`` naming it. ``api_key`` is sent as
    ``Authorization: Bearer``; otherwise credentials in the URL are sent as HTTP Basic.
    ``transport`` replaces the network (tests pass ``httpx.MockTransport``). Environment proxy
    settings are ignored: Ollama servers are reached directly.

    A query in the host URL (``https://h/ollama?token=abc``) is sent with every request
    (``/ollama/api/tags?token=abc``) and never shown: :attr:`display` leaves it out.

    The bounds let a hostile or broken server cost one failed request (a ProtocolError naming
    the bound), never memory or stack; bodies are streamed and abandoned at their bound:
    ``max_tags_bytes`` (32 MiB; 5,000 models take ~3 MiB), ``max_show_bytes`` (8 MiB),
    ``max_ps_bytes`` (8 MiB), ``max_version_bytes`` (64 KiB; also ``GET /``) bound the body of
    their endpoint; ``max_error_bytes`` (64 KiB) is what is read of an answer with status
    >= 300 (cut there, so its ServerError still comes) or of delete's empty success;
    ``max_pull_line_bytes`` (1 MiB; real ones ~150 B) bounds one NDJSON line of a pull and
    ``max_json_depth`` (64; Ollama's ~8) the nesting of any JSON answer or line.
    """

    def __init__(
        self,
        host: str | OllamaHost,
        *,
        deadlines: Deadlines = DEFAULT_DEADLINES,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_tags_bytes: int = DEFAULT_MAX_TAGS_BYTES,
        max_show_bytes: int = DEFAULT_MAX_SHOW_BYTES,
        max_ps_bytes: int = DEFAULT_MAX_PS_BYTES,
        max_version_bytes: int = DEFAULT_MAX_VERSION_BYTES,
        max_error_bytes: int = DEFAULT_MAX_ERROR_BYTES,
        max_pull_line_bytes: int = DEFAULT_MAX_PULL_LINE_BYTES,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        self.host = parse_host(host) if isinstance(host, str) else host
        # A query in the host URL is a secret the server wants on every request, after the
        # API path.
        self._path, self._query = self.host.path, self.host.query
        #: The host for messages: credentials as ``***``, no query.
        self.display = split_query(self.host.display)[0]
        self.deadlines = deadlines
        # (limit, the parameter that sets it) per endpoint, so a message can name both.
        self._limits: dict[str, tuple[int, str]] = {
            "/api/tags": (max_tags_bytes, "providers.ollama.limits.maxBodyBytes.tags"),
            "/api/show": (max_show_bytes, "providers.ollama.limits.maxBodyBytes.show"),
            "/api/ps": (max_ps_bytes, "providers.ollama.limits.maxBodyBytes.ps"),
            "/api/version": (max_version_bytes, "providers.ollama.limits.maxBodyBytes.version"),
            "/": (max_version_bytes, "providers.ollama.limits.maxBodyBytes.version"),
        }
        self.max_error_bytes = max_error_bytes
        self.max_pull_line_bytes = max_pull_line_bytes
        self.max_json_depth = max_json_depth
        self._api_key = api_key
        self._transport = transport
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"OllamaClient({self.display!r})"

    async def __aenter__(self) -> Self:
        if self._http is not None:
            raise RuntimeError("OllamaClient is already open")
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
            # Bodies are read raw so the bounds count what is held; a compressed answer would
            # hide its size (a gzip bomb) until decompressed.
            "Accept-Encoding": "identity",
        }
        authorization = f"Bearer {self._api_key}" if self._api_key else self.host.auth
        if authorization is not None:
            headers["Authorization"] = authorization
        # Loading the CA bundle costs ~50-150 ms, most of a CLI command's start; a plain-http
        # host never uses it. Such a client follows no redirect (one to https would then go
        # unverified): check_status names the new address instead.
        secure = self.host.scheme == "https"
        self._http = httpx.AsyncClient(
            # host.url minus the query, which goes after the API path instead.
            base_url=self.host.url.removesuffix(self.host.path) + self._path,
            params=httpx.QueryParams(self._query),
            headers=headers,
            timeout=self.deadlines.head,
            transport=self._transport,
            trust_env=False,
            follow_redirects=secure,
            verify=secure,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        http, self._http = self._http, None
        if http is not None:
            with (
                anyio.CancelScope(shield=True),
                anyio.move_on_after(_CLOSE_TIMEOUT),
                contextlib.suppress(*HTTPX_ERRORS),
            ):
                await http.aclose()

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            raise RuntimeError("OllamaClient is not open: use 'async with OllamaClient(...)'")
        return self._http

    def _translate(self, exc: Exception, endpoint: str) -> OllmError:
        """For failures while the body is read (the stall bound applies)."""
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

    async def _call(
        self, method: str, endpoint: str, *, body: bytes | None = None, model: str | None = None
    ) -> bytes:
        """One non-streamed request, bounded as a whole by ``deadlines.request``."""
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
            with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_TIMEOUT):
                await stream.aclose()

    def _translator(self, endpoint: str) -> Callable[[Exception], OllmError]:
        return lambda exc: self._translate(exc, endpoint)

    async def _read_error(self, stream: RawStream, endpoint: str) -> bytes:
        # Cut, not refused: the status is the news, the body only its explanation.
        return await read_body(
            stream, self.max_error_bytes, too_large=None, translate=self._translator(endpoint)
        )

    def _decode(self, decoder: msgspec.json.Decoder[_T], body: bytes, endpoint: str) -> _T:
        def fail(reason: str) -> ProtocolError:
            return ProtocolError(self.display, endpoint, reason, snippet=snippet(body))

        return decode_json(decoder, body, max_depth=self.max_json_depth, fail=fail)

    async def version(self) -> str:
        """The server's version string (``GET /api/version``).

        Raises HostUnreachable, ServerError or ProtocolError.
        """
        body = await self._call("GET", "/api/version")
        return self._decode(version_decoder, body, "/api/version").version

    async def health(self) -> bool:
        """True when ``GET /`` answers 200; False for any failure. Never raises OllmError."""
        try:
            await self._call("GET", "/")
        except OllmError:
            return False
        return True

    async def list_models(self) -> TagsResponse:
        """The installed models (``GET /api/tags``), most recently modified first.

        Raises HostUnreachable, ServerError or ProtocolError.
        """
        body = await self._call("GET", "/api/tags")
        return self._decode(tags_decoder, body, "/api/tags")

    async def show(self, name: str, *, verbose: bool = False) -> ShowResponse:
        """A model's metadata (``POST /api/show``).

        Raises InvalidModelName (before any request), ModelNotFound (404), HostUnreachable,
        ServerError or ProtocolError.
        """
        model = parse_model_name(name).display
        body = encoder.encode(ShowRequest(model=model, verbose=verbose))
        answer = await self._call("POST", "/api/show", body=body, model=model)
        return self._decode(show_decoder, answer, "/api/show")

    async def ps(self) -> PsResponse:
        """The models loaded in memory (``GET /api/ps``).

        Raises HostUnreachable, ServerError or ProtocolError.
        """
        body = await self._call("GET", "/api/ps")
        return self._decode(ps_decoder, body, "/api/ps")

    async def delete(self, name: str) -> None:
        """Delete a model (``DELETE /api/delete``; success is 200 with an empty body).

        Raises InvalidModelName (before any request), ModelNotFound (404), HostUnreachable
        or ServerError.
        """
        model = parse_model_name(name).display
        body = encoder.encode(DeleteRequest(model=model))
        await self._call("DELETE", "/api/delete", body=body, model=model)

    def pull(self, name: str, *, insecure: bool = False) -> AbstractAsyncContextManager[PullLines]:
        """Start pulling a model; the context manager yields its :class:`PullLines`.

        ``async with client.pull("llama3.1:8b") as lines: async for line in lines: ...``

        The name is validated first (InvalidModelName). Entering sends the request and raises
        ModelNotFound (404), ServerError (other HTTP errors) or HostUnreachable. The HTTP
        stream is read as the lines are iterated and closed when the block exits, whether it
        finished, failed or was cancelled (the close is shielded and bounded).
        """
        model = parse_model_name(name).display
        return self._pull(model, insecure)

    @asynccontextmanager
    async def _pull(self, model: str, insecure: bool) -> AsyncIterator[PullLines]:
        body = encoder.encode(PullRequest(model=model, stream=True, insecure=insecure))
        request = self._client.build_request(
            "POST", "/api/pull", content=body, headers={"Accept": "application/x-ndjson"}
        )
        response = await self._send(request, "/api/pull")
        lines: PullLines | None = None
        stream: RawStream | None = None
        try:
            if response.status_code >= 300:
                stream = RawStream(response)
                error_body = await self._read_error(stream, "/api/pull")
                check_status(
                    self.display, response.status_code, error_body, "/api/pull", model,
                    response.headers,
                )
            check_encoding(self.display, "/api/pull", response.headers)
            lines = PullLines(
                response,
                model,
                self.display,
                self._translate,
                max_line_bytes=self.max_pull_line_bytes,
                max_depth=self.max_json_depth,
            )
            yield lines
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_TIMEOUT):
                if lines is not None:
                    await lines.aclose()
                elif stream is not None:
                    await stream.aclose()
                else:
                    with contextlib.suppress(*HTTPX_ERRORS):
                        await response.aclose()
