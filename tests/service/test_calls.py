"""Calls through a service answer what the runtime answers in-process, as the same types;
errors come back as the same OllmError classes."""

from __future__ import annotations

import stat
from pathlib import Path

import anyio
import pytest

from ollm_actors import connect
from ollm_actors.emulator import RunningEmulator
from ollm_actors.errors import InvalidModelName, ModelNotFound, ServiceRefused
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
