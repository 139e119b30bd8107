"""`ollm hosts`: one row per configured host: URL, state, latency, version, models, loaded
models, cache age (and a cooldown, when one runs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.inventory.types import HostStatus
    from ollm_actors.runtime import Runtime

__all__ = ("hosts_json", "hosts_table", "register")


def hosts_json(statuses: list[HostStatus]) -> dict[str, Any]:
    """``{"hosts": [{"url", "state", "latency_ms", "version", "models", "loaded",
    "cache_age_s", "cooldown_until", "cooldown_reason", "online", "stale", "fetched_at",
    "error"}]}``: every field of :class:`~ollm_actors.inventory.types.HostStatus`."""
    return {"hosts": statuses}


def _age(seconds: float | None) -> str:
    from ollm_actors.cli.format import human_duration

    return "-" if seconds is None else human_duration(seconds)


def hosts_table(statuses: list[HostStatus]) -> str:
    """URL STATE LATENCY VERSION MODELS LOADED CACHE AGE, plus COOLDOWN when a host has one."""
    from ollm_actors.cli.format import render_table

    cooling = any(s.cooldown_until is not None for s in statuses)
    rows = []
    for s in statuses:
        row = [
            s.url,
            s.state,
            "-" if s.latency_ms is None else f"{s.latency_ms:g} ms",
            s.version or "-",
            str(s.models) if s.fetched_at is not None or s.models else "-",
            "-" if s.loaded is None else str(s.loaded),
            _age(s.cache_age_s),
        ]
        if cooling:
            row.append(s.cooldown_until or "-")
        rows.append(row)
    headers = ["URL", "STATE", "LATENCY", "VERSION", "MODELS", "LOADED", "CACHE AGE"]
    return render_table([*headers, *(["COOLDOWN UNTIL"] if cooling else [])], rows)


def register(app: typer.Typer) -> None:
    """Add `ollm hosts` to ``app``."""

    @app.command("hosts")
    def hosts_command(ctx: typer.Context) -> None:
        """Every host: state (online, degraded, offline), latency, version, models, loaded
        models, cache age. Exits 0 whatever the hosts' states (they are the answer)."""
        state: CliState = ctx.find_root().obj

        async def body(rt: Runtime) -> list[Any]:
            return await rt.hosts.probe()

        from ollm_actors.cli.run import run_with_runtime

        statuses = run_with_runtime(state, body, actors=("inventory",))
        for status in statuses:
            if status.state in ("offline", "degraded") and status.error:
                state.warn(f"{status.url} is {status.state}: {status.error}")
        if state.json:
            state.print_json(hosts_json(statuses))
            return
        typer.echo(hosts_table(statuses))
