"""Text forms the CLI shares with `ollama`'s own: sizes, relative times, processor split, tables.

Pure functions with no heavy imports, so every command (and ``--json`` paths that never print
a table) can import this module for free.

* :func:`human_bytes` follows Ollama's ``format.HumanBytes``: decimal units (1000), values of
  10 or more in the chosen unit truncated to integers, smaller ones with one decimal unless
  integral (``4.7 GB``, ``2 GB``, ``274 MB``, ``512 B``).
* :func:`relative_time` follows Ollama's ``format.HumanTime`` (docker's ``HumanDuration``):
  ``Less than a second``, ``About a minute``, ``3 weeks`` ... with `` ago`` or `` from now``,
  ``Forever`` beyond 20 years ahead and ``Never`` for no time at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from ollm_actors.vocab.safe_text import safe_line

__all__ = (
    "fit_table",
    "human_bytes",
    "human_duration",
    "processor",
    "relative_time",
    "render_table",
    "until_text",
)

_UNITS = ((1000**4, "TB"), (1000**3, "GB"), (1000**2, "MB"), (1000, "KB"))
_FOREVER_YEARS = 20


def human_bytes(size: int) -> str:
    """``size`` bytes the way ``ollama list`` shows them (``2.0 GB``, ``12 GB``, ``900 B``)."""
    found = next(((scale, unit) for scale, unit in _UNITS if size >= scale), None)
    if found is None:
        return f"{size} B"
    value, unit = size / found[0], found[1]
    if value >= 10:
        return f"{int(value)} {unit}"
    if value != math.trunc(value):
        return f"{value:.1f} {unit}"
    return f"{int(value)} {unit}"


def human_duration(seconds: float) -> str:
    """A non-negative duration in words (docker's ``HumanDuration``, which Ollama uses)."""
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    """``when`` relative to ``now`` (default: the current time): ``3 weeks ago``,
    ``4 minutes from now``, ``Forever`` (more than 20 years ahead) or ``Never`` (None).

    Naive datetimes are taken as UTC.
    """
    if when is None:
        return "Never"
    current = _aware(now) if now is not None else datetime.now(UTC)
    delta = (current - _aware(when)).total_seconds()
    if int(delta / 3600) // 24 // 365 < -_FOREVER_YEARS:
        return "Forever"
    if delta < 0:
        return f"{human_duration(-delta)} from now"
    return f"{human_duration(delta)} ago"


def until_text(expires: datetime | None, now: datetime | None = None) -> str:
    """The UNTIL column of ``ollama ps``: ``4 minutes from now``, ``Stopping...`` once past,
    ``Forever`` for a model kept loaded for good, ``Never`` when unknown."""
    if expires is None:
        return "Never"
    current = _aware(now) if now is not None else datetime.now(UTC)
    if _aware(expires) <= current:
        return "Stopping..."
    return relative_time(expires, current)


def processor(size: int, size_vram: int) -> str:
    """The PROCESSOR column of ``ollama ps``: ``100% GPU``, ``100% CPU``, ``48%/52% CPU/GPU``
    (CPU share first), or ``Unknown`` when the figures are inconsistent."""
    if size_vram == 0:
        return "100% CPU"
    if size_vram == size:
        return "100% GPU"
    if size_vram > size or size <= 0:
        return "Unknown"
    cpu = round((size - size_vram) / size * 100)
    return f"{cpu}%/{100 - cpu}% CPU/GPU"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, gap: int = 4) -> str:
    """Left-aligned columns without borders, ``gap`` spaces apart (``ollama list`` style).

    Returns the lines joined with newlines, without a trailing one; trailing spaces are cut.
    Cells are made safe lines here (:func:`~ollm_actors.vocab.safe_text.safe_line`), before
    the widths are measured, so that a server's name can neither drive the terminal nor
    break the columns.
    """
    headers = [safe_line(h) for h in headers]
    rows = [[safe_line(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    pad = " " * gap
    lines = []
    for row in (headers, *rows):
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append(pad.join(cells).rstrip())
    return "\n".join(lines)


def fit_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int | None,
    drop: Sequence[str] = (),
    gap: int = 4,
) -> str:
    """:func:`render_table`, with columns named in ``drop`` left out, in that order, until
    every line fits ``width`` cells (None: no limit, every column). Columns not in ``drop``
    always stay: a table that still does not fit wraps rather than lose its names."""
    shown = list(range(len(headers)))
    pending = [headers.index(name) for name in drop if name in headers]
    while True:
        table = render_table(
            [headers[i] for i in shown], [[row[i] for i in shown] for row in rows], gap=gap
        )
        too_wide = width is not None and any(len(line) > width for line in table.splitlines())
        if not too_wide or not pending:
            return table
        shown.remove(pending.pop(0))
