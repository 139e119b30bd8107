"""A runtime with one hostile host and one healthy one: garbage from the first fails only its
own requests, never the actors; the healthy host keeps working and nothing restarts."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.errors import ProtocolError
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings
from tests.hostile.server import chunked_forever, fixed, hostile_server

pytestmark = pytest.mark.anyio

DEEP = b'{"models":[' + b"[" * 200_000


@pytest.mark.parametrize(
    "answer",
    [fixed(DEEP), chunked_forever(b" " * 65_536, prefix=b'{"models":[')],
    ids=["deeply-nested", "endless"],
)
async def test_a_hostile_host_cannot_take_the_runtime_down(
    tmp_path: Path, answer: object
) -> None:
    state = EmulatorState.empty()
    state.install("phi3:mini")
    overrides = {"providers.ollama.limits.maxBodyBytes.tags": 4 * 1024 * 1024}
    with anyio.fail_after(30):
        async with hostile_server(answer) as bad, run_emulator(state) as good:  # type: ignore[arg-type]
            settings = hermetic_settings([good.url, bad.url], tmp_path / "cfg", overrides)
            async with open_runtime(settings) as rt:
                for _ in range(6):  # more than any restart policy would allow
                    snapshot = await rt.models.inventory.snapshot(refresh=True)
                    assert [m.name for m in snapshot.models] == ["phi3:mini"]
                    with pytest.raises(ProtocolError):
                        await rt.models.list_models(bad.url, refresh=True)
                decision = await rt.router.select_model("fast")
                statistics = rt.statistics()
    assert decision.model == "phi3:mini" and decision.host == good.url
    assert all(s.restarts == 0 and s.state == "running" for s in statistics)
