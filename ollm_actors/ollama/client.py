"""Async client for one Ollama server: version, health, list, show, ps, delete, pull.

One :class:`OllamaClient` holds one ``httpx.AsyncClient`` (a connection pool) for one host and
works under asyncio and trio. Every failure is a typed :class:`~ollm_actors.errors.OllmError`;
no httpx exception escapes. Model names are validated before any request is made. A pull's
lines are read by :class:`PullLines` (defined in ``_pull_lines``, importable from here).
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

import anyio
import httpx

from ollm_actors.errors import (
    OllmError,
)
from ollm_actors.ollama._bounds import (
    DEFAULT_MAX_ERROR_BYTES,
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_PS_BYTES,
    DEFAULT_MAX_PULL_LINE_BYTES,
    DEFAULT_MAX_SHOW_BYTES,
    DEFAULT_MAX_TAGS_BYTES,
    DEFAULT_MAX_VERSION_BYTES,
)
from ollm_actors.ollama._errors import (
    HTTPX_ERRORS,
    split_query,
)
from ollm_actors.ollama._pull_lines import PullLines
from ollm_actors.ollama._requests import CLOSE_TIMEOUT, Requests
from ollm_actors.ollama.deadlines import DEFAULT_DEADLINES, Deadlines
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

_USER_AGENT = "ollm-actors/0.1"


class OllamaClient(Requests):
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
                anyio.move_on_after(CLOSE_TIMEOUT),
                contextlib.suppress(*HTTPX_ERRORS),
            ):
                await http.aclose()

    async def version(self) -> str:
        """The server's version string (``GET /api/version``).

        Raises HostUnreachable, ServerError or ProtocolError.
        """
        body = await self.call("GET", "/api/version")
        return self.decode(version_decoder, body, "/api/version").version

    async def health(self) -> bool:
        """True when ``GET /`` answers 200; False for any failure. Never raises OllmError."""
        try:
            await self.call("GET", "/")
        except OllmError:
            return False
        return True

    async def list_models(self) -> TagsResponse:
        """The installed models (``GET /api/tags``), most recently modified first.

        Raises HostUnreachable, ServerError or ProtocolError.
        """
        body = await self.call("GET", "/api/tags")
        return self.decode(tags_decoder, body, "/api/tags")

    async def show(self, name: str, *, verbose: bool = False) -> ShowResponse:
        """A model's metadata (``POST /api/show``).

        Raises InvalidModelName (before any request), ModelNotFound (404), HostUnreachable,
        ServerError or ProtocolError.
        """
        model = parse_model_name(name).display
        body = encoder.encode(ShowRequest(model=model, verbose=verbose))
        answer = await self.call("POST", "/api/show", body=body, model=model)
        return self.decode(show_decoder, answer, "/api/show")

    async def ps(self) -> PsResponse:
        """The models loaded in memory (``GET /api/ps``).

        Raises HostUnreachable, ServerError or ProtocolError.
        """
        body = await self.call("GET", "/api/ps")
        return self.decode(ps_decoder, body, "/api/ps")

    async def delete(self, name: str) -> None:
        """Delete a model (``DELETE /api/delete``; success is 200 with an empty body).

        Raises InvalidModelName (before any request), ModelNotFound (404), HostUnreachable
        or ServerError.
        """
        model = parse_model_name(name).display
        body = encoder.encode(DeleteRequest(model=model))
        await self.call("DELETE", "/api/delete", body=body, model=model)

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

    def _pull(self, model: str, insecure: bool) -> AbstractAsyncContextManager[PullLines]:
        body = encoder.encode(PullRequest(model=model, stream=True, insecure=insecure))

        def reader(response: httpx.Response) -> PullLines:
            return PullLines(
                response,
                model,
                self.display,
                self.translate,
                max_line_bytes=self.max_pull_line_bytes,
                max_depth=self.max_json_depth,
            )

        return self.open_stream("/api/pull", body, reader, model=model)
