"""`ollm pull NAME...`: concurrent pulls with live progress rows, plain lines, or NDJSON.

Progress is drawn by :mod:`ollm_actors.cli.progress_view` on stderr (``--json``: NDJSON
events on stdout, each model's last line its terminal event); the summary, one
``pulled 'NAME' (SIZE) from HOST`` line per pulled model, goes to stdout. Ctrl-C cancels the
pulls through the runtime (the HTTP streams are closed, ``cancelled`` rows are shown) and
exits 130.

A closed stdout: with ``--json`` the next event meets it and the pulls are withdrawn cleanly
(a reader that left wants no more; exit 1, quietly for a broken pipe). Without ``--json``
progress goes to stderr, so the pulls run to their end; a summary that cannot be written is
dropped quietly and the exit status is the pulls' own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.cli.progress_view import ProgressView
    from ollm_actors.downloads.result import PullResult
    from ollm_actors.errors import OllmError
    from ollm_actors.runtime import Runtime
    from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("choose_view", "pull_names", "register", "summary_line")

# Withdrawing from the pulls after Ctrl-C is shielded; this bounds it.
_CANCEL_TIMEOUT = 10.0


def choose_view(*, json: bool) -> ProgressView:
    """:func:`ollm_actors.cli.progress_view.choose_view`, imported when a pull runs (the
    renderer needs msgspec and rich, which ``ollm --help`` must not load)."""
    from ollm_actors.cli.progress_view import choose_view as choose

    return choose(json=json)


def _failed_event(name: str, error: OllmError) -> PullEvent:
    from ollm_actors.vocab.pull_events import PullEvent

    return PullEvent(
        event="failed",
        model=name,
        host=str(getattr(error, "host", "") or ""),
        error=error.message,
        error_type=type(error).__name__,
    )


async def pull_names(
    rt: Runtime, names: list[str], view: ProgressView, host: str | None = None
) -> dict[str, PullResult | OllmError]:
    """Pull every name concurrently to ``host`` (any host string; None: the default host),
    showing each event; the outcome per name.

    Cancellation withdraws every pull through the runtime, shows the ``cancelled`` events,
    and propagates.
    """
    import anyio

    from ollm_actors.errors import OllmError

    outcomes: dict[str, PullResult | OllmError] = {}

    async def pull_one(name: str) -> None:
        try:
            handle = await rt.models.start_pull(name, host, started_by=pull_label())
        except OllmError as exc:
            outcomes[name] = exc
            view.show(name, _failed_event(name, exc))
            return
        try:
            async for event in handle.progress():
                view.show(name, event)
            outcomes[name] = await handle.wait()
        except OllmError as exc:
            outcomes[name] = exc
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True), anyio.move_on_after(_CANCEL_TIMEOUT):
                await handle.aclose()
                async for event in handle.progress():
                    view.show(name, event)
            raise

    async with anyio.create_task_group() as tasks:
        from ollm_actors.cli.progress_view import JsonView

        if isinstance(view, JsonView):
            view.on_failure = tasks.cancel_scope.cancel
        for name in dict.fromkeys(names):
            tasks.start_soon(pull_one, name)
    return outcomes


def summary_line(result: PullResult) -> str:
    """``pulled 'NAME' (SIZE) from HOST``: one line of the summary on stdout."""
    from ollm_actors.cli.format import human_bytes
    from ollm_actors.vocab.safe_text import safe_line

    return safe_line(f"pulled '{result.model}' ({human_bytes(result.total)}) from {result.host}")


def write_summaries(results: list[PullResult]) -> None:
    """The summary lines on stdout. A stdout that is closed or full drops them: the pulls
    are done either way, and the exit status stays theirs (a full disk still gets one
    line on stderr)."""
    import sys

    from ollm_actors.cli.stdout import OutputFailed, silence_stdout, write_stdout

    try:
        for result in results:
            write_stdout((summary_line(result) + "\n").encode())
    except OutputFailed as exc:
        if not exc.broken_pipe:
            sys.stderr.write(f"warning: {exc.reason}\n")
        silence_stdout()


def pull_label() -> str:
    """Who asks, for ``ollm pulls``' STARTED BY: ``ollm pull (pid N, user@box)``."""
    from ollm_actors.downloads.ledger import process_label

    return "ollm pull " + process_label().partition(" ")[2]


