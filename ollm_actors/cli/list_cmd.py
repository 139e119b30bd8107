"""`ollm list`: the models of every host, like `ollama list` plus HOST, CONTEXT and CAPS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.inventory.types import InventorySnapshot, ModelInfo
    from ollm_actors.limits.resolve import ModelLimits
    from ollm_actors.runtime import Runtime

__all__ = ("caps_text", "models_table", "register", "sort_models", "stale_warnings")

_CAPS = ("tools", "vision", "embedding", "thinking")
_SORTS = ("name", "size", "modified")


def caps_text(limits: ModelLimits | None) -> str:
    """The CAPS column: the notable capabilities, comma-separated, or ``-``."""
    if limits is None:
        return "-"
    names = limits.capabilities.names()
    shown = [c for c in _CAPS if c in names]
    return ",".join(shown) or "-"


def sort_models(models: list[ModelInfo], sort: str | None) -> list[ModelInfo]:
    """``name`` ascending, ``size`` largest first, ``modified`` newest first; None keeps the
    servers' order (newest first per host)."""
    if sort == "name":
        return sorted(models, key=lambda m: (m.name.lower(), m.host))
    if sort == "size":
        return sorted(models, key=lambda m: -m.size)
    if sort == "modified":
        from ollm_actors.ollama.types import parse_time

        def when(model: ModelInfo) -> float:
            parsed = parse_time(model.modified_at)
            return parsed.timestamp() if parsed is not None else 0.0

        return sorted(models, key=when, reverse=True)
    return list(models)


def stale_warnings(snapshot: InventorySnapshot) -> list[str]:
    """One line per host whose list is not fresh: served from the cache (with its age), or
    not shown at all when nothing was ever fetched from it (no cache to speak of)."""
    from ollm_actors.cli.format import relative_time
    from ollm_actors.ollama.types import parse_time

    lines = []
    for host in snapshot.hosts:
        if not host.stale:
            continue
        why = f" ({host.error})" if host.error else ""
        # Honest words: a host answering HTTP 500 is degraded, not offline.
        if host.state == "degraded":
            state = "is degraded"
        else:
            state = "answered with an error" if host.online else "is offline"
        if host.fetched_at is None:
            # Never listed, in this process or a cache: there is no cached list, of any age.
            lines.append(f"{host.url} {state}; no list of its models is known{why}")
            continue
        age = relative_time(parse_time(host.fetched_at))
        lines.append(f"{host.url} {state}; showing its cached list from {age}{why}")
    return lines


def models_table(
    models: list[ModelInfo], limits: dict[tuple[str, str], ModelLimits]
) -> str:
    """The human `ollm list` table."""
    from ollm_actors.cli.format import human_bytes, relative_time, render_table
    from ollm_actors.ollama.types import parse_time

    rows = [
        [
            m.name,
            m.digest[:12],
            human_bytes(m.size) if m.size else "-",
            relative_time(parse_time(m.modified_at)),
            m.host,
            str(limits[m.host, m.name].context_window) if (m.host, m.name) in limits else "-",
            caps_text(limits.get((m.host, m.name))),
        ]
        for m in models
    ]
    return render_table(["NAME", "ID", "SIZE", "MODIFIED", "HOST", "CONTEXT", "CAPS"], rows)


def register(app: typer.Typer) -> None:
    """Add `ollm list` to ``app``."""

    @app.command("list")
    def list_command(
        ctx: typer.Context,
        prefix: Annotated[
            str | None, typer.Argument(help="Only models whose name starts with this.")
        ] = None,
        sort: Annotated[
            str | None, typer.Option("--sort", help="Order: name, size or modified.")
        ] = None,
        refresh: Annotated[
            bool, typer.Option("--refresh", help="Ask the hosts even if the list is fresh.")
        ] = False,
    ) -> None:
        """Models on every host (NAME, ID, SIZE, MODIFIED, HOST, CONTEXT, CAPS)."""
        state: CliState = ctx.find_root().obj
        if sort is not None and sort not in _SORTS:
            raise typer.BadParameter(f"expected one of {', '.join(_SORTS)}", param_hint="--sort")

        async def body(rt: Runtime) -> tuple[Any, list[Any], dict[tuple[str, str], Any]]:
            snapshot = await rt.models.inventory.snapshot(refresh=refresh)
            models = list(snapshot.models)
            if prefix:
                models = [m for m in models if m.name.lower().startswith(prefix.lower())]
            models = sort_models(models, sort)
            limits: dict[tuple[str, str], Any] = {}
            if not state.json:
                limits = await rt.limits.lookup_installed(models)
            return snapshot, models, limits

        from ollm_actors.cli.run import run_with_runtime

        actors = ("inventory",) if state.json else ("limits",)
        snapshot, models, limits = run_with_runtime(state, body, actors=actors)
        for line in stale_warnings(snapshot):
            state.warn(line)
        if state.json:
            state.print_json({"hosts": snapshot.hosts, "models": models})
            return
        typer.echo(models_table(models, limits))

    # `ollm ls`, as `ollama ls`: the same command under a second name.
    app.command("ls", help="Alias of `list`.")(list_command)
