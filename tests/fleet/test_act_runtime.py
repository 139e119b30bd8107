"""The runtime acts on a host given per call, configured or not, and keeps each host's facts
apart (two emulators on loopback, under asyncio and trio)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.errors import InvalidHost
from ollm_actors.runtime import open_runtime
from tests.fleet.act_support import other_build, two_emulators
from tests.inventory.support import settings_for

pytestmark = pytest.mark.anyio


async def test_a_host_the_settings_do_not_name_is_attached_per_call(tmp_path: Path) -> None:
    async with two_emulators(["phi3:mini"], ["gemma2:2b"]) as (a, b):
        settings = settings_for([a.url], tmp_path)
        with anyio.fail_after(30):
            async with open_runtime(settings) as rt:
                short = f":{b.port}"
                assert [m.name for m in await rt.models.list_models(short)] == ["gemma2:2b"]
                details = await rt.models.show_model("gemma2:2b", short)
                assert details.host == b.url
                limits = await rt.limits.lookup("gemma2:2b", host=short)
                assert (limits.source, limits.context_window) == ("server", 8192)
                await rt.models.pull_model("phi3:mini", host=b.url)
                assert b.state.find_installed("phi3:mini") is not None
                await rt.models.delete_model("gemma2:2b", host=short)
                assert b.state.find_installed("gemma2:2b") is None
                # "Every host" still means the configured ones.
                assert rt.hosts == (a.url,)
                assert {m.host for m in await rt.models.list_models()} == {a.url}
                with pytest.raises(InvalidHost):
                    await rt.models.list_models("ftp://nope")


async def test_limits_and_budgets_take_the_host_of_a_same_named_model(tmp_path: Path) -> None:
    async with two_emulators(["llama3.1:8b"], []) as (a, b):
        other_build(b.state, "llama3.1:8b", context_length=32768)
        settings = settings_for([a.url, b.url], tmp_path)
        with anyio.fail_after(30):
            async with open_runtime(settings) as rt:
                on_a = await rt.limits.lookup("llama3.1:8b", host=a.url)
                on_b = await rt.limits.lookup("llama3.1:8b", host=b.url)
                assert (on_a.context_window, on_b.context_window) == (131072, 32768)
                assert on_a.digest != on_b.digest
                # Without a host: the first host that has it.
                assert (await rt.limits.lookup("llama3.1:8b")).context_window == 131072
                budget = await rt.limits.budget(
                    "llama3.1:8b", prompt_tokens=30000, max_output=100, host=b.url
                )
                assert budget.effective_context == 32768
                status = await rt.models.get_model_status("llama3.1:8b")
                assert status.hosts == (a.url, b.url)