#: why ``--detach`` is refused without a service
DETACH_NEEDS_SERVICE = (
    "--detach needs a running service to keep the pull going: start one with 'ollm serve' "
    "(or point OLLM_SERVICE at one)"
)


def start_detached(state: CliState, names: list[str], host: str | None) -> None:
    """``pull --detach``: start each pull on the service and print its id (``--json``:
    ``{"pulls": [{"pull_id", "model", "host", "joined"}]}``), leaving them running."""

    async def body(rt: Any) -> list[dict[str, object]]:
        # Only a service's models take ``detach`` (run_with_runtime checks there is one):
        # the service holds the share and answers the ticket.
        label = pull_label()
        started = []
        for name in dict.fromkeys(names):
            ticket = await rt.models.start_pull(name, host, started_by=label, detach=True)
            started.append(
                {key: getattr(ticket, key) for key in ("pull_id", "model", "host", "joined")}
            )
        return started

    from ollm_actors.cli.run import run_with_runtime

    started = run_with_runtime(state, body, service_only=DETACH_NEEDS_SERVICE)
    if state.json:
        state.print_json({"pulls": started})
        return
    from ollm_actors.vocab.safe_text import safe_line

    for pull in started:
        how = "joined" if pull["joined"] else "started"
        what = f"pull {pull['pull_id']} of '{pull['model']}' on {pull['host']}"
        typer.echo(safe_line(f"{how} {what}"))


def register(app: typer.Typer) -> None:
    """Add `ollm pull` to ``app``."""

    @app.command("pull")
    def pull_command(
        ctx: typer.Context,
        names: Annotated[list[str], typer.Argument(help="Models to pull.", metavar="NAME...")],
        on: OnOption = None,
        detach: Annotated[
            bool,
            typer.Option(
                "--detach",
                help="Start the pulls on the service (ollm serve) and return at once, "
                "printing their ids; follow them with ollm pulls.",
            ),
        ] = False,
    ) -> None:
        """Pull models (several at once) with live progress, to the default host or --on.

        With a service, Ctrl-C cancels this command's share only: the pull goes on while
        another shell or agent wants it."""
        from ollm_actors.cli.output import report_error
        from ollm_actors.cli.run import run_with_runtime
        from ollm_actors.errors import (
            InvalidModelName,
            ModelNotFound,
            OllmError,
            PullCancelled,
            PullFailed,
        )

        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)
        if detach:
            start_detached(state, names, host)
            return
        view = choose_view(json=state.json)

        async def body(rt: Runtime) -> dict[str, PullResult | OllmError]:
            return await pull_names(rt, names, view, host)

        try:
            outcomes = run_with_runtime(state, body)
        finally:
            view.close()
        from ollm_actors.cli.progress_view import JsonView

        if isinstance(view, JsonView) and view.failure is not None:
            # The pulls were withdrawn when stdout failed; say so, and end as a failure.
            raise view.failure
        failed = {n: o for n, o in outcomes.items() if isinstance(o, OllmError)}
        if not state.json:
            write_summaries([o for o in outcomes.values() if not isinstance(o, OllmError)])
            for name, failure in failed.items():
                if not isinstance(failure, PullCancelled):
                    # Errors of the wire (server, protocol) do not say which pull they ended.
                    named = isinstance(failure, PullFailed | InvalidModelName | ModelNotFound)
                    report_error(
                        failure,
                        as_json=False,
                        verbose=state.verbose,
                        context=None if named else f"pull of '{name}'",
                    )
        from ollm_actors.cli.exits import exit_code_of_many

        code = exit_code_of_many(failed.values())
        if code:
            raise SystemExit(code)
