"""``serve()``: expose a running runtime over HTTP, on hypercorn, until the block exits.

The listening socket is made here, before the server starts, so the address is ready when
``serve()`` yields (no wait for the server to come up): a unix socket (mode 0600, in a
directory of mode 0700) by default, TCP only with ``listen``. A socket another live service
answers on is refused; a stale one (nothing answers) is removed. Leaving the block ends the
event streams, withdraws every pull share held for a client (their pulls end
``cancelled`` unless someone else shares them), stops the server and removes the socket.
"""

from __future__ import annotations

import ipaddress
import os
import socket as socketlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

from ollm_actors.errors import ListenFailed
from ollm_actors.service.discovery import Target, default_socket
from ollm_actors.service.groups import single_errors
from ollm_actors.service.target import ServedRuntime

__all__ = ("Service", "serve")

_GRACE = 1.0  # seconds hypercorn waits for open requests at shutdown
_PROBE = 1.0  # seconds a socket found in place has to accept a connection


class Service:
    """A running service: where it listens (``target``, for :func:`connect`) and its
    counters."""

    def __init__(self, target: Target, shared: object) -> None:
        self.target = target
        self._shared = shared

    @property
    def address(self) -> str:
        """The socket path or ``http://host:port``."""
        return str(self.target)

    @property
    def open_streams(self) -> int:
        """Streamed answers open now (pull follows, events, push ...)."""
        return int(self._shared.open_streams)  # type: ignore[attr-defined]

    @property
    def held_pulls(self) -> int:
        """Pull shares the service holds for clients now."""
        return int(self._shared.desk.held)  # type: ignore[attr-defined]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _split(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ListenFailed(listen, "expected HOST:PORT, e.g. 127.0.0.1:11500")
    return host.strip("[]"), int(port)


def _tcp_socket(listen: str, token: str | None) -> tuple[socketlib.socket, Target]:
    host, port = _split(listen)
    if not _loopback(host) and token is None:
        raise ListenFailed(
            listen, "a non-loopback address needs a token", hint="give --token-file FILE"
        )
    family = socketlib.AF_INET6 if ":" in host else socketlib.AF_INET
    sock = socketlib.socket(family, socketlib.SOCK_STREAM)
    try:
        sock.setsockopt(socketlib.SOL_SOCKET, socketlib.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenFailed(listen, exc.strerror or str(exc)) from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return sock, Target(None, f"http://{shown}:{bound}")


async def _listened_on(path: Path) -> bool:
    """True if something accepts connections at the unix socket ``path`` (a connect
    succeeds once a server listens, even before it answers; a dead one's file refuses)."""
    try:
        with anyio.fail_after(_PROBE):
            stream = await anyio.connect_unix(path)
    except (OSError, TimeoutError):
        return False
    await stream.aclose()
    return True


def _socket_in_place(path: Path) -> bool:
    """Make ``path``'s directory (0700); True if a socket file is already there."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not (path.exists() or path.is_symlink()):
        return False
    if not path.is_socket():
        raise ListenFailed(str(path), "a file that is not a socket is in the way")
    return True


async def _unix_socket(path: Path) -> tuple[socketlib.socket, Target]:
    if _socket_in_place(path):
        if await _listened_on(path):
            raise ListenFailed(
                str(path), "another ollm service is running there",
                hint="stop it first, or use --socket PATH",
            )
        return _bind_unix(path, stale=True)
    return _bind_unix(path)


def _bind_unix(path: Path, *, stale: bool = False) -> tuple[socketlib.socket, Target]:
    target = Target(path, str(path))
    if stale:
        path.unlink(missing_ok=True)  # left by a service that died: nothing listens there
    sock = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    except OSError as exc:
        sock.close()
        raise ListenFailed(str(path), exc.strerror or str(exc)) from None
    finally:
        os.umask(old)
    path.chmod(0o600)
    return sock, target


def _config(fd: int) -> object:
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"fd://{fd}"]
    config.graceful_timeout = _GRACE
    config.accesslog = None  # a request line could carry a query worth keeping private
    config.loglevel = "WARNING"
    return config


async def _run(
    app: object, config: object, stop: anyio.Event, stopped: anyio.Event,
    scope: anyio.CancelScope,
) -> None:
    # Shielded: a cancellation of the serving block (Ctrl-C, SIGTERM) must not cut the
    # answers in flight, which end cleanly (pulls ``cancelled``) in the graceful stop;
    # ``scope`` is cancelled only if that stop overruns.
    try:
        with scope:
            await _serve(app, config, stop)
    finally:
        stopped.set()


async def _serve(app: object, config: object, stop: anyio.Event) -> None:
    import sniffio

    if sniffio.current_async_library() == "trio":
        from hypercorn.trio import serve as serve_trio

        await serve_trio(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
    else:
        from hypercorn.asyncio import serve as serve_asyncio

        await serve_asyncio(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


@asynccontextmanager
async def serve(
    runtime: ServedRuntime,
    *,
    socket: str | Path | None = None,
    listen: str | None = None,
    token: str | None = None,
) -> AsyncIterator[Service]:
    """Serve ``runtime`` at ``socket`` (default: :func:`default_socket`) or, with
    ``listen="HOST:PORT"``, over TCP (port 0: any free one; see ``Service.address``).

    A non-loopback ``listen`` needs ``token`` (clients send ``Authorization: Bearer``);
    raises ``ListenFailed`` for that, for an address in use, and for a socket a live service
    answers on. Works under trio and asyncio.
    """
    from ollm_actors.service.app import Shared, build_app

    if listen is not None:
        sock, target = _tcp_socket(listen, token)
    else:
        sock, target = await _unix_socket(Path(socket) if socket is not None else default_socket())
    sock.listen(128)
    stop, stopped = anyio.Event(), anyio.Event()
    try:
        with single_errors():
            async with anyio.create_task_group() as tg:
                shared = Shared(runtime, tg)
                app = build_app(shared, token)
                # hypercorn owns the descriptor from here on and closes it.
                server_scope = anyio.CancelScope(shield=True)
                tg.start_soon(_run, app, _config(sock.detach()), stop, stopped, server_scope)
                try:
                    yield Service(target, shared)
                finally:
                    shared.close_streams()
                    shared.desk.cancel_all()
                    stop.set()
                    # A graceful stop even when the body failed or was cancelled: hypercorn
                    # (asyncio) breaks when cancelled amid its own shutdown.
                    with anyio.CancelScope(shield=True), anyio.move_on_after(_GRACE + 2):
                        await stopped.wait()
                    server_scope.cancel()
    finally:
        if sock.fileno() != -1:
            sock.close()
        if target.socket is not None:
            target.socket.unlink(missing_ok=True)
