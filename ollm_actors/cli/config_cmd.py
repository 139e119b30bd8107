"""``ollm config show`` and ``ollm config validate [FILE]``.

Both read the CLI state the main app leaves in the root context's ``obj`` (``CliState``):
its ``load_settings()`` applies ``--config``, the environment and the settings flags, and its
``fail(error)`` prints an error (one line, or JSON under ``--json``) and exits with the
error's exit code (2 for settings problems).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol

import typer

from ollm_actors.errors import OllmError

if TYPE_CHECKING:
    from ollm_actors.config.model import Settings

__all__ = ("config_app",)

config_app = typer.Typer(
    name="config",
    help="Show the effective settings or check a settings file.",
    no_args_is_help=True,
)


class _State(Protocol):
    json: bool

    def load_settings(self) -> Settings: ...

    def fail(self, error: OllmError) -> NoReturn: ...


def _state(ctx: typer.Context) -> _State:
    state: _State = ctx.find_root().obj
    return state


def _redacted(value: Any) -> Any:
    """``value`` with credentials in URLs masked: settings output may land in logs."""
    from ollm_actors.vocab.hosts import redact_url

    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def _rows(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_rows(value, f"{path}."))
        else:
            rows.append((path, value))
    return rows


def _show_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


@config_app.command("show")
def show(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print settings and sources as JSON.")
    ] = False,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Show the options a request to this model sends, with sources."
        ),
    ] = None,
) -> None:
    """Print the effective settings and where each value came from."""
    state = _state(ctx)
    try:
        settings = state.load_settings()
    except OllmError as error:
        state.fail(error)
    if model is not None:
        _show_model(state, settings, model, as_json or state.json)
        return
    data = _redacted(settings.as_dict())
    if as_json or state.json:
        typer.echo(json.dumps({"settings": data, "sources": dict(settings.sources)}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ollm_actors.vocab.safe_text import safe_line

    table = Table(title="ollm settings", title_justify="left")
    # Paths and sources are what people grep for: keep them whole, fold long values instead.
    table.add_column("setting", style="cyan", no_wrap=True)
    table.add_column("value", overflow="fold", ratio=1)
    table.add_column("source", style="dim", no_wrap=True)
    for path, value in _rows(data):
        # Keys and values come from settings files and the environment: as Text, brackets
        # stay brackets (a str cell would be read as rich markup), and each is one safe line.
        source = settings.sources.get(path, "default")
        table.add_row(*(Text(safe_line(cell)) for cell in (path, _show_text(value), source)))
    console = Console()
    if not console.is_terminal:
        # Piped into grep or a file: one row a line beats fitting 80 columns.
        console = Console(width=200)
    console.print(table)


def _show_model(state: _State, settings: Settings, name: str, as_json: bool) -> None:
    from ollm_actors.limits.options import model_options

    try:
        chosen = model_options(settings, name)
    except OllmError as error:
        state.fail(error)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "model": chosen.model,
                    "options": chosen.options,
                    "sources": chosen.sources,
                    "paths": chosen.paths,
                    "patterns": list(chosen.patterns),
                },
                indent=2,
            )
        )
        return
    from ollm_actors.vocab.safe_text import safe_line

    typer.echo(f"options for {safe_line(chosen.model)}:")
    for key, value in chosen.options.items():
        where = f"{chosen.sources[key]} ({chosen.paths[key]})"
        typer.echo(safe_line(f"  {key} = {_show_text(value)}  <- {where}"))


@config_app.command("validate")
def validate(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="A settings file to check on its own (default: all settings)."),
    ] = None,
) -> None:
    """Check a settings file (or the current settings); exit 2 listing every problem."""
    from ollm_actors.config.loader import check_settings_file

    state = _state(ctx)
    try:
        if file is not None:
            check_settings_file(file)
        else:
            state.load_settings()
    except OllmError as error:
        state.fail(error)
    if state.json:
        typer.echo(json.dumps({"valid": True, "file": None if file is None else str(file)}))
    else:
        typer.echo(f"OK: {file} is valid" if file is not None else "OK: the settings are valid")
