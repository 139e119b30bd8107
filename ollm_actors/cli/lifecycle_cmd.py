"""`ollm cp SRC DST [--move]`, `ollm load NAME [--keep-alive D]`, `ollm stop NAME|--all`.

Each acts on the default host, or ``--on HOST``; prints one line per change naming the
host (``--json``: ``{"copied": {...}}``, ``{"loaded": {...}}``, ``{"stopped": [...]}``). A
model the host lacks ends the command with exit 1 and close installed names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.runtime import Runtime

__all__ = ("register",)


def _echo(state: CliState, text: str) -> None:
    from ollm_actors.vocab.safe_text import safe_line

    if not state.json:
        typer.echo(safe_line(text))


def register(app: typer.Typer) -> None:
    """Add `ollm cp`, `ollm load` and `ollm stop` to ``app``."""

    @app.command("cp")
    def cp_command(
        ctx: typer.Context,
        source: Annotated[str, typer.Argument(help="Model to copy.", metavar="SRC")],
        destination: Annotated[str, typer.Argument(help="New name.", metavar="DST")],
        move: Annotated[
            bool, typer.Option("--move", help="Delete SRC after the copy (a rename).")
        ] = False,
        on: OnOption = None,
    ) -> None:
        """Copy a model to a new name (--move: rename it)."""
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.vocab.names import parse_model_name

        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)

        async def body(rt: Runtime) -> dict[str, object]:
            await rt.models.copy_model(source, destination, host, move=move)
            src = parse_model_name(source).display
            dst = parse_model_name(destination).display
            where = rt.resolve_host(host)
            verb = "moved" if move else "copied"
            _echo(state, f"{verb} '{src}' to '{dst}' on {where}")
            return {"source": src, "destination": dst, "host": where, "moved": move}

        done = run_with_runtime(state, body, actors=("inventory", "downloads"))
        if state.json:
            state.print_json({"copied": done})

    @app.command("load")
    def load_command(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Model to load into memory.", metavar="NAME")],
        keep_alive: Annotated[
            str | None,
            typer.Option("--keep-alive", metavar="D",
                         help="How long it stays loaded: 30m, 1h, -1 (for ever), seconds."),
        ] = None,
        on: OnOption = None,
    ) -> None:
        """Load a model into memory (so the first request does not wait for it)."""
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.vocab.names import parse_model_name

        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)
        wait: object = keep_alive
        if keep_alive is not None and keep_alive.lstrip("-").replace(".", "", 1).isdigit():
            wait = float(keep_alive) if "." in keep_alive else int(keep_alive)

        async def body(rt: Runtime) -> dict[str, object]:
            await rt.models.load_model(name, keep_alive=wait, host=host)
            model = parse_model_name(name).display
            where = rt.resolve_host(host)
            _echo(state, f"loaded '{model}' on {where}")
            return {"model": model, "host": where, "keep_alive": wait}

        done = run_with_runtime(state, body, actors=("inventory", "downloads"))
        if state.json:
            state.print_json({"loaded": done})

    @app.command("stop")
    def stop_command(
        ctx: typer.Context,
        name: Annotated[
            str | None, typer.Argument(help="Model to unload.", metavar="NAME")
        ] = None,
        all_models: Annotated[
            bool, typer.Option("--all", help="Unload every loaded model.")
        ] = False,
        on: OnOption = None,
    ) -> None:
        """Unload a model from memory (--all: every loaded model)."""
        from ollm_actors.cli.run import run_with_runtime

        state: CliState = ctx.find_root().obj
        if (name is None) == (not all_models) or (name is not None and all_models):
            raise typer.BadParameter("name one model to stop, or give --all", param_hint="NAME")
        host = checked_on(state, on)

        async def body(rt: Runtime) -> list[dict[str, str]]:
            stopped: list[dict[str, str]] = []
            if name is not None:
                for model in await rt.models.stop_model(name, host):
                    stopped.append({"model": model, "host": rt.resolve_host(host)})
            else:
                for loaded in await rt.models.list_loaded(host):
                    if loaded.stale:
                        continue
                    await rt.models.stop_model(loaded.name, loaded.host)
                    stopped.append({"model": loaded.name, "host": loaded.host})
            for entry in stopped:
                _echo(state, f"stopped '{entry['model']}' on {entry['host']}")
            if not stopped:
                _echo(state, "no model is loaded")
            return stopped

        done = run_with_runtime(state, body, actors=("inventory", "downloads"))
        if state.json:
            state.print_json({"stopped": done})
