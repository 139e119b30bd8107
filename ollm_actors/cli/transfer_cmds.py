"""`ollm push NAME [--insecure]` and `ollm update [NAME...|--all] [--on HOST|--all-hosts]
[--dry-run]`.

``push`` shows progress like ``pull`` (``--json``: NDJSON events, the last one terminal);
Ctrl-C cancels it (exit 130). ``update`` pulls installed models again through the downloads
actor, prints the pulls' progress like ``pull`` and then one line per model and host:
``updated`` (old → new digest), ``unchanged`` or ``failed`` (the reason); ``--dry-run`` lists
what it would pull. ``--json``: ``{"results": [{"model", "host", "status", "old_digest",
"new_digest", "reason", "error_type"}]}``. Exit 1 when any failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ollm_actors.cli.on_host import AllHostsOption, OnOption, checked_on
from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.downloads.lifecycle_results import PushResult, UpdateResult
    from ollm_actors.runtime import Runtime

__all__ = ("register", "update_line")


def _short(digest: str | None) -> str:
    return (digest or "?").removeprefix("sha256:")[:12]


def update_line(result: UpdateResult) -> str:
    """One line of ``ollm update``'s report."""
    where = f"'{result.model}' on {result.host}"
    if result.status == "updated":
        return f"updated {where}: {_short(result.old_digest)} -> {_short(result.new_digest)}"
    if result.status == "failed":
        return f"failed {where}: {result.reason}"
    if result.status == "local":
        return f"local {where}: {result.reason}"
    if result.status == "planned":
        return f"would pull {where} (now {_short(result.old_digest)})"
    return f"unchanged {where} ({_short(result.old_digest)})"


def register(app: typer.Typer) -> None:
    """Add `ollm push` and `ollm update` to ``app``."""

    @app.command("push")
    def push_command(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Model to push.", metavar="NAME")],
        insecure: Annotated[
            bool, typer.Option("--insecure", help="Allow a registry without TLS.")
        ] = False,
        on: OnOption = None,
    ) -> None:
        """Push a model to its registry, with progress like pull."""
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.cli.transfer_view import TransferView

        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)
        view = TransferView("push", json=state.json)

        async def body(rt: Runtime) -> PushResult:
            # Every push.* event, the terminal one included, goes to the view (on_progress
            # sees only the others); the terminal one is published before a cancel re-raises.
            rt.events.on("push.*", lambda event: view.show(name, event.payload))
            return await rt.models.push_model(name, host, insecure=insecure)

        try:
            run_with_runtime(state, body, actors=("inventory", "downloads"))
        finally:
            view.close()

    @app.command("update")
    def update_command(
        ctx: typer.Context,
        names: Annotated[
            list[str] | None, typer.Argument(help="Models to update.", metavar="NAME...")
        ] = None,
        all_models: Annotated[
            bool, typer.Option("--all", help="Update every installed model.")
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="List what would be pulled; pull nothing.")
        ] = False,
        on: OnOption = None,
        all_hosts: AllHostsOption = False,
    ) -> None:
        """Pull installed models again; say per model updated, unchanged or failed."""
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.cli.transfer_view import TransferView

        state: CliState = ctx.find_root().obj
        if bool(names) == all_models:
            raise typer.BadParameter("name the models to update, or give --all",
                                     param_hint="NAME...")
        if on is not None and all_hosts:
            raise typer.BadParameter("give --on HOST or --all-hosts, not both",
                                     param_hint="--on")
        host = checked_on(state, on)
        view = TransferView("pull", json=False) if not state.json else None

        async def body(rt: Runtime) -> list[UpdateResult]:
            return await rt.models.update_models(
                list(names) if names else None,
                None if host is None else [host],
                dry_run=dry_run,
                on_progress=None if view is None else (lambda e: view.show(e.model, e)),
            )

        try:
            results = run_with_runtime(state, body, actors=("inventory", "downloads"))
        finally:
            if view is not None:
                view.close()
        if state.json:
            state.print_json({"results": results})
        else:
            from ollm_actors.vocab.safe_text import safe_line

            for result in results:
                typer.echo(safe_line(update_line(result)))
            if not results:
                typer.echo("no model to update")
        if any(result.status == "failed" for result in results):
            raise SystemExit(1)
