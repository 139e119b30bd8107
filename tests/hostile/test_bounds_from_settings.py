"""The bounds come from the settings: a runtime opened with small ones enforces them."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.errors import ProtocolError
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings

pytestmark = pytest.mark.anyio


async def test_the_settings_bound_the_answers(tmp_path: Path) -> None:
    overrides = {
        "providers.ollama.limits.maxBodyBytes.tags": 100,
    }
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu:
            settings = hermetic_settings([emu.url], tmp_path / "cfg", overrides=overrides)
            async with open_runtime(settings, actors=("inventory",)) as rt:
                with pytest.raises(ProtocolError) as caught:
                    await rt.models.list_models()
    assert "limit providers.ollama.limits.maxBodyBytes.tags" in caught.value.reason
