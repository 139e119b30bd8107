"""Host health against emulators on loopback, several at once: online → degraded (HTTP 500)
→ offline (the server stopped) → online, each change published once; a slow answer is
degraded; the healthy host beside them never changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from ollm_actors.actors.bus import EventBus
from ollm_actors.emulator import EmulatorState, Fault, run_emulator
from ollm_actors.inventory.types import HostDegraded, HostOffline, HostOnline
from ollm_actors.runtime import open_runtime
from tests.fleet.support import emulators, fleet_settings, host_topics
from tests.inventory.support import Recorder

pytestmark = pytest.mark.anyio


async def serve_until(
    state: EmulatorState,
    stop: anyio.Event,
    closed: anyio.Event,
    *,
    task_status: Any = anyio.TASK_STATUS_IGNORED,
) -> None:
    """An emulator in a task of its own until ``stop`` is set; ``closed`` once its socket
    and connections are closed."""
    async with run_emulator(state) as emu:
        task_status.started(emu)
        await stop.wait()
    closed.set()


async def test_online_degraded_offline_online_with_one_event_per_change(tmp_path: Path) -> None:
    flaky, steady = EmulatorState.default(), EmulatorState.default()
    steady.load("phi3:mini")
    bus = EventBus()
    recorder = Recorder(bus)
    with anyio.fail_after(20):
        async with emulators(steady) as (b,), anyio.create_task_group() as tg:
            stop, closed = anyio.Event(), anyio.Event()
            a = await tg.start(serve_until, flaky, stop, closed)
            # Three failures in a row would start a cooldown (tests/fleet/test_cooldown_*).
            off = {"routing.cooldown.failures": 0}
            settings = fleet_settings([a.url, b.url], tmp_path, off)
            async with open_runtime(settings, actors=("inventory",), events=bus) as rt:
                one, two = await rt.hosts.status()
                assert (one.url, two.url) == (a.url, b.url)
                assert (one.state, two.state) == ("online", "online")
                assert one.version == two.version and one.version
                assert one.latency_ms is not None and one.latency_ms >= 0
                assert (one.models, one.loaded, two.loaded) == (3, 0, 1)
                assert one.cache_age_s is not None and one.cache_age_s >= 0

                flaky.inject(Fault(kind="http_500", path="/api/version", times=-1))
                one, two = await rt.hosts.probe()
                assert (one.state, one.online, two.state) == ("degraded", True, "online")
                assert (await rt.hosts.probe())[0].state == "degraded"  # no second event

                stop.set()  # the server goes away: nothing listens any more
                await closed.wait()
                one, two = await rt.hosts.probe()
                assert (one.state, one.online, two.state) == ("offline", False, "online")
                assert one.models == 3  # still known, from before

                async with (
                    rt.events.subscribe("host.online") as back,
                    run_emulator(EmulatorState.default(), port=a.port) as again,
                ):
                    assert again.url == a.url
                    await rt.hosts.probe()
                    async for event in back:  # the list fetch after the probe answered
                        assert event.payload == HostOnline(host=a.url, models=3)
                        break
                    one, two = await rt.hosts.status()
                    assert (one.state, two.state) == ("online", "online")
    assert host_topics(recorder.events, a.url) == ["host.degraded", "host.offline", "host.online"]
    assert host_topics(recorder.events, b.url) == []
    payloads = {e.topic: e.payload for e in recorder.events if e.topic.startswith("host.")}
    degraded, offline = payloads["host.degraded"], payloads["host.offline"]
    assert isinstance(degraded, HostDegraded) and "HTTP 500" in degraded.reason
    assert isinstance(offline, HostOffline) and offline.cached_models == 3


async def test_a_host_answering_slower_than_the_threshold_is_degraded(tmp_path: Path) -> None:
    slow, quick = EmulatorState.default(), EmulatorState.default()
    slow.inject(Fault(kind="delay", path="/api/version", seconds=0.3))
    with anyio.fail_after(20):
        async with emulators(slow, quick) as (a, b):
            settings = fleet_settings(
                [a.url, b.url], tmp_path, {"providers.ollama.health.slow": 0.2}
            )
            async with open_runtime(settings, actors=("inventory",)) as rt:
                one, two = await rt.hosts.probe()
                assert (one.state, two.state) == ("degraded", "online")
                assert one.latency_ms is not None and one.latency_ms >= 300
                assert one.online  # it answers, slowly
                one, _ = await rt.hosts.probe()  # the delay is spent
                assert one.state == "online"


async def test_status_of_a_host_nothing_listens_on_is_offline_not_an_error(
    tmp_path: Path,
) -> None:
    from tests.inventory.support import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    with anyio.fail_after(20):
        async with emulators(EmulatorState.default()) as (b,):
            settings = fleet_settings([dead, b.url], tmp_path)
            async with open_runtime(settings, actors=("inventory",)) as rt:
                one, two = await rt.hosts.status()
                assert (one.url, one.state, one.online) == (dead, "offline", False)
                assert one.version is None
                assert (one.models, one.loaded, one.cache_age_s) == (0, None, None)
                assert one.error is not None
                assert two.state == "online"
