"""`ollm pull NAME...`: concurrent pulls with live progress bars, plain lines, or NDJSON.

Output: with ``--json`` one :class:`PullEvent` per line on stdout (flushed; each model's last
line is its terminal event); on a terminal, one live rich bar per model on stderr; otherwise
(no TTY, or ``NO_COLOR``) plain lines on stderr at each phase change, every few seconds while
downloading, and one final line per model. Ctrl-C cancels the pulls through the runtime (the
HTTP streams are closed, ``cancelled`` events are printed) and exits 130.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState
from ollm_actors.vocab.safe_text import safe_line

if TYPE_CHECKING:
    from ollm_actors.downloads.result import PullResult
    from ollm_actors.errors import OllmError
    from ollm_actors.runtime import Runtime
    from ollm_actors.vocab.pull_events import PullEvent

__all__ = ("PLAIN_EVERY", "choose_view", "pull_names", "register")

#: seconds between two plain progress lines of one model while its phase does not change
PLAIN_EVERY = 5.0
# Withdrawing from the pulls after Ctrl-C is shielded; this bounds it.
_CANCEL_TIMEOUT = 10.0


class _View(Protocol):
    def show(self, name: str, event: PullEvent) -> None: ...

    def close(self) -> None: ...


class _JsonView:
    """NDJSON events on stdout, one per line, flushed at once.

    When stdout fails (closed, full, a reader gone), the view goes quiet, remembers why in
    ``failure`` and calls ``on_failure`` once, which cancels the pulls cleanly.
    """

    def __init__(self) -> None:
        self.failure: Exception | None = None
        self.on_failure: Any = None

    def show(self, name: str, event: PullEvent) -> None:
        from ollm_actors.cli.output import json_bytes
        from ollm_actors.cli.stdout import OutputFailed, write_stdout

        if self.failure is not None:
            return
        try:
            write_stdout(json_bytes(event))
        except OutputFailed as exc:
            self.failure = exc
            if self.on_failure is not None:
                self.on_failure()

    def close(self) -> None:
        return


def _figures(event: PullEvent) -> str:
    from ollm_actors.cli.format import human_bytes

    if not event.total:
        return ""
    percent = 100.0 * event.completed / event.total
    return f" {percent:3.0f}% {human_bytes(event.completed)}/{human_bytes(event.total)}"


class _PlainView:
    """A line per phase change, every few seconds while downloading, and a final line."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._phase: dict[str, str] = {}
        self._printed: dict[str, float] = {}

    def _line(self, text: str) -> None:
        # Status and error texts are the server's: one safe line each, whatever they hold.
        sys.stderr.write(safe_line(text) + "\n")
        sys.stderr.flush()

    def show(self, name: str, event: PullEvent) -> None:
        from ollm_actors.cli.format import human_bytes

        now = self._clock()
        if event.event == "done":
            self._line(f"pulled '{event.model}' ({human_bytes(event.total)}) from {event.host}")
            return
        if event.event == "cancelled":
            self._line(f"cancelled pull of '{event.model}' from {event.host}")
            return
        if event.event == "failed":
            return  # reported once, as an error line, when every pull has ended
        if event.event == "retrying":
            wait = f" in {event.retry_in:.1f} s" if event.retry_in is not None else ""
            self._line(f"{event.model}: {event.error}; retrying{wait} (attempt {event.attempt})")
            return
        changed = self._phase.get(name) != event.phase
        if changed or now - self._printed.get(name, now) >= PLAIN_EVERY:
            self._phase[name] = event.phase
            self._printed[name] = now
            self._line(f"{event.model}: {event.status or event.phase}{_figures(event)}")

    def close(self) -> None:
        sys.stderr.flush()


class _LiveView:
    """One rich progress bar per model on stderr, in decimal units like `ollama pull`."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            SpinnerColumn,
            TaskID,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            DownloadColumn(binary_units=False),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        from rich.markup import escape

        self._escape = escape
        self._tasks: dict[str, TaskID] = {}
        self._progress.start()

    def show(self, name: str, event: PullEvent) -> None:
        progress = self._progress
        task = self._tasks.get(name)
        if task is None:
            task = self._tasks[name] = progress.add_task("", total=None)
        label = {"done": "done", "failed": "failed", "cancelled": "cancelled"}.get(
            event.event, event.status or event.phase
        )
        # The description is rich markup: brackets in a server's status must stay text.
        progress.update(
            task,
            description=self._escape(safe_line(f"{event.model}: {label}")),
            completed=event.completed,
            total=event.total or None,
        )
        if event.terminal:
            progress.stop_task(task)

    def close(self) -> None:
        self._progress.stop()


def choose_view(*, json: bool) -> _View:
    """NDJSON for scripts; live bars on a colour terminal; plain lines otherwise."""
    import anyio

    if json:
        return _JsonView()
    if sys.stderr.isatty() and not os.environ.get("NO_COLOR"):
        return _LiveView()
    return _PlainView(anyio.current_time)


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
    rt: Runtime, names: list[str], view: _View, host: str | None = None
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
            handle = await rt.models.start_pull(name, host)
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
        if isinstance(view, _JsonView):
            view.on_failure = tasks.cancel_scope.cancel
        for name in dict.fromkeys(names):
            tasks.start_soon(pull_one, name)
    return outcomes


def register(app: typer.Typer) -> None:
    """Add `ollm pull` to ``app``."""

    @app.command("pull")
    def pull_command(
        ctx: typer.Context,
        names: Annotated[list[str], typer.Argument(help="Models to pull.", metavar="NAME...")],
        on: OnOption = None,
    ) -> None:
        """Pull models (several at once) with live progress, to the default host or --on."""
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
        view = choose_view(json=state.json)

        async def body(rt: Runtime) -> dict[str, PullResult | OllmError]:
            return await pull_names(rt, names, view, host)

        try:
            outcomes = run_with_runtime(state, body)
        finally:
            view.close()
        if isinstance(view, _JsonView) and view.failure is not None:
            # The pulls were withdrawn when stdout failed; say so, and end as a failure.
            raise view.failure
        failed = {n: o for n, o in outcomes.items() if isinstance(o, OllmError)}
        if not state.json:
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
