"""`ollm pulls` and `ollm cancel NAME|ID`: the pulls of a service, and cancelling one for all.

Meant for a service (``ollm serve``): there they see every pull any shell or agent started.
Without one they see only this process's own runtime, which has no pulls of its own; the
help says so.

``ollm pulls``: one row per pull (running first, then the last ended ones): ID, MODEL, HOST,
STATE, PROGRESS, STARTED BY. ``--json``: a list of the pulls' ``PullInfo`` fields.
``ollm cancel``: cancels every share of the pull with that id (a number) or model name and
prints how it ended; ``--json``: that pull's fields. Nothing to cancel is ``PullNotFound``,
exit 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.downloads.api import PullInfo
    from ollm_actors.runtime import Runtime

__all__ = ("IN_PROCESS_NOTE", "cancel_line", "progress_text", "pulls_table", "register")

#: the help's word on what these commands see without a service
IN_PROCESS_NOTE = (
    "Meant for a running service (ollm serve), which sees every shell's and agent's pulls; "
    "without one, only this command's own runtime is seen."
)


def progress_text(info: PullInfo) -> str:
    """``42% (1.2 GB/2.9 GB)``; ``-`` before the size is known."""
    from ollm_actors.cli.format import human_bytes

    if info.total <= 0:
        return "-"
    percent = min(100, info.completed * 100 // info.total)
    return f"{percent}% ({human_bytes(info.completed)}/{human_bytes(info.total)})"


def pulls_table(pulls: Sequence[PullInfo]) -> str:
    """ID MODEL HOST STATE PROGRESS STARTED BY; a failed pull's state carries its error."""
    from ollm_actors.cli.format import render_table
    from ollm_actors.vocab.safe_text import safe_line

    rows = [
        [
            str(info.pull_id),
            info.model,
            info.host,
            info.state,
            progress_text(info),
            safe_line(", ".join(info.started_by) or "-"),
        ]
        for info in pulls
    ]
    return render_table(["ID", "MODEL", "HOST", "STATE", "PROGRESS", "STARTED BY"], rows)


def cancel_line(info: PullInfo) -> str:
    """What ``ollm cancel`` prints: the pull, and how it ended."""
    shares = f"{info.askers} share{'s' if info.askers != 1 else ''}"
    what = f"pull {info.pull_id} of '{info.model}' on {info.host}"
    if info.state == "cancelled":
        return f"cancelled {what} ({shares})"
    return f"{what} ended {info.state} before it could be cancelled"


def _target(text: str) -> int | str:
    """A pull id when ``text`` is a number, else a model name."""
    return int(text) if text.isdigit() else text


def register(app: typer.Typer) -> None:
    """Add `ollm pulls` and `ollm cancel` to ``app``."""

    @app.command("pulls", help=f"Running and recent pulls, who started them. {IN_PROCESS_NOTE}")
    def pulls_command(ctx: typer.Context) -> None:
        state: CliState = ctx.find_root().obj

        async def body(rt: Runtime) -> tuple[PullInfo, ...]:
            return await rt.models.pulls(recent=True)

        from ollm_actors.cli.run import run_with_runtime

        pulls = run_with_runtime(state, body, actors=("downloads",))
        if state.json:
            state.print_json(list(pulls))
            return
        typer.echo(pulls_table(pulls))

    @app.command("cancel", help=f"Cancel a pull for everyone sharing it. {IN_PROCESS_NOTE}")
    def cancel_command(
        ctx: typer.Context,
        target: Annotated[
            str, typer.Argument(help="The pull's id or its model's name.", metavar="NAME|ID")
        ],
        on: OnOption = None,
    ) -> None:
        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)

        async def body(rt: Runtime) -> PullInfo:
            return await rt.models.cancel_pull(_target(target), host)

        from ollm_actors.cli.run import run_with_runtime

        info = run_with_runtime(state, body, actors=("downloads",))
        if state.json:
            state.print_json(info)
            return
        from ollm_actors.vocab.safe_text import safe_line

        typer.echo(safe_line(cancel_line(info)))
