"""`ollm ps`: models loaded in memory, like `ollama ps` plus HOST."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.inventory.types import LoadedModel
    from ollm_actors.runtime import Runtime

__all__ = ("ps_json", "ps_table", "register")


def ps_json(models: list[LoadedModel]) -> dict[str, Any]:
    """``{"models": [{"name", "host", "size", "size_vram", "expires_at", "context_length",
    ...}]}``."""
    return {"models": models}


def ps_table(models: list[LoadedModel]) -> str:
    """NAME ID SIZE PROCESSOR CONTEXT UNTIL HOST, as `ollama ps` renders them."""
    from ollm_actors.cli.format import human_bytes, processor, render_table, until_text
    from ollm_actors.ollama.types import parse_time

    rows = [
        [
            m.name,
            m.digest[:12],
            human_bytes(m.size),
            processor(m.size, m.size_vram),
            str(m.context_length) if m.context_length is not None else "-",
            until_text(parse_time(m.expires_at)),
            m.host,
        ]
        for m in models
    ]
    headers = ["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL", "HOST"]
    return render_table(headers, rows)


def register(app: typer.Typer) -> None:
    """Add `ollm ps` to ``app``."""

    @app.command("ps")
    def ps_command(ctx: typer.Context) -> None:
        """Models loaded in memory on every host."""
        state: CliState = ctx.find_root().obj

        async def body(rt: Runtime) -> list[Any]:
            from ollm_actors.cli.on_host import each_host

            # Each host on its own: one that cannot say (dead, never seen, nothing cached)
            # is a warning naming it instead of a silent gap in the table.
            answers = await each_host(rt.hosts, rt.models.list_loaded)
            return [model for models in answers for model in models]

        from ollm_actors.cli.run import run_with_runtime

        models = run_with_runtime(state, body, actors=("inventory",))
        stale = sorted({m.host for m in models if m.stale})
        for host in stale:
            state.warn(f"{host} is offline; showing the models it had loaded when last seen")
        if state.json:
            state.print_json(ps_json(models))
            return
        typer.echo(ps_table(models))
