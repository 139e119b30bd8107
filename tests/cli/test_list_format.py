"""Sizes, relative times, processor split and tables as `ollama` prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ollm_actors.cli.format import (
    human_bytes,
    processor,
    relative_time,
    render_table,
    until_text,
)

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (12345678901, "12 GB"),
        (274302450, "274 MB"),
        (4683075271, "4.7 GB"),
        (2019393189, "2.0 GB"),
        (2000000000, "2 GB"),
        (999, "999 B"),
        (0, "0 B"),
        (1000, "1 KB"),
        (1500, "1.5 KB"),
        (3 * 1000**4, "3 TB"),
    ],
)
def test_human_bytes(size: int, text: str) -> None:
    assert human_bytes(size) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(milliseconds=300), "Less than a second ago"),
        (timedelta(seconds=1), "1 second ago"),
        (timedelta(seconds=42), "42 seconds ago"),
        (timedelta(seconds=90), "About a minute ago"),
        (timedelta(minutes=4), "4 minutes ago"),
        (timedelta(minutes=61), "About an hour ago"),
        (timedelta(hours=30), "30 hours ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=21), "3 weeks ago"),
        (timedelta(days=100), "3 months ago"),
        (timedelta(days=800), "2 years ago"),
        (-timedelta(minutes=4, seconds=30), "4 minutes from now"),
        (-timedelta(days=365 * 25), "Forever"),
    ],
)
def test_relative_time(delta: timedelta, text: str) -> None:
    assert relative_time(NOW - delta, NOW) == text


def test_never_and_until() -> None:
    assert relative_time(None, NOW) == "Never"
    assert until_text(NOW - timedelta(seconds=1), NOW) == "Stopping..."
    assert until_text(NOW + timedelta(minutes=5, seconds=1), NOW) == "5 minutes from now"
    assert until_text(datetime(2318, 1, 1, tzinfo=UTC), NOW) == "Forever"


@pytest.mark.parametrize(
    ("size", "vram", "text"),
    [
        (100, 100, "100% GPU"),
        (100, 0, "100% CPU"),
        (100, 52, "48%/52% CPU/GPU"),
        (100, 120, "Unknown"),
    ],
)
def test_processor(size: int, vram: int, text: str) -> None:
    assert processor(size, vram) == text


def test_render_table_aligns_columns() -> None:
    table = render_table(["NAME", "ID"], [["llama3.2:latest", "a80c4f17acd5"], ["x", "y"]])
    assert table.splitlines() == [
        "NAME               ID",
        "llama3.2:latest    a80c4f17acd5",
        "x                  y",
    ]
