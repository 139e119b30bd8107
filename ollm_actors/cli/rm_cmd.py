"""`ollm rm NAME...`: delete models, one after another, like `ollama rm`.

Prints ``deleted '<m>'`` per model. The first failure (a missing model, a pull in flight)
ends the command with one error line and exit 1; models named before it stay deleted. With
``--json``: ``{"deleted": [...]}``, or ``{"deleted": [...], "error": {...}}`` on a failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.errors import OllmError
    from ollm_actors.runtime import Runtime

__all__ = ("register",)


def register(app: typer.Typer) -> None:
    """Add `ollm rm` to ``app``."""

    @app.command("rm")
    def rm_command(
        ctx: typer.Context,
        names: Annotated[list[str], typer.Argument(help="Models to delete.", metavar="NAME...")],
    ) -> None:
        """Delete models."""
        from ollm_actors.cli.output import report_error
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.errors import OllmError

        state: CliState = ctx.find_root().obj
        deleted: list[str] = []

        async def body(rt: Runtime) -> OllmError | None:
            for name in names:
                try:
                    await rt.models.delete_model(name)
                except OllmError as exc:
                    return exc
                deleted.append(name)
                if not state.json:
                    from ollm_actors.vocab.safe_text import safe_line

                    typer.echo(safe_line(f"deleted '{name}'"))
            return None

        error = run_with_runtime(state, body)
        if state.json:
            document: dict[str, object] = {"deleted": deleted}
            if error is not None:
                document["error"] = error.facts()
            state.print_json(document)
        elif error is not None:
            report_error(error, as_json=False, verbose=state.verbose)
        if error is not None:
            raise SystemExit(1)
