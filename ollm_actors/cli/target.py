"""What the command bodies run against: a ``Runtime``, or a service's ``RemoteRuntime`` seen
through :class:`ServiceRuntime`, which gives it the two plain (not async) parts of the
Runtime API the commands use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ollm_actors.config import Settings

__all__ = ("ServiceRuntime",)


class ServiceRuntime:
    """A ``RemoteRuntime`` with the Runtime API of the command bodies: ``resolve_host`` a
    plain call answered from the service's hosts (their display URLs, the default first),
    as in-process; ``settings`` the command's own (the service sends its own redacted, as
    JSON data, for a person to read). Everything else is the remote runtime's."""

    def __init__(self, remote: Any, settings: Settings) -> None:
        self._remote = remote
        self.settings = settings
        self.models = remote.models
        self.events = remote.events

    def __getattr__(self, name: str) -> Any:
        return getattr(self._remote, name)

    def resolve_host(self, host: str | None) -> str:
        """The display URL of the service's host that any spelling ``host`` names (None:
        the default). Raises ``InvalidHost`` for a host the service does not have."""
        from ollm_actors.ollama.pool import resolve_among

        return resolve_among(host, tuple(self._remote.hosts))
