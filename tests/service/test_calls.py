"""Calls through a service answer what the runtime answers in-process, as the same types;
errors come back as the same OllmError classes."""

from __future__ import annotations

import stat
from pathlib import Path

import anyio
import pytest

from ollm_actors import connect
from ollm_actors.emulator import RunningEmulator
from ollm_actors.errors import BadModelParameter, InvalidModelName, ModelNotFound, ServiceRefused
from ollm_actors.inventory.types import InventorySnapshot, ModelInfo

from .conftest import served

pytestmark = pytest.mark.anyio


async def test_models_through_a_service_equal_in_process(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (rt, service):
            mode = stat.S_IMODE((tmp_path / "s.sock").stat().st_mode)
            assert mode == 0o600
            async with connect(service.address) as remote:
                listed = await remote.models.list_models()
                assert listed == await rt.models.list_models()
                assert all(isinstance(m, ModelInfo) for m in listed)
                snapshot = await remote.models.inventory.snapshot()
                assert isinstance(snapshot, InventorySnapshot)
                assert await remote.models.show_model("phi3:mini") == await rt.models.show_model(
                    "phi3:mini"
                )
                assert await remote.limits.lookup("phi3:mini") == await rt.limits.lookup(
                    "phi3:mini"
                )
                assert list(remote.hosts) == list(rt.hosts)
                assert await remote.hosts.status() is not None


async def test_errors_come_back_as_the_same_classes(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (rt, service), connect(
            service.address
        ) as remote:
            if True:
                with pytest.raises(ModelNotFound) as remote_error:
                    await remote.models.show_model("nosuch:model")
                with pytest.raises(ModelNotFound) as local_error:
                    await rt.models.show_model("nosuch:model")
                assert remote_error.value.facts() == local_error.value.facts()
                with pytest.raises(InvalidModelName):
                    await remote.models.show_model("bad name!")
                with pytest.raises(ServiceRefused) as refused:
                    await remote.models.list_models(refresh="maybe")
                assert refused.value.status == 400


async def test_lifecycle_verbs_route_and_budgets_through_a_service(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (rt, service), connect(
            service.address
        ) as remote:
            seen: list[str] = []
            created = await remote.models.create_model(
                "phi3-8k", "phi3:mini", parameters={"num_ctx": 8192},
                on_progress=lambda event: seen.append(event.event),
            )
            assert created.statuses[-1] == "success" and "queued" in seen
            assert (await rt.models.show_model("phi3-8k")).default_num_ctx == 8192
            await remote.models.copy_model("phi3-8k", "phi3-copy")
            await remote.models.load_model("phi3-copy")
            assert [m.name for m in await remote.models.list_loaded()] == ["phi3-copy:latest"]
            assert await remote.models.stop_model("phi3-copy") == ["phi3-copy:latest"]
            await remote.models.delete_model("phi3-copy")
            assert "phi3-copy:latest" not in [m.name for m in await rt.models.list_models()]
            with pytest.raises(BadModelParameter):
                await remote.models.create_model("x", "phi3:mini", parameters={"num_ctxx": 1})
            decision = await remote.router.select_model("fast", prompt_tokens=100)
            assert decision == await rt.router.select_model("fast", prompt_tokens=100)
            budget = await remote.limits.budget("phi3:mini", prompt_tokens=1000)
            assert budget == await rt.limits.budget("phi3:mini", prompt_tokens=1000)
            options = await remote.limits.request_options("phi3:mini", text="hello")
            assert options == await rt.limits.request_options("phi3:mini", text="hello")
            installed = await remote.limits.lookup_installed(await rt.models.list_models())
            assert installed == await rt.limits.lookup_installed(await rt.models.list_models())
