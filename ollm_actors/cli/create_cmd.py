"""`ollm create NAME --from BASE [--num-ctx N] [--param K=V]... [--system TEXT|@file]
[--template @file]`: a model derived from another, like a hand-written Modelfile's ``FROM``,
``PARAMETER``, ``SYSTEM`` and ``TEMPLATE``.

Parameters are checked before any request (Ollama's option names and types; a typo is exit
2 naming it, with close names). The server's status lines are shown as progress on stderr;
the result goes to stdout (``--json``: the :class:`CreateResult` document).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.downloads.lifecycle_results import CreateResult
    from ollm_actors.runtime import Runtime

__all__ = ("read_text_or_file", "register")


def read_text_or_file(value: str | None, option: str, *, file_only: bool = False) -> str | None:
    """``value`` itself, or the text of the file ``@PATH`` names (UTF-8). Raises
    ``typer.BadParameter`` (exit 2) for a file that cannot be read, or a bare text where only
    a file is taken."""
    if value is None:
        return None
    if not value.startswith("@"):
        if file_only:
            raise typer.BadParameter(f"expected @FILE, got {value!r}", param_hint=option)
        return value
    path = Path(value[1:]).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}", param_hint=option) from None


def register(app: typer.Typer) -> None:
    """Add `ollm create` to ``app``."""

    @app.command("create")
    def create_command(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="The new model's name.", metavar="NAME")],
        from_: Annotated[
            str, typer.Option("--from", help="The model to derive from.", metavar="BASE")
        ],
        num_ctx: Annotated[
            int | None,
            typer.Option("--num-ctx", min=1, metavar="N",
                         help="Context the model loads with (PARAMETER num_ctx)."),
        ] = None,
        param: Annotated[
            list[str] | None,
            typer.Option("--param", metavar="K=V",
                         help="A Modelfile parameter (repeatable): temperature=0.2, stop=...)"),
        ] = None,
        system: Annotated[
            str | None, typer.Option("--system", metavar="TEXT|@FILE", help="System prompt.")
        ] = None,
        template: Annotated[
            str | None, typer.Option("--template", metavar="@FILE", help="Prompt template.")
        ] = None,
        on: OnOption = None,
    ) -> None:
        """Create a model derived from another (a larger num_ctx, parameters, a system
        prompt)."""
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.cli.transfer_view import TransferView
        from ollm_actors.config.model_parameters import parse_parameter_args
        from ollm_actors.errors import BadModelParameter

        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)
        try:
            parameters = parse_parameter_args(param or [])
        except BadModelParameter as exc:
            state.fail(exc)
        if num_ctx is not None:
            parameters["num_ctx"] = num_ctx
        system_text = read_text_or_file(system, "--system")
        template_text = read_text_or_file(template, "--template", file_only=True)
        view = TransferView("create", json=False) if not state.json else None

        async def body(rt: Runtime) -> CreateResult:
            return await rt.models.create_model(
                name, from_, parameters=parameters, system=system_text,
                template=template_text, host=host,
                on_progress=None if view is None else (lambda e: view.show(name, e)),
            )

        try:
            result = run_with_runtime(state, body, actors=("inventory", "downloads"))
        finally:
            if view is not None:
                view.close()
        if state.json:
            state.print_json(result)
            return
        from ollm_actors.vocab.safe_text import safe_line

        shown = " ".join(f"{k}={v}" for k, v in sorted(result.parameters.items()))
        extra = f" with {shown}" if shown else ""
        typer.echo(safe_line(f"created '{result.model}' from '{result.base}'{extra} on "
                             f"{result.host}"))
