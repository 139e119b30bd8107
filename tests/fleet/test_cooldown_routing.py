"""A host that keeps failing enters its cooldown: the router skips it (and says so) until
the cooldown is over and a probe finds it answering. Time is the runtime's injected clock."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.actors.bus import EventBus
from ollm_actors.emulator import EmulatorState, Fault
from ollm_actors.runtime import open_runtime
from tests.fleet.support import emulators, fleet_settings, host_topics
from tests.inventory.support import FakeClock, Recorder

pytestmark = pytest.mark.anyio

COOLDOWN = {
    "routing.cooldown.failures": 2,
    "routing.cooldown.window": 60,
    "routing.cooldown.duration": 30,
}


async def test_a_failing_host_is_skipped_for_its_cooldown_then_used_again(
    tmp_path: Path,
) -> None:
    first, second = EmulatorState.default(), EmulatorState.default()
    clock = FakeClock()
    bus = EventBus()
    recorder = Recorder(bus)
    with anyio.fail_after(20):
        async with emulators(first, second) as (a, b):
            settings = fleet_settings([a.url, b.url], tmp_path, COOLDOWN)
            async with open_runtime(settings, clock=clock, events=bus) as rt:
                before = await rt.router.select_model("general")
                assert {c.host for c in before.candidates} == {a.url, b.url}

                first.inject(Fault(kind="http_500", path="/api/version", times=2))
                (one, _) = await rt.hosts.probe()
                assert (one.state, one.cooldown_until) == ("degraded", None)
                clock.advance(5)  # within the 60 s window
                (one, other) = await rt.hosts.probe()
                assert one.cooldown_until is not None and "HTTP 500" in (one.cooldown_reason or "")
                assert other.cooldown_until is None

                during = await rt.router.select_model("general")
                assert during.host == b.url
                assert {c.host for c in during.candidates} == {b.url}
                skipped = [r for r in during.reasons if r.startswith(f"skipped {a.url}")]
                assert skipped == [
                    f"skipped {a.url}: in cooldown until {one.cooldown_until} after repeated "
                    f"failures (last: {one.cooldown_reason})"
                ]

                clock.advance(29)  # 29 s of the 30 s cooldown passed: still skipped
                (one, _) = await rt.hosts.status()
                assert one.cooldown_until is not None
                clock.advance(1)
                (one, _) = await rt.hosts.probe()  # the fault is spent: it answers well
                assert (one.state, one.cooldown_until) == ("online", None)

                after = await rt.router.select_model("general")
                assert {c.host for c in after.candidates} == {a.url, b.url}
                assert not any(r.startswith("skipped") for r in after.reasons)
    assert host_topics(recorder.events, a.url) == [
        "host.degraded",
        "host.cooldown",
        "host.cooldown_ended",
        "host.online",
    ]
    assert host_topics(recorder.events, b.url) == []
