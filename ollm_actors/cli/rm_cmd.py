"""`ollm rm NAME...`: delete models, one after another, like `ollama rm`.

Each model is deleted from the host that has it (``--on HOST``: from that host). A model
that several hosts have is refused (``ModelOnSeveralHosts``, naming them) unless
``--all-hosts`` deletes it from each; one that no host has is "not found" with close names.

Prints ``deleted '<m>' from <host>`` per model and host. The first failure (a missing model,
a pull in flight, several hosts) ends the command with one error line and exit 1; models
named before it stay deleted. With ``--json``: ``{"deleted": [names], "results": [{"model",
"host"}]}``, plus ``"error": {...}`` on a failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ollm_actors.cli.on_host import AllHostsOption, OnOption, checked_on
from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.errors import OllmError
    from ollm_actors.runtime import Runtime

__all__ = ("delete_targets", "register")


async def delete_targets(
    rt: Runtime, name: str, on: str | None, *, all_hosts: bool
) -> tuple[str | None, ...]:
    """The hosts to delete ``name`` from: ``on``; else the one host that has it (or is
    pulling it: the delete then says it is busy), or every one with ``all_hosts``.

    Raises ``ModelOnSeveralHosts`` naming the hosts, and ``ModelNotFound`` (with close
    installed names from every host) when no host has it; with one host configured, the
    delete itself says so, with the host's close names (and so it does when a host that
    might have it could not be listed).
    """
    from ollm_actors.errors import ModelNotFound, ModelOnSeveralHosts

    if on is not None:
        return (on,)
    status = await rt.models.get_model_status(name)
    found = status.hosts
    if len(found) > 1 and not all_hosts:
        raise ModelOnSeveralHosts(status.model, found)
    if found:
        return found
    if len(rt.hosts) == 1 or status.status == "unknown":
        return (None,)
    from ollm_actors.vocab.suggest import close_matches

    installed = [model.name for model in await rt.models.list_models()]
    raise ModelNotFound(status.model, None, close_matches(status.model, installed))


def register(app: typer.Typer) -> None:
    """Add `ollm rm` to ``app``."""

    @app.command("rm")
    def rm_command(
        ctx: typer.Context,
        names: Annotated[list[str], typer.Argument(help="Models to delete.", metavar="NAME...")],
        on: OnOption = None,
        all_hosts: AllHostsOption = False,
    ) -> None:
        """Delete models from the host that has each (--on HOST: from that one)."""
        from ollm_actors.cli.output import report_error
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.errors import OllmError

        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)
        deleted: list[str] = []
        results: list[dict[str, str]] = []

        async def body(rt: Runtime) -> OllmError | None:
            from ollm_actors.vocab.safe_text import safe_line

            for name in names:
                try:
                    for target in await delete_targets(rt, name, host, all_hosts=all_hosts):
                        await rt.models.delete_model(name, target)
                        where = rt.resolve_host(target)
                        results.append({"model": name, "host": where})
                        if not state.json:
                            typer.echo(safe_line(f"deleted '{name}' from {where}"))
                except OllmError as exc:
                    return exc
                deleted.append(name)
            return None

        error = run_with_runtime(state, body)
        if state.json:
            document: dict[str, object] = {"deleted": deleted, "results": results}
            if error is not None:
                document["error"] = error.facts()
            state.print_json(document)
        elif error is not None:
            report_error(error, as_json=False, verbose=state.verbose)
        if error is not None:
            raise SystemExit(1)
