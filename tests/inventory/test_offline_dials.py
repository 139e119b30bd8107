"""A host known offline is answered from its cache without being dialled again: only its
probe tries it (here held off by a long first delay), never each ask."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from anyio.abc import SocketStream

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.inventory.support import inventory, settings_for

pytestmark = pytest.mark.anyio


async def test_a_known_offline_host_is_not_dialled_on_each_list(tmp_path: Path) -> None:
    dials = 0

    async def hang_up(stream: SocketStream) -> None:
        nonlocal dials
        dials += 1
        await stream.aclose()  # a dropped connection: the host counts as offline

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    url = f"http://127.0.0.1:{port}"
    slow_probe = {"inventory.probe.initial": 3600.0, "inventory.probe.max": 3600.0}
    settings = settings_for([url], tmp_path, slow_probe, cache=tmp_path / "c")
    with anyio.fail_after(15):
        # A first run, against a real server on that address, leaves a cache behind.
        await listener.aclose()
        async with run_emulator(EmulatorState.default(), port=port), inventory(settings) as (
            _,
            api,
            _,
        ):
            assert len(await api.list_models()) == 3
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)
        async with listener, anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, hang_up)
            async with inventory(settings) as (_, api, recorder):
                first = await api.snapshot()  # from the cache, and one dial finds it offline
                assert first.hosts[0].online is False and len(first.models) == 3
                assert recorder.topics("host.") == ["host.offline"]
                seen = dials
                assert seen >= 1
                for _ in range(5):
                    assert len(await api.list_models()) == 3
                assert dials == seen
            tg.cancel_scope.cancel()
