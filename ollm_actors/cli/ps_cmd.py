"""`ollm ps`: models loaded in memory, like `ollama ps` plus HOST, and ESTIMATE: what the
memory rule (``ollm fit``) says the model takes at the context it was loaded with, beside
the SIZE the server reports — the last column, the first a narrow terminal may drop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.inventory.types import LoadedModel
    from ollm_actors.runtime import Runtime

__all__ = ("loaded_estimates", "ps_json", "ps_table", "register")


def ps_json(
    models: list[LoadedModel], estimates: Sequence[int | None] | None = None
) -> dict[str, Any]:
    """``{"models": [{"name", "host", "size", "size_vram", "expires_at", "context_length",
    ..., "estimated_size"}]}``: ``estimated_size`` (bytes, None when the model cannot be
    sized) is the memory rule's total at ``context_length``, before any correction."""
    import msgspec

    if estimates is None:
        return {"models": models}
    documents = []
    for model, estimate in zip(models, estimates, strict=True):
        document = msgspec.to_builtins(model)
        document["estimated_size"] = estimate
        documents.append(document)
    return {"models": documents}


def ps_table(models: list[LoadedModel], estimates: Sequence[int | None] | None = None) -> str:
    """NAME ID SIZE PROCESSOR CONTEXT UNTIL HOST, as `ollama ps` renders them, then
    ESTIMATE when ``estimates`` are given (one per model; "-" where unknown)."""
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
    if estimates is not None:
        headers.append("ESTIMATE")
        for row, estimate in zip(rows, estimates, strict=True):
            row.append(human_bytes(estimate) if estimate is not None else "-")
    return render_table(headers, rows)


async def loaded_estimates(rt: Runtime, models: Sequence[LoadedModel]) -> list[int | None]:
    """The memory rule's total (uncorrected: the correction is learned from this very
    ``size``) for each loaded model at the context it was loaded with."""
    from ollm_actors.cli.fit_cmd import memory_of

    estimates: list[int | None] = []
    for model in models:
        memory = None
        if model.context_length and not model.stale:
            memory = await memory_of(rt, model.name, model.host, model.context_length)
        estimates.append(memory.estimate.raw_total if memory is not None else None)
    return estimates


def register(app: typer.Typer) -> None:
    """Add `ollm ps` to ``app``."""

    @app.command("ps")
    def ps_command(ctx: typer.Context) -> None:
        """Models loaded in memory on every host."""
        state: CliState = ctx.find_root().obj

        async def body(rt: Runtime) -> tuple[list[Any], list[int | None]]:
            from ollm_actors.cli.on_host import each_host

            # Each host on its own: one that cannot say (dead, never seen, nothing cached)
            # is a warning naming it instead of a silent gap in the table.
            answers = await each_host(rt.hosts, rt.models.list_loaded)
            models = [model for models in answers for model in models]
            return models, await loaded_estimates(rt, models)

        from ollm_actors.cli.run import run_with_runtime

        models, estimates = run_with_runtime(state, body, actors=("inventory", "limits"))
        stale = sorted({m.host for m in models if m.stale})
        for host in stale:
            state.warn(f"{host} is offline; showing the models it had loaded when last seen")
        if state.json:
            state.print_json(ps_json(models, estimates))
            return
        typer.echo(ps_table(models, estimates))
