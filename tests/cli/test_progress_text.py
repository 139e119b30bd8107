"""The progress rows' text, checked without a terminal: ETAs as ollama's ``formatDuration``
writes them (the oracle below restates Go's rules), rates, and the rows at every width."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.cli.progress_text import Row, eta_text, rate_text, render_row, row_after
from ollm_actors.vocab.pull_events import PullEvent

_SECOND = 10**9
_HOUR = 3600 * _SECOND


def go_format_duration(ns: int) -> str:
    """ollama's progress/bar.go formatDuration, from Go's definitions: 99h+ from 100 hours,
    "%dh%dm" from an hour, else Duration.Round(time.Second).String()."""
    if ns >= 100 * _HOUR:
        return "99h+"
    if ns >= _HOUR:
        return f"{ns // _HOUR}h{ns // (60 * _SECOND) % 60}m"
    whole = (ns + _SECOND // 2) // _SECOND  # Round: halfway values away from zero
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


@given(st.integers(min_value=0, max_value=120 * 3600 * 1000))
def test_eta_is_ollamas_format_duration(milliseconds: int) -> None:
    assert eta_text(milliseconds / 1000) == go_format_duration(milliseconds * 1_000_000)


def test_eta_edges() -> None:
    assert [eta_text(s) for s in (0, 2.4, 2.5, 59.6, 62, 3599.6, 3720, 360_000)] == [
        "0s", "2s", "3s", "1m0s", "1m2s", "1h0m0s", "1h2m", "99h+",
    ]
    assert eta_text(None) == eta_text(-1) == eta_text(float("inf")) == ""


def test_rates_in_decimal_units_and_none_without_movement() -> None:
    assert rate_text(25_000_000) == "25 MB/s"
    assert rate_text(900_000) == "900 KB/s"
    assert rate_text(0) == rate_text(None) == rate_text(float("nan")) == ""


def _event(kind: str, completed: int, total: int, **extra: object) -> PullEvent:
    return PullEvent(
        event=kind, model="llama3.1:8b", host="h", completed=completed, total=total,  # type: ignore[arg-type]
        phase="downloading", **extra,  # type: ignore[arg-type]
    )


@given(st.integers(min_value=10, max_value=220), st.integers(0, 100))
def test_a_row_never_exceeds_its_width(width: int, percent: int) -> None:
    total = 4_700_000_000
    row = row_after(None, "llama3.1:8b", _event("progress", total * percent // 100, total,
                                                 rate=25e6, eta=108.0))
    line = render_row(row, width=width, name_width=20)
    assert len(line) <= width, (width, line)


def test_a_finished_row_says_success_with_no_rate_and_stays_stopped() -> None:
    row = row_after(None, "m", _event("progress", 10, 100, rate=5e6, eta=3.0))
    assert "5 MB/s" in render_row(row, width=120, name_width=10)
    done = row_after(row, "m", _event("done", 100, 100))
    line = render_row(done, width=120, name_width=10)
    assert line.endswith("success") and "MB/s" not in line and "100%" in line
    late = row_after(done, "m", _event("progress", 50, 100, rate=1e6))
    assert late == done  # a late line does not restart it
    cancelled = row_after(row, "m", _event("cancelled", 10, 100))
    assert render_row(cancelled, width=120, name_width=10).endswith("cancelled")
    assert Row(name="x").stopped is False
