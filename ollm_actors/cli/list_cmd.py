"""`ollm list`: the models of every host, like `ollama list` plus HOST, CONTEXT and CAPS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.inventory.types import InventorySnapshot, ModelInfo
    from ollm_actors.limits.resolve import ModelLimits
    from ollm_actors.runtime import Runtime

__all__ = (
    "DROP_ORDER",
    "caps_text",
    "json_models",
    "models_table",
    "output_width",
    "register",
    "sort_models",
    "stale_warnings",
)

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


def json_models(models: list[ModelInfo], known: dict[tuple[str, str], Any]) -> list[Any]:
    """The ``models`` of ``list --json``: each model's fields plus ``context_window`` (the
    server's ``<arch>.context_length``) and ``capabilities`` (the server's list) when its
    ``/api/show`` facts are already known (``known``: details by ``(host, digest)``), else
    null. Nothing is fetched for them."""
    import msgspec

    out = []
    for model in models:
        entry = msgspec.to_builtins(model)
        details = known.get((model.host, model.digest))
        entry["context_window"] = None if details is None else details.context_length
        caps = None if details is None else details.capabilities
        entry["capabilities"] = None if caps is None else list(caps)
        out.append(entry)
    return out


#: what goes first when a table is too wide for the terminal
DROP_ORDER = ("CAPS", "CONTEXT")


def output_width(*, wide: bool = False) -> int | None:
    """The width tables are fitted to: ``COLUMNS`` when set, else the terminal's width when
    stdout is one; None (no limit) with ``--wide`` or into a pipe or a file, where a script
    wants every column."""
    import os
    import sys

    if wide:
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = sys.stdout
    try:
        if stream is not None and stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        return None
    return None


def models_table(
    models: list[ModelInfo],
    limits: dict[tuple[str, str], ModelLimits],
    *,
    show_host: bool = True,
    width: int | None = None,
) -> str:
    """The human `ollm list` table: HOST only with ``show_host`` (several hosts).

    When the table is wider than ``width``: CAPS, then CONTEXT, are left out; then HOST is
    written as the short host string Ollama reads (``127.0.0.1:11434`` for
    ``http://127.0.0.1:11434``); then the columns close up to two spaces apart; then ID (the
    digest's start, the least read column) is left out. Past that a long name wraps rather
    than be cut.
    """
    from ollm_actors.cli.format import fit_table, human_bytes, relative_time
    from ollm_actors.ollama.types import parse_time

    headers = ["NAME", "ID", "SIZE", "MODIFIED", "HOST", "CONTEXT", "CAPS"]
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
    if not show_host:
        headers.remove("HOST")
        rows = [row[:4] + row[5:] for row in rows]
    table = fit_table(headers, rows, width=width, drop=DROP_ORDER)
    if width is None or _fits(table, width) or not show_host:
        return table
    rows = [[*row[:4], _short_host(row[4]), *row[5:]] for row in rows]
    table = fit_table(headers, rows, width=width, drop=DROP_ORDER)
    if _fits(table, width):
        return table
    return fit_table(headers, rows, width=width, drop=(*DROP_ORDER, "ID"), gap=2)


def _fits(table: str, width: int) -> bool:
    return all(len(line) <= width for line in table.splitlines())


def _short_host(url: str) -> str:
    """``http://h:p`` as ``h:p``: what Ollama's ``OLLAMA_HOST`` reads back as the same URL."""
    return url.removeprefix("http://") if url.startswith("http://") else url


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
        wide: Annotated[
            bool, typer.Option("--wide", help="Every column, however wide the terminal.")
        ] = False,
    ) -> None:
        """Models on every host (NAME, ID, SIZE, MODIFIED, HOST with several hosts, CONTEXT,
        CAPS; on a narrow terminal CAPS, then CONTEXT, are left out unless --wide)."""
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
            if state.json:
                # Known facts only: --json starts no limits actor and sends no /api/show.
                known = await rt.models.inventory.known_details()
                limits = {(d.host, d.digest): d for d in known}
            else:
                from ollm_actors.cli.progress_view import facts_line

                line = facts_line(json=False)
                try:
                    limits = await rt.limits.lookup_installed(
                        models, progress=None if line is None else line.update
                    )
                finally:
                    if line is not None:
                        line.close()
            return snapshot, models, limits

        from ollm_actors.cli.run import run_with_runtime

        actors = ("inventory",) if state.json else ("limits",)
        snapshot, models, limits = run_with_runtime(state, body, actors=actors)
        for line in stale_warnings(snapshot):
            state.warn(line)
        from ollm_actors.cli.stdout import write_listing

        # A reader that left (``| head -1``) ends a listing with exit 0, whenever it left.
        if state.json:
            from ollm_actors.cli.output import json_bytes

            write_listing(json_bytes({"hosts": snapshot.hosts, "models": json_models(
                models, limits
            )}))
            return
        table = models_table(
            models, limits, show_host=len(snapshot.hosts) > 1, width=output_width(wide=wide)
        )
        write_listing((table + "\n").encode())

    # `ollm ls`, as `ollama ls`: the same command under a second name.
    app.command("ls", help="Alias of `list`.")(list_command)
