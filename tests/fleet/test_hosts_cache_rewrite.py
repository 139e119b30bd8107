"""A refresh that finds a host's list unchanged leaves its cache file alone while the file is
younger than inventory.ttl (16 hosts would otherwise rewrite and fsync 16 files on every
`ollm list --refresh`); a changed list, or an older file, is written."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors import open_runtime
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.inventory import rules
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.ollama.types import ListedModel
from tests.fleet.hosts_support import quick_settings

A = ListedModel(name="a:1b", digest="1" * 64, size=1)
B = ListedModel(name="b:1b", digest="2" * 64, size=2)
SAVED = "2026-01-01T00:00:00Z"
SAVED_UNIX = 1767225600.0


def _state(listed: list[ListedModel] | None, saved: str | None) -> HostState:
    state = HostState("http://h:1")
    if listed is not None:
        state.set_listed(listed)
    state.saved_wall = saved
    return state


@pytest.mark.parametrize(
    ("listed", "saved", "answer", "seconds_later", "kept"),
    [
        ([A, B], SAVED, [A, B], 5.0, True),
        ([A, B], SAVED, [A, B], 30.0, False),  # as old as the ttl: write the new time
        ([A, B], SAVED, [A], 5.0, False),  # a model went away
        ([A, B], SAVED, [A, B.__class__(name="b:1b", digest="3" * 64, size=2)], 5.0, False),
        (None, SAVED, [A], 5.0, False),  # nothing known yet
        ([A], None, [A], 5.0, False),  # never written
        ([A], SAVED, [A], -5.0, False),  # a clock that went back
    ],
)
def test_when_the_cache_file_may_stay(
    listed: list[ListedModel] | None,
    saved: str | None,
    answer: list[ListedModel],
    seconds_later: float,
    kept: bool,
) -> None:
    state = _state(listed, saved)
    assert (
        rules.cache_file_still_true(state, answer, wall=SAVED_UNIX + seconds_later, ttl=30.0)
        is kept
    )


@pytest.mark.anyio
async def test_a_second_refresh_of_an_unchanged_list_writes_nothing(tmp_path: Path) -> None:
    state = EmulatorState.default()
    cache = tmp_path / "cache"
    async with run_emulator(state) as emu:
        settings = quick_settings([emu.url], cache)
        with anyio.fail_after(10):
            async with open_runtime(settings, actors=("inventory",)) as rt:
                await rt.models.list_models(refresh=True)
            [written] = cache.glob("inventory-*.json")
            first = written.stat().st_mtime_ns
            async with open_runtime(settings, actors=("inventory",)) as rt:
                await rt.models.list_models(refresh=True)
            assert written.stat().st_mtime_ns == first
            state.install("gemma2:2b")
            async with open_runtime(settings, actors=("inventory",)) as rt:
                await rt.models.list_models(refresh=True)
            assert written.stat().st_mtime_ns != first
            assert "gemma2:2b" in written.read_text()
