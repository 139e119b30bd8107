"""The `ollm` command tree. Command modules are imported only when their command runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ollm_actors.cli.state import CliState

app = typer.Typer(
    name="ollm",
    help="Manage the models of local Ollama servers and pick the right model for each task.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from ollm_actors import __version__

        typer.echo(f"ollm {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="Ollama server URL (repeat for several hosts).", metavar="URL"),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Settings file to use.", metavar="FILE")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="More detail (and say which runtime ran).")
    ] = False,
    no_service: Annotated[
        bool,
        typer.Option(
            "--no-service", help="Run in this process even when a service (ollm serve) runs."
        ),
    ] = False,
    model: Annotated[str | None, typer.Option("--model", help="Default model.")] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Default routing profile.")
    ] = None,
    temperature: Annotated[
        float | None, typer.Option("--temperature", help="Sampling temperature (0-2).")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option("--max-tokens", help="Maximum output tokens.")
    ] = None,
    context_size: Annotated[
        int | None, typer.Option("--context-size", help="Context window (num_ctx) to request.")
    ] = None,
    top_p: Annotated[
        float | None, typer.Option("--top-p", help="Nucleus sampling top_p (0-1).")
    ] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Model provider (ollama).")
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Global options: they may stand before or after the command."""
    from ollm_actors.config.options import flags_to_overrides

    overrides, sources = flags_to_overrides(
        {
            "--host": host or None,
            "--model": model,
            "--profile": profile,
            "--temperature": temperature,
            "--max-tokens": max_tokens,
            "--context-size": context_size,
            "--top-p": top_p,
            "--provider": provider,
        }
    )
    ctx.obj = CliState(
        config_file=config,
        overrides=overrides,
        override_sources=sources,
        json=json,
        verbose=verbose,
        no_service=no_service,
    )


@app.command()
def emulator(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free one).")
    ] = 11434,
    bind: Annotated[str, typer.Option("--bind", help="Address to listen on.")] = "127.0.0.1",
    pace: Annotated[
        float,
        typer.Option("--pace", min=0.0, help="Seconds between two lines of a pull.", metavar="S"),
    ] = 0.0,
    steps: Annotated[
        int,
        typer.Option("--steps", min=1, help="Progress lines per weights layer of a pull."),
    ] = 10,
    empty: Annotated[
        bool, typer.Option("--empty", help="Start with no model installed.")
    ] = False,
) -> None:
    """Serve the bundled Ollama-compatible emulator (for tests and demos)."""
    from ollm_actors.emulator import EmulatorState, serve_forever

    state = EmulatorState.empty() if empty else EmulatorState.default()
    state.pull_line_delay = pace
    state.pull_steps_per_layer = steps
    try:
        serve_forever(port, host=bind, state=state)
    except OSError as exc:
        import errno

        from ollm_actors.errors import ListenFailed

        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        taken = exc.errno == errno.EADDRINUSE
        raise ListenFailed(
            f"{bind}:{port}",
            "the address is already in use" if taken else (exc.strerror or str(exc)).lower(),
            hint="another server (Ollama itself?) has it; choose another with --port"
            if taken else "",
        ) from None


def _register_subcommands() -> None:
    from ollm_actors.cli.config_cmd import config_app

    app.add_typer(config_app, name="config", help="Show or check the settings.")
    from ollm_actors.cli import fit_cmd, limits_cmd, list_cmd, ps_cmd, show_cmd

    for module in (list_cmd, ps_cmd, show_cmd, limits_cmd, fit_cmd):
        module.register(app)
    from ollm_actors.cli import hosts_cmd, route_cmd

    route_cmd.register(app)
    hosts_cmd.register(app)
    from ollm_actors.cli import pull_cmd, rm_cmd

    pull_cmd.register(app)
    rm_cmd.register(app)
    from ollm_actors.cli import events_cmd, pulls_cmd

    pulls_cmd.register(app)
    events_cmd.register(app)
    from ollm_actors.cli import serve_cmd

    serve_cmd.register(app)
    from ollm_actors.cli import demo_cmd

    demo_cmd.register(app)
    from ollm_actors.cli import create_cmd, lifecycle_cmd, transfer_cmds

    for module in (lifecycle_cmd, create_cmd, transfer_cmds):
        module.register(app)
    _list_global_options(app)


def _list_global_options(tree: typer.Typer) -> None:
    """Every command's help ends with the global options, which may follow it too."""
    from ollm_actors.cli.usage import global_options_epilog

    epilog = global_options_epilog()
    for command in tree.registered_commands:
        command.epilog = command.epilog or epilog
    for group in tree.registered_groups:
        if group.typer_instance is not None:
            _list_global_options(group.typer_instance)


_register_subcommands()
