"""One :class:`OllamaClient` per configured host, opened and closed together; a host named
per call that the settings do not name is attached on first use and closed with the rest."""

from __future__ import annotations

from collections.abc import Container, Sequence
from contextlib import AsyncExitStack
from functools import partial
from types import TracebackType
from typing import Self

from ollm_actors.errors import InvalidHost
from ollm_actors.ollama._bounds import (
    DEFAULT_MAX_ERROR_BYTES,
    DEFAULT_MAX_JSON_DEPTH,
    DEFAULT_MAX_PS_BYTES,
    DEFAULT_MAX_PULL_LINE_BYTES,
    DEFAULT_MAX_SHOW_BYTES,
    DEFAULT_MAX_TAGS_BYTES,
    DEFAULT_MAX_VERSION_BYTES,
)
from ollm_actors.ollama._errors import split_query
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.deadlines import DEFAULT_DEADLINES, Deadlines
from ollm_actors.vocab.hosts import OllamaHost, parse_host

__all__ = ("HostPool", "resolve_among")


class HostPool:
    """The clients of every host, keyed by the host's display URL (credentials redacted, the
    query left out: it may hold a token).

    The first host is the default one. The deadlines and the bounds (``max_*``) are passed
    to every client; :class:`OllamaClient` documents them. Use as an async context manager:
    every client's connection pool is closed on exit, also on cancellation.

    :meth:`attach` adds a host that is not configured (``ollm rm --on gpu-box``): it gets a
    client like the others but stays out of :attr:`urls`, so "every host" keeps meaning the
    configured ones.
    """

    def __init__(
        self,
        hosts: Sequence[str],
        *,
        deadlines: Deadlines = DEFAULT_DEADLINES,
        max_tags_bytes: int = DEFAULT_MAX_TAGS_BYTES,
        max_show_bytes: int = DEFAULT_MAX_SHOW_BYTES,
        max_ps_bytes: int = DEFAULT_MAX_PS_BYTES,
        max_version_bytes: int = DEFAULT_MAX_VERSION_BYTES,
        max_error_bytes: int = DEFAULT_MAX_ERROR_BYTES,
        max_pull_line_bytes: int = DEFAULT_MAX_PULL_LINE_BYTES,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        if not hosts:
            raise InvalidHost("", "no Ollama host configured")
        parsed: dict[str, OllamaHost] = {}
        for text in hosts:
            host = parse_host(text)
            parsed.setdefault(_key(host), host)
        self._hosts = parsed
        self._make = partial(
            OllamaClient,
            deadlines=deadlines,
            max_tags_bytes=max_tags_bytes,
            max_show_bytes=max_show_bytes,
            max_ps_bytes=max_ps_bytes,
            max_version_bytes=max_version_bytes,
            max_error_bytes=max_error_bytes,
            max_pull_line_bytes=max_pull_line_bytes,
            max_json_depth=max_json_depth,
        )
        self._clients: dict[str, OllamaClient] = {}
        self._attached: dict[str, OllamaHost] = {}
        self._stack = AsyncExitStack()

    @property
    def urls(self) -> tuple[str, ...]:
        """Display URLs of every host, the default first."""
        return tuple(self._hosts)

    @property
    def default(self) -> str:
        return next(iter(self._hosts))

    @property
    def attached(self) -> tuple[str, ...]:
        """Display URLs of the hosts :meth:`attach` added, in the order they came."""
        return tuple(self._attached)

    def resolve(self, host: str | None) -> str:
        """The display URL of a configured or attached host named by any spelling of its
        address.

        ``None`` is the default host. Raises :class:`InvalidHost` for a host that is neither
        (:meth:`attach` it first to talk to it).
        """
        if host is not None and host in self._hosts:
            return host  # the hot path: every actor's own asks name a display URL
        return resolve_among(host, self.urls, self._attached)

    async def attach(self, host: str | None) -> str:
        """:meth:`resolve`, opening a client first for a host that is not configured.

        Any host string works (``gpu-box``, ``:11500``, ``http://h/prefix``); raises
        :class:`InvalidHost` for one that cannot be an Ollama address. Opening a client
        does not touch the network, so this never waits on the host.
        """
        if host is None:
            return self.default
        parsed = parse_host(host)
        display = _key(parsed)
        if display in self._hosts or display in self._attached:
            return display
        client = self._make(parsed)
        # Entering an OllamaClient does not yield (it builds an httpx client), so no other
        # task can attach the same host between the check above and the assignments below.
        self._clients[display] = await self._stack.enter_async_context(client)
        self._attached[display] = parsed
        return display

    def client(self, host: str | None = None) -> OllamaClient:
        """The open client of ``host`` (any spelling; ``None``: the default host)."""
        return self._clients[self.resolve(host)]

    async def __aenter__(self) -> Self:
        async with AsyncExitStack() as stack:
            for display, host in self._hosts.items():
                client = self._make(host)
                self._clients[display] = await stack.enter_async_context(client)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._clients.clear()
        self._attached.clear()
        await self._stack.aclose()


def resolve_among(
    host: str | None, configured: Sequence[str], attached: Container[str] = ()
) -> str:
    """The display URL among ``configured`` (the default first) or ``attached`` that any
    spelling ``host`` names (None: the default); ``InvalidHost`` for one that is neither."""
    if host is None:
        return configured[0]
    if host in configured:
        # Already a display URL (every actor's own asks): no need to parse it again.
        return host
    display = _key(parse_host(host))
    if display not in configured and display not in attached:
        known = ", ".join(configured)
        raise InvalidHost(display, f"not one of the configured hosts ({known})")
    return display


def _key(host: OllamaHost) -> str:
    return split_query(host.display)[0]
