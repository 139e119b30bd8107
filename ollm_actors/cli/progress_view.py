"""The one progress renderer of `ollm`: pull, push, update and create all show through it.

A command picks a view with :func:`choose_view` and feeds it each
:class:`~ollm_actors.vocab.pull_events.PullEvent` with ``show(name, event)``, then calls
``close()`` once (also on error or cancellation). Three views:

* **JSON** (``--json``): one event per line on stdout, flushed. When stdout fails (closed,
  full, a reader gone) the view goes quiet, keeps the reason in ``failure`` and calls
  ``on_failure`` once (pull withdraws its pulls: a reader that left wants no more).
* **live** (stderr is a terminal, no ``NO_COLOR``, ``TERM`` not ``dumb``): one row per model,
  redrawn in place, fitted to the terminal's width (``COLUMNS`` honoured); see
  :mod:`ollm_actors.cli.progress_text` for the row. Rows that stopped keep a still mark, no
  rate and no ETA, and end with ``success``, ``failed: ...`` or ``cancelled``.
* **plain** (anything else: a log file, a pipe, CI): a line on stderr at each phase change,
  one every ~10 % with rate and ETA, a heartbeat at least once a minute while bytes move, and
  one final line per model.

Progress goes to stderr; the command's own summary (``pulled 'x' ...``) goes to stdout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ollm_actors.cli.progress_text import Row, render_row, row_after, tail_text
from ollm_actors.vocab.safe_text import safe_line

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

    from ollm_actors.vocab.pull_events import PullEvent

__all__ = (
    "PLAIN_HEARTBEAT",
    "PLAIN_STEP",
    "FactsLine",
    "JsonView",
    "LiveView",
    "PlainView",
    "ProgressView",
    "choose_view",
    "facts_line",
    "plain_terminal",
)

#: percent of the bytes between two plain progress lines of one model
PLAIN_STEP = 10
#: seconds after which a plain line is printed anyway while bytes move
PLAIN_HEARTBEAT = 60.0


class ProgressView(Protocol):
    """What a command feeds progress to."""

    def show(self, name: str, event: PullEvent) -> None: ...

    def close(self) -> None: ...


class JsonView:
    """NDJSON events on stdout, one per line, flushed at once (see the module's docstring)."""

    def __init__(self) -> None:
        self.failure: Exception | None = None
        self.on_failure: Callable[[], object] | None = None

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


def _figures(row: Row) -> str:
    from ollm_actors.cli.format import human_bytes
    from ollm_actors.cli.progress_text import eta_text, rate_text

    if not row.total:
        return ""
    percent = 100.0 * row.completed / row.total
    if row.completed >= row.total:
        return f" {percent:3.0f}% {human_bytes(row.total)}"
    text = f" {percent:3.0f}% {human_bytes(row.completed)}/{human_bytes(row.total)}"
    if row.state == "running" and row.phase == "downloading":
        moving = " ".join(p for p in (rate_text(row.rate), eta_text(row.eta)) if p)
        text += f" {moving}" if moving else ""
    return text


class PlainView:
    """Lines for a log: phase changes, every :data:`PLAIN_STEP` percent, and the end."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        """``clock`` (seconds) times the heartbeat; default ``time.monotonic``."""
        import time

        self._clock = clock or time.monotonic
        self._rows: dict[str, Row] = {}
        self._phase: dict[str, str] = {}
        self._step: dict[str, int] = {}
        self._printed: dict[str, float] = {}

    def _line(self, text: str) -> None:
        # Status and error texts are the server's: one safe line each, whatever they hold.
        sys.stderr.write(safe_line(text) + "\n")
        sys.stderr.flush()

    def show(self, name: str, event: PullEvent) -> None:
        before = self._rows.get(name)
        if before is not None and before.stopped:
            return
        row = self._rows[name] = row_after(before, name, event)
        now = self._clock()
        if row.state == "failed":
            return  # the command reports a failure once, as an error line, at the end
        if row.state == "retrying":
            wait = f" in {row.retry_in:.1f} s" if row.retry_in is not None else ""
            self._line(f"{event.model}: {row.error}; retrying{wait} (attempt {row.attempt})")
            return
        if row.stopped:
            self._line(f"{event.model}: {row.state}{_figures(row)}")
            return
        if row.phase == "success":
            return  # the done event follows and says it
        step = 100 * row.completed // row.total // PLAIN_STEP if row.total else 0
        changed = self._phase.get(name) != row.phase
        stepped = step > self._step.get(name, 0)
        quiet_long = now - self._printed.get(name, now) >= PLAIN_HEARTBEAT
        if changed or stepped or (quiet_long and row.phase == "downloading"):
            self._phase[name] = row.phase
            self._step[name] = step
            self._printed[name] = now
            self._line(f"{event.model}: {row.status or row.phase}{_figures(row)}")

    def close(self) -> None:
        sys.stderr.flush()


class _Frame:
    """The live rows as rich renders them, fitted to the width rich measured."""

    def __init__(self, view: LiveView) -> None:
        self._view = view

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        import time

        from rich.text import Text

        rows = self._view.rows
        if not rows:
            return
        # Two cells spare: the terminal echoes ^C after the last row, and a row that filled
        # the width would wrap and leave rich's redraw one line off (a stale frame behind).
        width = max(options.max_width - _SPARE, 20)
        name_width = min(max(len(r.name) for r in rows), max(12, width // 3))
        # A long failure message must not squeeze every bar: it is cut instead.
        tail_width = min(max(len(tail_text(r)) for r in rows), 24)
        frame = int(time.monotonic() * 10)
        for row in rows:
            style = _STYLES.get(row.state, "")
            line = render_row(
                row, width=width, name_width=name_width, frame=frame, tail_width=tail_width
            )
            yield Text(line, style=style, no_wrap=True, overflow="crop", end="\n")


_SPARE = 3
_STYLES = {"success": "green", "failed": "red", "cancelled": "yellow", "retrying": "yellow"}


class LiveView:
    """One row per model on stderr, redrawn in place about ten times a second."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        #: the rows in order of arrival; replaced whole, never mutated, because rich's
        #: refresh thread reads it while events arrive
        self.rows: tuple[Row, ...] = ()
        self._index: dict[str, int] = {}
        self._console = console or Console(stderr=True, highlight=False)
        # stdout stays ours (summaries, JSON); a warning on stderr prints above the rows.
        self._live = Live(
            _Frame(self),
            console=self._console,
            refresh_per_second=10,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=True,
        )
        self._live.start()

    def show(self, name: str, event: PullEvent) -> None:
        index = self._index.get(name)
        if index is None:
            self._index[name] = len(self.rows)
            self.rows = (*self.rows, row_after(None, name, event))
            return
        rows = list(self.rows)
        rows[index] = row_after(rows[index], name, event)
        self.rows = tuple(rows)

    def close(self) -> None:
        """Draw the last frame and give the terminal back (the cursor shown again)."""
        self._live.refresh()
        self._live.stop()


class FactsLine:
    """``reading model facts 340/2000``: one transient line on a terminal's stderr while a
    warm-up reads ``/api/show`` facts, gone at :meth:`close`. Drawn only where live rows
    would be (:func:`facts_line` gives None elsewhere: a pipe, plain mode, ``--json``)."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self._console = console or Console(stderr=True, highlight=False)
        # Redrawn by our calls only (no refresh thread): a cached warm-up draws nothing.
        self._live = Live(
            "", console=self._console, auto_refresh=False, transient=True,
            redirect_stdout=False, redirect_stderr=False,
        )
        self._started = False

    def update(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` (the lookup's progress callback)."""
        if done >= total:
            return
        if not self._started:
            self._live.start()
            self._started = True
        self._live.update(f"reading model facts {done}/{total}", refresh=True)

    def close(self) -> None:
        """Erase the line (a no-op when it was never drawn)."""
        if self._started:
            self._live.stop()


def facts_line(*, json: bool) -> FactsLine | None:
    """A :class:`FactsLine` on a live terminal, else None (nothing is printed)."""
    if json or not sys.stderr.isatty() or plain_terminal():
        return None
    return FactsLine()


def plain_terminal(environ: Any = None) -> bool:
    """True when the terminal should get plain lines: ``NO_COLOR`` set or ``TERM=dumb``."""
    env = os.environ if environ is None else environ
    return bool(env.get("NO_COLOR")) or env.get("TERM") == "dumb"


def choose_view(*, json: bool) -> ProgressView:
    """NDJSON for scripts; live rows on a terminal; plain lines otherwise."""
    if json:
        return JsonView()
    if sys.stderr.isatty() and not plain_terminal():
        return LiveView()
    return PlainView()
