"""`ollm pull` as a person sees it: live bars updating in place on a terminal (a real
pseudo-terminal, through pexpect), plain lines when colour is off or there is no terminal.

The emulator runs as its own process (`ollm emulator --pace`), since pexpect blocks."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect  # type: ignore[import-untyped]
import pytest

from tests.e2e.support import Ollm, emulator_process, has_escapes

_PERCENT = re.compile(r"(\d{1,3})%")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: rich's in-place redraw: back to the line start, erase the line
_REDRAW = "\r\x1b[2K"


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    # ~50 progress lines 20 ms apart: a pull lasts about a second, long enough for rich's
    # ten refreshes a second to show several figures.
    with emulator_process("--pace", "0.02", "--steps", "50", "--empty") as url:
        yield url


def _pull_in_terminal(ollm: Ollm, url: str, name: str, env: dict[str, str] | None = None) -> str:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "ollm_actors", "pull", name, "--host", url],
        env=ollm.env(env),
        cwd=str(ollm.home),
        dimensions=(40, 160),
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect(pexpect.EOF)
        text = str(child.before)
    finally:
        child.close()
    assert child.exitstatus == 0, text
    return text


def test_live_bars_update_in_place_and_end_at_100(tmp_path: Path, emulator_url: str) -> None:
    text = _pull_in_terminal(Ollm(tmp_path), emulator_url, "gemma2:2b")
    assert text.count(_REDRAW) >= 3, repr(text)
    # Updated in place: the bar is redrawn on its line, not printed as new lines.
    assert text.count("\n") <= 2, repr(text)
    frames = [_CONTROL.sub("", frame) for frame in text.split("\r")]
    figures = [int(m) for frame in frames for m in _PERCENT.findall(frame)]
    assert len(set(figures)) >= 3, figures
    assert figures == sorted(figures)  # progress never goes back
    assert figures[-1] == 100
    # The summary line (stdout) follows the rows; the last row is the frame before it.
    last = next(frame for frame in reversed(frames) if "%" in frame)
    assert "gemma2:2b" in last and "100%" in last and last.rstrip().endswith("success")


def test_no_color_on_a_terminal_prints_plain_lines(tmp_path: Path, emulator_url: str) -> None:
    text = _pull_in_terminal(Ollm(tmp_path), emulator_url, "qwen2.5-coder:1.5b", {"NO_COLOR": "1"})
    assert not has_escapes(text), repr(text)
    lines = text.split("\r\n")  # the terminal turns each "\n" into "\r\n"
    assert not any("\r" in line for line in lines), repr(text)
    assert "qwen2.5-coder:1.5b: pulling manifest" in lines
    assert any(line.startswith("pulled 'qwen2.5-coder:1.5b'") for line in lines), lines


def test_without_a_terminal_prints_plain_lines(tmp_path: Path, emulator_url: str) -> None:
    run = Ollm(tmp_path).run_sync("pull", "llama3.2:3b", "--host", emulator_url)
    assert run.code == 0, run.err
    assert not has_escapes(run.err) and "\r" not in run.err, repr(run.err)
    lines = run.err.splitlines()
    assert "llama3.2:3b: pulling manifest" in lines
    assert lines[-1].startswith("llama3.2:3b: success")
    assert run.out.startswith("pulled 'llama3.2:3b'")  # the summary is the output: stdout
