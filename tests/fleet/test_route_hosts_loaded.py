"""Routing across the fleet, against several emulators: the same model on two hosts goes
to the host where it is loaded, else to the healthy host over a degraded one, and the
reasons say why that host."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, Fault
from ollm_actors.runtime import open_runtime
from tests.fleet.support import emulators, fleet_settings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("loaded_on", [0, 1])
async def test_the_host_where_the_model_is_loaded_wins(tmp_path: Path, loaded_on: int) -> None:
    states = [EmulatorState.default(), EmulatorState.default()]
    states[loaded_on].load("llama3.1:8b")
    with anyio.fail_after(20):
        async with emulators(*states) as hosts:
            urls = [h.url for h in hosts]
            async with open_runtime(fleet_settings(urls, tmp_path)) as rt:
                decision = await rt.router.select_model("general")
    assert (decision.model, decision.host) == ("llama3.1:8b", urls[loaded_on])
    other = urls[1 - loaded_on]
    assert (
        f"llama3.1:8b is also on {other} (not loaded); {urls[loaded_on]} was chosen: the model "
        "is already loaded there (no cold load)"
    ) in decision.reasons


async def test_a_healthy_host_wins_over_a_degraded_one(tmp_path: Path) -> None:
    sick, well = EmulatorState.default(), EmulatorState.default()
    with anyio.fail_after(20):
        async with emulators(sick, well) as (a, b):
            # a comes first: without health, the tie would go to it by name order.
            settings = fleet_settings(
                sorted([a.url, b.url]), tmp_path, {"routing.cooldown.failures": 0}
            )
            first, second = settings.hosts()
            (sick if first == a.url else well).inject(
                Fault(kind="http_500", path="/api/version", times=-1)
            )
            async with open_runtime(settings) as rt:
                statuses = await rt.hosts.probe()
                assert [s.state for s in statuses] == ["degraded", "online"]
                decision = await rt.router.select_model("general")
    assert decision.host == second
    assert any(
        r.endswith(f"{second} was chosen: it answers well while {first} is degraded")
        for r in decision.reasons
    )
