"""`ollm` in a real pseudo-terminal at 80 and 200 columns: what a person sees at the end.

The output is replayed on :class:`~tests.terminal.screen.Screen`, which wraps a line that is
too long as a terminal does; ``wraps == 0`` is "it fits". The frames these tests check are
the README's screenshots.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import anyio.to_thread
import pexpect  # type: ignore[import-untyped]
import pytest

from ollm_actors.cli.progress_text import SPINNER
from ollm_actors.emulator import EmulatorState, run_emulator
from tests.cli.support import cli_env
from tests.terminal.screen import Screen

pytestmark = pytest.mark.anyio

WIDTHS = [80, 200]


def _run(args: list[str], env: dict[str, str], width: int, *, interrupt_at: str | None = None
         ) -> tuple[Screen, int | None, str]:
    """Run `ollm ARGS` on a pty ``width`` columns wide; with ``interrupt_at``, Ctrl-C once
    that text was drawn. (screen, exit status, raw output)."""
    env = {**env, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    child = pexpect.spawn(
        sys.executable, ["-m", "ollm_actors", *args], env=env,
        dimensions=(40, width), encoding="utf-8", timeout=60,
    )
    seen = ""
    try:
        if interrupt_at is not None:
            child.expect_exact(interrupt_at)
            seen += str(child.before) + str(child.after)
            child.sendintr()  # what Ctrl-C sends: the terminal's interrupt character
        child.expect(pexpect.EOF)
        seen += str(child.before)
    finally:
        child.close()
    return Screen(width).feed(seen), child.exitstatus, seen


def slow_state() -> EmulatorState:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.02
    state.pull_steps_per_layer = 400
    return state


@pytest.mark.parametrize("width", WIDTHS)
async def test_list_fits_the_terminal(width: int, tmp_path: Path) -> None:
    async with run_emulator(EmulatorState.default()) as one, run_emulator(
        EmulatorState.default()
    ) as two:
        env = cli_env(tmp_path)
        single, code, _ = await anyio.to_thread.run_sync(
            lambda: _run(["list", "--host", one.url], env, width)
        )
        assert code == 0 and single.wraps == 0, single.text()
        assert single.lines()[0].split()[:4] == ["NAME", "ID", "SIZE", "MODIFIED"]
        assert "HOST" not in single.lines()[0]  # one host: no column to say it
        if "CONTEXT" not in single.lines()[0]:  # the fixed order: CAPS goes first
            assert "CAPS" not in single.lines()[0]
        if width == 200:
            assert single.lines()[0].split()[-2:] == ["CONTEXT", "CAPS"], single.text()
        several, code, _ = await anyio.to_thread.run_sync(
            lambda: _run(["list", "--host", one.url, "--host", two.url], env, width)
        )
        assert code == 0 and several.wraps == 0, several.text()
        header = several.lines()[0]
        assert "HOST" in header
        if width == 80:  # CAPS went first, then CONTEXT: never a wrapped row
            assert "CAPS" not in header and "CONTEXT" not in header, several.text()
        else:
            assert "CAPS" in header and f"{one.url}" in several.text(), several.text()
        assert all(len(line) <= width for line in several.lines())


@pytest.mark.parametrize("width", WIDTHS)
async def test_a_pull_ends_on_success_with_no_rate(width: int, tmp_path: Path) -> None:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.002
    state.pull_steps_per_layer = 50
    async with run_emulator(state) as emu:
        args = ["pull", "phi3:mini", "llama3.2", "--host", emu.url]
        screen, code, raw = await anyio.to_thread.run_sync(
            lambda: _run(args, cli_env(tmp_path), width)
        )
    assert code == 0, raw
    assert screen.wraps == 0, screen.text()
    rows = [line for line in screen.lines() if line.startswith("✔")]
    assert len(rows) == 2, screen.text()
    for row in rows:
        assert row.endswith("success"), row
        assert "/s" not in row and "100%" in row, row
        assert not any(frame in row for frame in SPINNER), row
    summary = [line for line in screen.lines() if line.startswith("pulled ")]
    assert len(summary) == 2, screen.text()


@pytest.mark.parametrize("width", WIDTHS)
async def test_ctrl_c_leaves_rows_cancelled_with_spinners_stopped(
    width: int, tmp_path: Path
) -> None:
    state = slow_state()
    async with run_emulator(state) as emu:
        args = ["pull", "qwen2.5-coder:7b", "llava:7b", "--host", emu.url]
        screen, code, raw = await anyio.to_thread.run_sync(
            lambda: _run(args, cli_env(tmp_path), width, interrupt_at="MB/s")
        )
        with anyio.fail_after(10):
            await emu.wait_idle()  # nothing left running on the server's side
    assert code == 130, raw
    assert screen.wraps == 0, screen.text()
    rows = [line for line in screen.lines() if "qwen2.5-coder:7b" in line or "llava:7b" in line]
    assert len(rows) == 2, screen.text()
    for row in rows:
        assert row.startswith("■") and row.endswith("cancelled"), row
        assert "/s" not in row, row
        assert not any(frame in row for frame in SPINNER), row
    assert "Traceback" not in raw
    assert state.find_installed("qwen2.5-coder:7b") is None


def test_the_screen_wraps_as_a_terminal_does() -> None:
    # The fit tests lean on it: a line one cell too long must count as a wrap.
    assert Screen(10).feed("x" * 10 + "\r\n").wraps == 0
    assert Screen(10).feed("x" * 11 + "\r\n").wraps == 1
    assert Screen(10).feed("ab\r\n\x1b[1A\x1b[2Kcd\r\n").lines() == ["cd"]


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip("needs a pty")
