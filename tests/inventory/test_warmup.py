"""The warm-up of `ollm list`: ``rt.limits.lookup_installed`` reads every model's ``/api/show``
facts at most ``providers.ollama.showConcurrency`` at a time, reports progress, and a
cancellation starts no more requests and leaves no lookup or fetch task behind, keeping the
facts fetched so far.

Every ``/api/show`` is held at a gate of our own (wrapping ``OllamaClient.show``), so the
requests in flight are counted where they are, with no sleeps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings

pytestmark = pytest.mark.anyio

MODELS = 30


class Gate:
    """Counts ``show`` calls in flight; the first ``free`` pass at once, the rest wait for
    :meth:`open`."""

    def __init__(self, free: int = 0) -> None:
        self.free = free
        self.started = 0
        self.finished = 0
        self.in_flight = 0
        self.most = 0
        self.names: list[str] = []
        self.opened = anyio.Event()

    def open(self) -> None:
        self.opened.set()

    def wrap(self, show: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def gated(client: OllamaClient, name: str, **kwargs: Any) -> Any:
            self.started += 1
            self.names.append(name)
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            try:
                if self.started > self.free:
                    await self.opened.wait()
                return await show(client, name, **kwargs)
            finally:
                self.in_flight -= 1
                self.finished += 1

        return gated


def _settings(url: str, tmp_path: Path, concurrency: int) -> Any:
    return hermetic_settings([url], tmp_path, {
        "providers.ollama.showConcurrency": concurrency,
        "providers.ollama.health.interval": 0,
    })


def _warmup_tasks() -> list[str]:
    names = [task.name for task in anyio.get_running_tasks()]
    return [n for n in names if n.startswith(("inventory:show", "limits:"))]


@pytest.mark.parametrize("bound", [1, 3])
async def test_at_most_show_concurrency_requests_are_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int
) -> None:
    gate = Gate()
    monkeypatch.setattr(OllamaClient, "show", gate.wrap(OllamaClient.show))
    state = EmulatorState.empty()
    state.add_synthetic(MODELS)
    seen: list[tuple[int, int]] = []
    async with (
        run_emulator(state) as emu,
        open_runtime(_settings(emu.url, tmp_path, bound), actors=("limits",)) as rt,
    ):
        models = await rt.models.list_models()
        async with anyio.create_task_group() as tg:
            async def warm() -> None:
                found = await rt.limits.lookup_installed(
                    models, progress=lambda done, total: seen.append((done, total))
                )
                assert len(found) == MODELS

            tg.start_soon(warm)
            with anyio.fail_after(10):
                await anyio.wait_all_tasks_blocked()
            assert gate.in_flight == bound  # the bound, reached: concurrent, not more
            gate.open()
    assert gate.most == bound
    assert gate.started == MODELS
    assert seen == [(n, MODELS) for n in range(1, MODELS + 1)]


async def test_cancelling_the_warm_up_keeps_the_facts_and_leaves_no_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(free=5)
    monkeypatch.setattr(OllamaClient, "show", gate.wrap(OllamaClient.show))
    state = EmulatorState.empty()
    state.add_synthetic(MODELS)
    async with (
        run_emulator(state) as emu,
        open_runtime(_settings(emu.url, tmp_path, 4), actors=("limits",)) as rt,
    ):
        models = await rt.models.list_models()
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(rt.limits.lookup_installed, models)
                with anyio.fail_after(10):
                    await anyio.wait_all_tasks_blocked()
                    while gate.finished < 5 or gate.in_flight < 4:
                        await anyio.wait_all_tasks_blocked()
                scope.cancel()
        started = gate.started
        assert started == 5 + 4  # five answered, four held at the gate
        gate.open()  # the requests already sent complete, into the inventory's cache
        with anyio.fail_after(10):
            while gate.in_flight or _warmup_tasks():
                await anyio.wait_all_tasks_blocked()
        assert gate.started == started  # nothing started after the cancellation
        assert _warmup_tasks() == []
        # The facts fetched so far are kept: the inventory answers them with no request.
        for name in gate.names:
            assert (await rt.models.inventory.show_model(name)).name == name
        assert gate.started == started
