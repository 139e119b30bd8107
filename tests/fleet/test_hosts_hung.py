"""A hung host (accepts, reads the request, never answers) beside healthy ones delays
nothing beyond its deadline: `list`, `route` and `ps` ask the hosts concurrently, finish
within connect + firstByte plus a margin, and show the healthy hosts. A port where nothing
listens fails at once, a pull included (no retry storm)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from ollm_actors import open_runtime
from ollm_actors.emulator import EmulatorState, Fault, RunningEmulator, run_emulator
from ollm_actors.errors import HostUnreachable
from tests.fleet.hosts_support import (
    CONNECT,
    FIRST_BYTE,
    HUNG_HOST_COST,
    MARGIN,
    quick_settings,
    run_cli,
)
from tests.inventory.support import free_port

pytestmark = pytest.mark.anyio

HANG = Fault(kind="hang", path="*", times=-1)


def _loaded_state() -> EmulatorState:
    state = EmulatorState.default()
    state.load("phi3:mini")
    return state


@asynccontextmanager
async def fleet() -> AsyncIterator[tuple[RunningEmulator, RunningEmulator, RunningEmulator]]:
    """Two healthy emulators (one with a model loaded) around a hung one, in that order."""
    hung_state = EmulatorState.default()
    hung_state.inject(HANG)
    async with (
        run_emulator(EmulatorState.default()) as first,
        run_emulator(hung_state) as hung,
        run_emulator(_loaded_state()) as last,
    ):
        yield first, hung, last


async def test_list_shows_the_healthy_hosts_within_the_hung_hosts_deadline(
    tmp_path: Path,
) -> None:
    async with fleet() as (first, hung, last):
        settings = quick_settings([first.url, hung.url, last.url], tmp_path / "c")
        async with open_runtime(settings, actors=("inventory",)) as rt:
            with anyio.fail_after(HUNG_HOST_COST + MARGIN):
                snapshot = await rt.models.inventory.snapshot(refresh=True)
    assert [h.online for h in snapshot.hosts] == [True, False, True]
    assert {m.host for m in snapshot.models} == {first.url, last.url}
    hung_status = snapshot.hosts[1]
    assert hung_status.fetched_at is None and hung_status.models == 0
    assert hung_status.error == f"no answer from /api/tags within {FIRST_BYTE:g} s"
    assert hung.state.requests["GET /api/tags"] == 1


async def test_route_picks_a_healthy_host_within_the_deadline(tmp_path: Path) -> None:
    async with fleet() as (first, hung, last):
        settings = quick_settings([hung.url, first.url, last.url], tmp_path / "c")
        async with open_runtime(settings, actors=("router",)) as rt:
            with anyio.fail_after(HUNG_HOST_COST + MARGIN):
                decision = await rt.router.select_model("general")
    assert decision.host in (first.url, last.url)


async def test_ps_shows_the_healthy_hosts_loaded_models_within_the_deadline(
    tmp_path: Path,
) -> None:
    async with fleet() as (first, hung, last):
        settings = quick_settings([first.url, hung.url, last.url], tmp_path / "c")
        async with open_runtime(settings, actors=("inventory",)) as rt:
            with anyio.fail_after(HUNG_HOST_COST + MARGIN):
                loaded = await rt.models.list_loaded()
    assert [(m.name, m.host) for m in loaded] == [("phi3:mini", last.url)]
    assert hung.state.requests["GET /api/ps"] == 1


async def test_a_refused_port_fails_at_once_for_list_and_pull(tmp_path: Path) -> None:
    closed = f"127.0.0.1:{free_port()}"
    settings = quick_settings([closed], tmp_path / "c")
    async with open_runtime(settings) as rt:
        # Before, a pull retried a refused connection 6 times over ~16 s.
        with anyio.fail_after(CONNECT + MARGIN):
            with pytest.raises(HostUnreachable, match="connection failed"):
                await rt.models.list_models(refresh=True)
            with pytest.raises(HostUnreachable, match="connection failed") as info:
                await rt.models.pull_model("phi3:mini")
    assert info.value.host == f"http://{closed}"


async def test_a_pull_to_a_hung_host_fails_at_its_first_byte_deadline(tmp_path: Path) -> None:
    state = EmulatorState.empty()
    state.inject(HANG)
    async with run_emulator(state) as hung:
        settings = quick_settings([hung.url], tmp_path / "c")
        async with open_runtime(settings, actors=("downloads",)) as rt:
            # Before, this took ~196 s: every attempt waited out a 30 s read timeout.
            with anyio.fail_after(HUNG_HOST_COST + MARGIN):
                with pytest.raises(HostUnreachable, match="no answer from /api/pull"):
                    await rt.models.pull_model("phi3:mini")
    assert state.requests["POST /api/pull"] == 1


# --- the CLI, as a person runs it ---------------------------------------------------------

QUICK_ENV = {
    "OLLM_SET__providers__ollama__timeouts__connect": str(CONNECT),
    "OLLM_SET__providers__ollama__timeouts__firstByte": str(FIRST_BYTE),
}
#: start-up of a Python process running `ollm`, on a loaded machine
STARTUP = 5.0


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_ollm_list_route_ps_with_a_hung_host(tmp_path: Path) -> None:
    async with fleet() as (first, hung, last):
        hosts = ["--host", first.url, "--host", hung.url, "--host", last.url]
        cache = tmp_path / "cache"
        with anyio.fail_after(STARTUP + HUNG_HOST_COST + MARGIN):
            code, out, err = await run_cli("list", "--json", *hosts, cache=cache, env=QUICK_ENV)
        assert code == 0, err
        document = json.loads(out)
        assert {m["host"] for m in document["models"]} == {first.url, last.url}
        # Never seen, so no cache: not "its cached list from an unknown time".
        assert f"{hung.url} is offline; no list of its models is known" in err
        assert "unknown time" not in err and "cached" not in err

        with anyio.fail_after(STARTUP + HUNG_HOST_COST + MARGIN):
            code, out, err = await run_cli("route", "general", "--json", *hosts, cache=cache,
                                           env=QUICK_ENV)
        assert code == 0, err
        assert json.loads(out)["host"] in (first.url, last.url)

        with anyio.fail_after(STARTUP + HUNG_HOST_COST + MARGIN):
            code, out, err = await run_cli("ps", "--json", *hosts, cache=cache, env=QUICK_ENV)
        assert code == 0, err
        assert [(m["name"], m["host"]) for m in json.loads(out)["models"]] == [
            ("phi3:mini", last.url)
        ]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_ollm_list_serves_a_hung_hosts_cache_with_its_age(tmp_path: Path) -> None:
    state = EmulatorState.default()
    async with run_emulator() as healthy, run_emulator(state) as later_hung:
        hosts = ["--host", healthy.url, "--host", later_hung.url]
        cache = tmp_path / "cache"
        with anyio.fail_after(2 * STARTUP):
            code, _, err = await run_cli("list", *hosts, cache=cache, env=QUICK_ENV)
            assert code == 0, err
            state.inject(HANG)
            code, out, err = await run_cli(
                "list", "--json", "--refresh", *hosts, cache=cache, env=QUICK_ENV
            )
    assert code == 0, err
    models = json.loads(out)["models"]
    assert {m["host"] for m in models} == {healthy.url, later_hung.url}
    assert all(m["stale"] for m in models if m["host"] == later_hung.url)
    assert f"{later_hung.url} is offline; showing its cached list from" in err
