"""`ollm hosts` in a subprocess against two emulators and a port nothing listens on."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState
from tests.asyncio_only import anyio_backend
from tests.fleet.support import emulators
from tests.inventory.support import free_port, run_ollm

__all__ = ("anyio_backend",)

pytestmark = pytest.mark.anyio

FIELDS = {"url", "state", "latency_ms", "version", "models", "loaded", "cache_age_s",
          "cooldown_until"}  # fmt: skip


async def test_hosts_json_has_one_row_per_host_with_its_health(tmp_path: Path) -> None:
    busy = EmulatorState.default()
    busy.load("phi3:mini")
    dead = f"http://127.0.0.1:{free_port()}"
    with anyio.fail_after(60):
        async with emulators(busy, EmulatorState.default()) as (a, b):
            hosts = ["--host", a.url, "--host", b.url, "--host", dead]
            code, out, err = await run_ollm("hosts", "--json", *hosts, cache=tmp_path / "c")
            assert code == 0, err
            rows = json.loads(out)["hosts"]
            assert [r["url"] for r in rows] == [a.url, b.url, dead]
            assert all(set(r) >= FIELDS for r in rows)
            assert [r["state"] for r in rows] == ["online", "online", "offline"]
            assert [r["models"] for r in rows] == [3, 3, 0]
            assert [r["loaded"] for r in rows] == [1, 0, None]
            assert rows[0]["version"] and rows[2]["version"] is None
            assert rows[0]["latency_ms"] >= 0 and rows[2]["latency_ms"] is None
            assert rows[0]["cache_age_s"] >= 0 and rows[2]["cache_age_s"] is None
            assert [r["cooldown_until"] for r in rows] == [None, None, None]
            assert f"{dead} is offline" in err

            code, out, err = await run_ollm("hosts", *hosts, cache=tmp_path / "c")
            assert code == 0, err
            header, *lines = out.splitlines()
            assert header.split() == [
                "URL", "STATE", "LATENCY", "VERSION", "MODELS", "LOADED", "CACHE", "AGE"
            ]
            assert [line.split()[:2] for line in lines] == [
                [a.url, "online"], [b.url, "online"], [dead, "offline"]
            ]


async def test_hosts_json_says_degraded_for_a_host_answering_http_500(tmp_path: Path) -> None:
    from ollm_actors.emulator import Fault

    sick = EmulatorState.default()
    sick.inject(Fault(kind="http_500", path="*", times=-1, message="overloaded"))
    with anyio.fail_after(60):
        async with emulators(sick) as (a,):
            code, out, err = await run_ollm("hosts", "--json", "--host", a.url, cache=tmp_path)
    assert code == 0, err
    (row,) = json.loads(out)["hosts"]
    assert (row["state"], row["online"]) == ("degraded", True)
    assert "HTTP 500" in row["error"] and "overloaded" in row["error"]
    assert f"{a.url} is degraded" in err
