"""`ollm serve`: this process's runtime as a service until Ctrl-C or SIGTERM.

Every shell (`ollm` finds the service at the default socket, or through ``OLLM_SERVICE``)
and every agent (``ollm_actors.connect()``) then shares one inventory, one pull queue and
one event stream. Stopping cancels the pulls still running (state ``cancelled``) and
removes the socket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ollm_actors.cli.state import CliState

__all__ = ("read_token", "register")


def read_token(path: Path) -> str:
    """The bearer token in ``path`` (its first line, stripped); ``UsageError`` for a file
    that cannot be read or is empty. The token itself is never part of a message."""
    from ollm_actors.errors import UsageError

    try:
        token = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
        raise UsageError(
            f"cannot read the token file {path}: {reason}", command="serve", option="--token-file"
        ) from None
    if not token or not token[0].strip():
        raise UsageError(f"the token file {path} is empty", command="serve",
                         option="--token-file")
    return token[0].strip()


def register(app: typer.Typer) -> None:
    """Add `ollm serve` to ``app`` (exit 0 once stopped by Ctrl-C or SIGTERM)."""

    @app.command("serve")
    def serve_command(
        ctx: typer.Context,
        socket: Annotated[
            Path | None,
            typer.Option("--socket", help="Unix socket to listen on (default: "
                         "<user runtime dir>/ollm/ollm.sock).", metavar="PATH"),
        ] = None,
        listen: Annotated[
            str | None,
            typer.Option("--listen", help="Listen on TCP HOST:PORT instead (off loopback "
                         "only with --token-file).", metavar="HOST:PORT"),
        ] = None,
        token_file: Annotated[
            Path | None,
            typer.Option("--token-file", help="File holding the bearer token clients must "
                         "send.", metavar="FILE"),
        ] = None,
    ) -> None:
        """Run the runtime as a service (HTTP /v1/..., events as NDJSON) until Ctrl-C."""
        state: CliState = ctx.find_root().obj
        from ollm_actors.errors import OllmError

        try:
            token = read_token(token_file) if token_file is not None else None
        except OllmError as exc:
            state.fail(exc)
        settings = state.load_settings()

        async def body() -> None:
            import signal
            import sys

            import anyio

            from ollm_actors.runtime import open_runtime
            from ollm_actors.service import serve

            # The signals end the serving block normally rather than cancel it: the service
            # then cancels its clients' pulls (state ``cancelled``) while the runtime still
            # runs, and only then is the runtime stopped.
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async with (
                    open_runtime(settings) as rt,
                    serve(rt, socket=socket, listen=listen, token=token) as service,
                ):
                    auth = " (bearer token required)" if token else ""
                    sys.stderr.write(f"serving on {service.address}{auth}; Ctrl-C stops\n")
                    sys.stderr.flush()
                    async for received in signals:
                        sys.stderr.write(f"stopping ({signal.Signals(received).name})\n")
                        break

        import anyio

        try:
            anyio.run(body, backend="asyncio")
        except OllmError as exc:
            state.fail(exc)
