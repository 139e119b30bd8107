"""The text of progress rows, the way `ollama pull` writes them (its ``progress/bar.go``).

Pure functions over plain data, no terminal: the live view and the plain view both draw
with them, and the tests check them without a pseudo-terminal.

* rates are :func:`~ollm_actors.cli.format.human_bytes` per second (``25 MB/s``, ``900 KB/s``);
* ETAs are Go's rounded ``Duration.String()`` below an hour (``3s``, ``1m2s``), ``1h2m`` up
  to 100 hours and ``99h+`` beyond, as ollama's ``formatDuration``;
* a row that stopped (done, failed, cancelled) has no rate and no ETA, and its last word
  says how it ended: ``success``, ``failed: ...``, ``cancelled``.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

from ollm_actors.cli.format import human_bytes
from ollm_actors.vocab.pull_events import PullEvent
from ollm_actors.vocab.safe_text import safe_line

__all__ = (
    "SPINNER",
    "Row",
    "RowState",
    "eta_text",
    "rate_text",
    "render_row",
    "row_after",
    "tail_text",
)

#: the spinner frames ollama uses (``progress/spinner.go``)
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
#: the mark a stopped row shows in the spinner's place: no motion once nothing moves
_STOPPED_MARK = {"success": "✔", "failed": "✘", "cancelled": "■"}
# Below this many cells the bar tells nothing; it is dropped before anything else.
_MIN_BAR = 8
# On a wide terminal a longer bar says no more, and the figures drift away from the name.
_MAX_BAR = 60
# "999 MB/999 MB", ollama's widest sizes: rows keep their bars aligned as figures change.
_SIZES_WIDTH = 13

RowState = Literal["running", "retrying", "success", "failed", "cancelled"]
_STATE_OF: dict[str, RowState] = {
    "done": "success",
    "failed": "failed",
    "cancelled": "cancelled",
    "retrying": "retrying",
}


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """What one model's row shows: the latest figures of its pull and how it stands."""

    name: str
    state: RowState = "running"
    phase: str = "queued"
    status: str = ""
    completed: int = 0
    total: int = 0
    rate: float | None = None
    eta: float | None = None
    error: str | None = None
    retry_in: float | None = None
    attempt: int = 1

    @property
    def stopped(self) -> bool:
        """True once the row's pull ended: done, failed or cancelled."""
        return self.state in ("success", "failed", "cancelled")


def row_after(row: Row | None, name: str, event: PullEvent) -> Row:
    """The row of ``name`` once ``event`` arrived.

    A stopped row stays as it is: a late progress line must not restart its spinner.
    """
    if row is not None and row.stopped:
        return row
    state = _STATE_OF.get(event.event, "running")
    completed = max(event.completed, row.completed if row else 0)
    total = event.total or (row.total if row else 0)
    return Row(
        name=name,
        state=state,
        phase="success" if state == "success" else event.phase,
        status=event.status,
        completed=total if state == "success" and total else completed,
        total=total,
        rate=event.rate,
        eta=event.eta,
        error=event.error,
        retry_in=event.retry_in,
        attempt=event.attempt,
    )


def rate_text(rate: float | None) -> str:
    """``25 MB/s`` (empty when there is no rate to speak of)."""
    if rate is None or rate <= 0 or not math.isfinite(rate):
        return ""
    return f"{human_bytes(int(rate))}/s"


def eta_text(seconds: float | None) -> str:
    """An ETA as ollama writes it: ``0s``, ``3s``, ``1m2s``, ``1h2m``, ``99h+`` (empty when
    unknown)."""
    if seconds is None or seconds < 0 or not math.isfinite(seconds):
        return ""
    whole = int(seconds)
    if whole >= 100 * 3600:
        return "99h+"
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60}m"
    # Below an hour: Go's Duration.Round(time.Second).String() (half away from zero), which
    # writes 59m59.6s, rounded up, as 1h0m0s.
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _tail(row: Row) -> str:
    """What ends the row: rate and ETA while bytes move, else the state or the phase."""
    if row.state == "success":
        return "success"
    if row.state == "cancelled":
        return "cancelled"
    if row.state == "failed":
        return f"failed: {row.error or 'unknown error'}"
    if row.state == "retrying":
        wait = f" in {row.retry_in:.1f}s" if row.retry_in is not None else ""
        return f"retrying{wait} (attempt {row.attempt})"
    if row.phase == "downloading" and row.total and row.completed < row.total:
        moving = "  ".join(part for part in (rate_text(row.rate), eta_text(row.eta)) if part)
        return moving.rjust(16)
    return row.status or row.phase


def _sizes(row: Row) -> str:
    if not row.total:
        return ""
    if row.state == "success" or row.completed >= row.total:
        return human_bytes(row.total)
    return f"{human_bytes(row.completed)}/{human_bytes(row.total)}"


def _fitted(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def tail_text(row: Row) -> str:
    """The end of ``row``'s line, as a safe line (see :func:`render_row`)."""
    return safe_line(_tail(row))


def render_row(
    row: Row, *, width: int, name_width: int, frame: int = 0, tail_width: int = 0
) -> str:
    """``row`` as one line of at most ``width`` cells:
    ``⠋ NAME   42% ▕████      ▏ 2.0 GB/4.7 GB   25 MB/s  1m48s``.

    ``frame`` picks the spinner's frame; a stopped row shows a still mark instead. Rows drawn
    together pass the same ``name_width`` and ``tail_width`` (the longest tail among them),
    so that their bars line up. What does not fit goes in this order: the bar, then the end
    of the name, then the end of the tail.
    """
    mark = _STOPPED_MARK.get(row.state) or SPINNER[frame % len(SPINNER)]
    name = _fitted(safe_line(row.name), name_width).ljust(name_width)
    tail = tail_text(row)
    if not row.total or (row.state == "failed" and not row.completed):
        # Nothing measured yet (pulling the manifest, or a failure before any byte): the
        # status alone, as ollama's spinner lines.
        return _fitted(f"{mark} {name}  {tail}", width)
    sizes = _sizes(row).rjust(_SIZES_WIDTH)
    percent = min(100.0, 100.0 * row.completed / row.total)
    figures = f"{percent:3.0f}%"
    fixed = f"{mark} {name} {figures} ▕▏ {sizes}  {tail.ljust(tail_width)}"
    room = min(width - len(fixed), _MAX_BAR)
    if room >= _MIN_BAR:
        filled = int(room * percent / 100)
        bar = "▕" + "█" * filled + " " * (room - filled) + "▏"
        return f"{mark} {name} {figures} {bar} {sizes}  {tail}"
    line = f"{mark} {name} {figures} {sizes}  {tail}"
    if len(line) > width:
        short = max(8, name_width - (len(line) - width))
        name = _fitted(safe_line(row.name), short).ljust(short)
        line = f"{mark} {name} {figures} {sizes}  {tail}"
    return _fitted(line, width)
