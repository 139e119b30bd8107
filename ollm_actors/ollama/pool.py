"""One :class:`OllamaClient` per configured host, opened and closed together."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Self

from ollm_actors.errors import InvalidHost
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.vocab.hosts import OllamaHost, parse_host

__all__ = ("HostPool",)


class HostPool:
    """The clients of every host, keyed by the host's display URL (credentials redacted).

    The first host is the default one. Use as an async context manager: every client's
    connection pool is closed on exit, also on cancellation.
    """

    def __init__(
        self,
        hosts: Sequence[str],
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
    ) -> None:
        if not hosts:
            raise InvalidHost("", "no Ollama host configured")
        parsed: dict[str, OllamaHost] = {}
        for text in hosts:
            host = parse_host(text)
            parsed.setdefault(host.display, host)
        self._hosts = parsed
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._clients: dict[str, OllamaClient] = {}
        self._stack = AsyncExitStack()

    @property
    def urls(self) -> tuple[str, ...]:
        """Display URLs of every host, the default first."""
        return tuple(self._hosts)

    @property
    def default(self) -> str:
        return next(iter(self._hosts))

    def resolve(self, host: str | None) -> str:
        """The display URL of a configured host named by any spelling of its address.

        ``None`` is the default host. Raises :class:`InvalidHost` for a host that is not
        configured (the runtime only talks to the hosts its settings name).
        """
        if host is None:
            return self.default
        display = parse_host(host).display
        if display not in self._hosts:
            known = ", ".join(self._hosts)
            raise InvalidHost(host, f"not one of the configured hosts ({known})")
        return display

    def client(self, host: str | None = None) -> OllamaClient:
        """The open client of ``host`` (any spelling; ``None``: the default host)."""
        return self._clients[self.resolve(host)]

    async def __aenter__(self) -> Self:
        async with AsyncExitStack() as stack:
            for display, host in self._hosts.items():
                client = OllamaClient(
                    host,
                    connect_timeout=self._connect_timeout,
                    read_timeout=self._read_timeout,
                )
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
        await self._stack.aclose()
