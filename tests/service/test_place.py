"""Where a service listens: a live socket is refused, a stale one cleaned; TCP off loopback
only with a token; the settings it shows are redacted; discovery finds it."""

from __future__ import annotations

import socket as socketlib
from pathlib import Path

import anyio
import httpx
import pytest

from ollm_actors import connect
from ollm_actors.emulator import RunningEmulator
from ollm_actors.errors import ListenFailed, ServiceUnavailable
from ollm_actors.service import default_socket, find_service

from .conftest import served

pytestmark = pytest.mark.anyio


async def test_a_live_socket_is_refused_and_a_stale_one_cleaned(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    stale = tmp_path / "s.sock"
    dead = socketlib.socket(socketlib.AF_UNIX)
    dead.bind(str(stale))
    dead.close()  # the file stays, nothing answers: what a killed service leaves
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path) as (rt, service):
            assert service.address == str(stale)
            async with connect(stale) as client:
                assert await client.models.pulls() == ()
            with pytest.raises(ListenFailed) as taken:
                async with rt.serve(socket=stale):
                    pass
            assert taken.value.address == str(stale)
            assert "another ollm service" in taken.value.reason
            async with connect(stale) as client:  # the first service still answers
                assert await client.models.pulls() == ()
    assert not stale.exists()


async def test_off_loopback_needs_a_token(emulator: RunningEmulator, tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path, socket=tmp_path / "a.sock") as (rt, _):
            with pytest.raises(ListenFailed, match="needs a token"):
                async with rt.serve(listen="0.0.0.0:0"):
                    pass
            async with rt.serve(listen="127.0.0.1:0") as tcp, connect(tcp.address) as client:
                assert tcp.address.startswith("http://127.0.0.1:")
                assert await client.models.pulls() == ()


async def test_settings_are_redacted(emulator: RunningEmulator, tmp_path: Path) -> None:
    secret_host = emulator.url.replace("http://", "http://user:hunter2@") + "/?key=k3y"
    from ollm_actors.runtime import open_runtime
    from ollm_actors.testing import hermetic_settings

    settings = hermetic_settings([secret_host], tmp_path / "cache")
    with anyio.fail_after(20):
        async with open_runtime(settings) as rt, rt.serve(socket=tmp_path / "s.sock") as svc:
            transport = httpx.AsyncHTTPTransport(uds=svc.address)
            async with httpx.AsyncClient(transport=transport, base_url="http://ollm") as http:
                shown = (await http.get("/v1/settings")).text
    assert "hunter2" not in shown and "k3y" not in shown
    assert "***" in shown


async def test_discovery_finds_the_default_socket_or_says_why_not(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    assert find_service({}) is None
    with pytest.raises(ServiceUnavailable) as missing:
        find_service({"OLLM_SERVICE": str(tmp_path / "none.sock")})
    assert missing.value.target == str(tmp_path / "none.sock")
    with anyio.fail_after(20):
        async with served(emulator.url, tmp_path, socket=None) as (_, service):
            assert service.address == str(default_socket())
            found = await anyio.to_thread.run_sync(find_service, {})
            assert found == str(default_socket())
            named = {"OLLM_SERVICE": service.address}
            assert await anyio.to_thread.run_sync(find_service, named) == service.address
