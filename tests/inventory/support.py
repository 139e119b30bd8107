"""Helpers for inventory tests: an inventory actor on its own, a fake clock, event capture."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NamedTuple

import anyio

from ollm_actors.actors import ActorRef, ActorSystem, Event
from ollm_actors.actors.bus import EventBus
from ollm_actors.config.model import Settings
from ollm_actors.inventory.actor import InventoryActor, InventoryMessage
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.ollama.deadlines import Deadlines
from ollm_actors.ollama.pool import HostPool
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.testing import hermetic_settings
from ollm_actors.vocab.clock import Clock
from ollm_actors.vocab.database import load_builtin_database

_REPO = str(Path(__file__).resolve().parents[2])

FAST: dict[str, object] = {
    "inventory.probe.initial": 0.01,
    "inventory.probe.max": 0.05,
    "providers.ollama.timeouts.connect": 2.0,
    "providers.ollama.timeouts.request": 5.0,
}


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def settings_for(
    urls: list[str],
    tmp_path: Path,
    overrides: Mapping[str, object] | None = None,
    cache: Path | None = None,
) -> Settings:
    merged = dict(FAST)
    merged.update(overrides or {})
    settings = hermetic_settings(urls, tmp_path / "cfg", overrides=merged)
    if cache is not None:
        import msgspec

        settings = msgspec.structs.replace(
            settings, cache=msgspec.structs.replace(settings.cache, dir=str(cache))
        )
    return settings


class Recorder:
    """Every event of the bus, in order (a callback: it sees events as they are published)."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.on("*", self.events.append)

    def topics(self, prefix: str = "") -> list[str]:
        return [e.topic for e in self.events if e.topic.startswith(prefix)]


@asynccontextmanager
async def inventory(
    settings: Settings, *, clock: FakeClock | None = None
) -> AsyncIterator[tuple[Runtime, InventoryAPI, Recorder]]:
    """The inventory actor (and an idle downloads actor, so that the inventory follows
    ``pull.*`` events), with a recorder of every event since before it started."""
    bus = EventBus()
    recorder = Recorder(bus)
    async with open_runtime(settings, actors=("downloads",), clock=clock, events=bus) as rt:
        yield rt, rt.models.inventory, recorder


class LoneInventory(NamedTuple):
    api: InventoryAPI
    bus: EventBus
    recorder: Recorder
    ref: ActorRef[InventoryMessage]


@asynccontextmanager
async def lone_inventory(
    settings: Settings, cache: Path, *, client_timeout: float = 60.0
) -> AsyncIterator[LoneInventory]:
    """The inventory actor alone, over clients whose own timeouts are ``client_timeout``
    rather than the settings': with a longer one, only the inventory's per-request deadline
    (``timeouts.request`` of ``settings``) can end a wait for a silent host."""
    bus = EventBus()
    recorder = Recorder(bus)
    urls = settings.hosts()
    async with (
        HostPool(
            urls,
            deadlines=Deadlines(
                connect=client_timeout,
                first_byte=client_timeout,
                stall=client_timeout,
                request=client_timeout,
            ),
        ) as pool,
        ActorSystem() as system,
    ):
        clock = Clock(anyio.current_time)
        ref = await system.spawn(
            lambda: InventoryActor(
                settings=settings,
                hosts=pool,
                bus=bus,
                cache_dir=cache,
                database=load_builtin_database,
                clock=clock,
            ),
            name="inventory",
        )
        yield LoneInventory(InventoryAPI(ref), bus, recorder, ref)


def free_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def run_ollm(*args: str, cache: Path) -> tuple[int, str, str]:
    """Run ``python -m ollm_actors ARGS`` with only ``cache`` as state; (code, stdout, stderr)."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
    env["OLLM_CACHE_DIR"] = str(cache)
    settings_file = cache.parent / "empty-settings.yaml"
    settings_file.touch()
    env["OLLM_CONFIG"] = str(settings_file)
    env["PYTHONPATH"] = _REPO
    result = await anyio.run_process(
        [sys.executable, "-m", "ollm_actors", *args], env=env, check=False, cwd=cache.parent
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()
