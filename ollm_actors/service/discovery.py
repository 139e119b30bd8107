"""Where a service is: the default socket, targets (a socket path or a URL) and finding a
running service for the CLI. Light: nothing here imports the server or httpx before a
target must be asked."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ollm_actors.errors import ServiceUnavailable

__all__ = ("ENV_SERVICE", "Target", "default_socket", "find_service", "parse_target")

#: the environment variable that points the CLI at a service
ENV_SERVICE = "OLLM_SERVICE"
_PROBE_TIMEOUT = 0.2
_NAMED_PROBE_TIMEOUT = 2.0


def default_socket() -> Path:
    """``<user runtime dir>/ollm/ollm.sock`` (platformdirs ``user_runtime_dir("ollm")``)."""
    from platformdirs import user_runtime_dir

    return Path(user_runtime_dir("ollm", appauthor=False)) / "ollm.sock"


class Target:
    """A service address: ``socket`` (a unix socket path) or ``url`` (``http://h:p``)."""

    __slots__ = ("socket", "url")

    def __init__(self, socket: Path | None, url: str) -> None:
        self.socket, self.url = socket, url

    def __str__(self) -> str:
        return str(self.socket) if self.socket is not None else self.url

    def base_url(self) -> str:
        return "http://ollm" if self.socket is not None else self.url.rstrip("/")


def parse_target(target: str | Path) -> Target:
    """A socket path (``/run/…/ollm.sock``, ``unix:PATH``) or a URL (``http://h:p``,
    ``h:p``)."""
    text = str(target)
    if text.startswith("unix:"):
        return Target(Path(text[5:]), text)
    if text.startswith(("http://", "https://")):
        return Target(None, text)
    if "/" in text or text.endswith(".sock"):
        return Target(Path(text), text)
    return Target(None, f"http://{text}")


def answers(target: Target, timeout: float, token: str | None = None) -> str | None:
    """None if a service answers ``GET /v1/health`` at ``target`` within ``timeout``; else
    why not."""
    import httpx

    if target.socket is not None and not target.socket.exists():
        return "no socket there"
    transport = httpx.HTTPTransport(uds=str(target.socket)) if target.socket else None
    try:
        with httpx.Client(transport=transport, timeout=timeout) as client:
            response = client.get(f"{target.base_url()}/v1/health")
            if response.status_code != 200 or response.json().get("service") != "ollm":
                return f"not an ollm service (HTTP {response.status_code})"
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return None


def find_service(env: Mapping[str, str], settings: Any = None) -> str | None:
    """The service the CLI should use: ``OLLM_SERVICE`` when set (it must answer, else
    ``ServiceUnavailable`` naming it), else the default socket when a service answers there
    within 0.2 s, else None (run in-process)."""
    named = env.get(ENV_SERVICE)
    if named:
        target = parse_target(named)
        why = answers(target, _NAMED_PROBE_TIMEOUT)
        if why is not None:
            raise ServiceUnavailable(str(target), why)
        return named
    path = default_socket()
    if not path.exists():
        return None
    return str(path) if answers(Target(path, str(path)), _PROBE_TIMEOUT) is None else None
