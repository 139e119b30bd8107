"""The inventory actor against the emulator: TTL, shared fetches, offline, cache, statuses."""

from __future__ import annotations

from pathlib import Path

import anyio
import msgspec
import pytest

from ollm_actors.actors import Event
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.errors import HostUnreachable, ModelNotFound
from ollm_actors.inventory.cache import CacheProblem, cache_path_for
from ollm_actors.inventory.store import load_host_cache
from ollm_actors.inventory.types import CacheUnwritable, HostOffline, InventoryChanged
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent
from tests.inventory.support import FakeClock, free_port, inventory, settings_for

pytestmark = pytest.mark.anyio


async def test_list_is_served_from_memory_within_the_ttl(tmp_path: Path) -> None:
    clock = FakeClock()
    async with run_emulator(EmulatorState.default()) as emu:
        settings = settings_for([emu.url], tmp_path, {"inventory.ttl": 30.0}, tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings, clock=clock) as (_, api, _):
                first = await api.list_models()
                assert {m.name for m in first} == {
                    "llama3.1:8b",
                    "phi3:mini",
                    "nomic-embed-text:latest",
                }
                assert not any(m.stale for m in first)
                emu.state.install("qwen2.5:7b")
                clock.advance(29)
                assert len(await api.list_models()) == 3  # still fresh: no request
                assert emu.state.requests["GET /api/tags"] == 1
                clock.advance(2)
                assert len(await api.list_models()) == 4  # expired: fetched again
                assert len(await api.list_models(refresh=True)) == 4
                assert emu.state.requests["GET /api/tags"] == 3


async def test_concurrent_refreshes_share_one_request(tmp_path: Path) -> None:
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, _):
                results: list[int] = []

                async def one() -> None:
                    results.append(len(await api.list_models(refresh=True)))

                async with anyio.create_task_group() as tg:
                    for _ in range(10):
                        tg.start_soon(one)
                assert results == [3] * 10
                assert state.requests["GET /api/tags"] == 1


async def test_offline_then_back_online(tmp_path: Path) -> None:
    state = EmulatorState.default()
    port = free_port()
    settings = settings_for([f"http://127.0.0.1:{port}"], tmp_path, cache=tmp_path / "c")
    with anyio.fail_after(15):
        async with inventory(settings) as (ctx, api, recorder):
            async with run_emulator(state, port=port):
                assert len(await api.list_models()) == 3
            # The emulator is gone: the cached list is served, marked stale.
            snapshot = await api.snapshot(refresh=True)
            assert [h.online for h in snapshot.hosts] == [False]
            assert snapshot.hosts[0].stale
            assert len(snapshot.models) == 3
            assert all(m.stale for m in snapshot.models)
            offline = [e for e in recorder.events if e.topic == "host.offline"]
            assert len(offline) == 1
            assert isinstance(offline[0].payload, HostOffline)
            assert offline[0].payload.cached_models == 3
            # Known offline: answered from the cache at once, no new request needed.
            assert len(await api.list_models()) == 3

            state.install("qwen2.5:7b")
            async with run_emulator(state, port=port):
                await ctx.events.wait_for("inventory.changed")
                snapshot = await api.snapshot()
            assert snapshot.hosts[0].online
            assert not snapshot.hosts[0].stale
            assert len(snapshot.models) == 4
    topics = [t for t in recorder.topics() if t.startswith(("host.", "inventory."))]
    assert topics == ["inventory.changed", "host.offline", "host.online", "inventory.changed"]
    changed = recorder.events[-1].payload
    assert isinstance(changed, InventoryChanged)
    assert changed.added == ("qwen2.5:7b",)
    assert changed.removed == ()


async def test_no_cache_and_no_host_says_how_to_start_ollama(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    settings = settings_for([url], tmp_path, cache=tmp_path / "c")
    with anyio.fail_after(10):
        async with inventory(settings) as (_, api, _):
            with pytest.raises(HostUnreachable) as caught:
                await api.list_models()
            assert caught.value.host == url
            assert "ollama serve" in str(caught.value)


async def test_cache_survives_a_restart_and_is_stale_until_confirmed(tmp_path: Path) -> None:
    state = EmulatorState.default()
    port = free_port()
    settings = settings_for([f"http://127.0.0.1:{port}"], tmp_path, cache=tmp_path / "c")
    with anyio.fail_after(15):
        async with run_emulator(state, port=port), inventory(settings) as (_, api, _):
            await api.list_models()
            details = await api.show_model("llama3.1:8b")
        # A new process, the host down: list and show facts come from the file.
        async with inventory(settings) as (_, api, recorder):
            models = await api.list_models()
            assert len(models) == 3
            assert all(m.stale for m in models)
            cached = await api.show_model("llama3.1:8b")
            assert cached.context_length == details.context_length == 131072
            assert cached.stale
            assert state.requests["POST /api/show"] == 1
            assert recorder.topics("host.offline") == ["host.offline"]


async def test_corrupt_cache_is_set_aside_and_reported(tmp_path: Path) -> None:
    async with run_emulator(EmulatorState.default()) as emu:
        cache = tmp_path / "c"
        cache.mkdir()
        path = cache_path_for(cache, emu.url)
        path.write_bytes(b"{definitely not json")
        settings = settings_for([emu.url], tmp_path, cache=cache)
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, recorder):
                assert len(await api.list_models()) == 3
            corrupt = [e.payload for e in recorder.events if e.topic == "cache.corrupt"]
        assert len(corrupt) == 1
        assert isinstance(corrupt[0], CacheProblem)
        assert corrupt[0].moved_to is not None
        assert await anyio.Path(corrupt[0].moved_to).read_bytes() == b"{definitely not json"
        fresh = load_host_cache(cache, emu.url, stamp=0)
        assert not isinstance(fresh, CacheProblem) and fresh is not None
        assert len(fresh.models) == 3


async def test_foreign_cache_file_is_set_aside(tmp_path: Path) -> None:
    async with run_emulator(EmulatorState.default()) as emu:
        cache = tmp_path / "c"
        cache.mkdir()
        cache_path_for(cache, emu.url).write_bytes(
            b'{"format": 1, "host": "http://elsewhere:11434", "models": []}'
        )
        settings = settings_for([emu.url], tmp_path, cache=cache)
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, recorder):
                assert len(await api.list_models()) == 3
        assert recorder.topics("cache.") == ["cache.corrupt"]


async def test_unwritable_cache_dir_warns_once_and_carries_on(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache dir should be")
    async with run_emulator(EmulatorState.default()) as emu:
        settings = settings_for([emu.url], tmp_path, cache=blocker)
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, recorder):
                assert len(await api.list_models()) == 3
                await api.show_model("phi3:mini")
                assert len(await api.list_models(refresh=True)) == 3
    unwritable = [e.payload for e in recorder.events if e.topic == "cache.unwritable"]
    assert len(unwritable) == 1
    assert isinstance(unwritable[0], CacheUnwritable)
    assert blocker.read_text() == "a file where the cache dir should be"


async def test_unwritable_cache_file_location_reported_on_first_write(tmp_path: Path) -> None:
    # The dir exists, but a directory squats the cache file's own path: the write fails.
    async with run_emulator(EmulatorState.default()) as emu:
        cache = tmp_path / "c"
        cache_path_for(cache, emu.url).mkdir(parents=True)
        settings = settings_for([emu.url], tmp_path, cache=cache)
        with anyio.fail_after(10):
            async with inventory(settings) as (ctx, api, recorder):
                with anyio.fail_after(5):
                    async with ctx.events.subscribe("cache.unwritable") as events:
                        assert len(await api.list_models()) == 3
                        async for _ in events:
                            break
                assert len(await api.list_models(refresh=True)) == 3
    assert recorder.topics("cache.unwritable") == ["cache.unwritable"]


async def test_two_hosts_one_down(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with run_emulator(EmulatorState.default()) as emu:
        settings = settings_for([emu.url, dead], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, recorder):
                snapshot = await api.snapshot()
                assert [(h.url, h.online) for h in snapshot.hosts] == [
                    (emu.url, True),
                    (dead, False),
                ]
                assert {m.host for m in snapshot.models} == {emu.url}
                assert len(snapshot.models) == 3
                with pytest.raises(HostUnreachable):
                    await api.list_models(host=dead)
                status = await api.get_model_status("llama3.1:8b")
                assert status.status == "available"
                assert status.hosts == (emu.url,)
                missing = await api.get_model_status("qwen2.5:7b")
                assert missing.status == "unknown"  # the dead host might have it
    assert recorder.topics("host.") == ["host.offline"]


async def test_five_thousand_models(tmp_path: Path) -> None:
    state = EmulatorState.default()
    state.add_synthetic(5000)
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(20):
            async with inventory(settings) as (_, api, _):
                models = await api.list_models()
                assert len(models) == 5003
                assert len({m.digest for m in models}) == 5003
                again = await api.list_models()
                assert again == models
                assert state.requests["GET /api/tags"] == 1
                status = await api.get_model_status(models[-1].name)
                assert status.status == "available"
            async with inventory(settings) as (_, api, _):
                emu.state.clear_faults()
                cached = await api.snapshot()
                assert len(cached.models) == 5003


async def test_status_pulling_done_and_deleted(tmp_path: Path) -> None:
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (ctx, api, recorder):
                absent = await api.get_model_status("qwen2.5:7b")
                assert absent.status == "absent"
                ctx.events.publish(
                    "pull.progress",
                    PullEvent(
                        event="progress", model="qwen2.5:7b", host=emu.url, completed=25, total=100
                    ),
                    coalesce_key="qwen2.5:7b",
                )
                pulling = await api.get_model_status("qwen2.5:7b")
                assert pulling.status == "pulling"
                assert pulling.fraction == pytest.approx(0.25)
                assert pulling.hosts == (emu.url,)
                # The pull finishes: the next list refetches without waiting for the TTL.
                state.install("qwen2.5:7b")
                ctx.events.publish(
                    "pull.done", PullEvent(event="done", model="qwen2.5:7b", host=emu.url)
                )
                names = {m.name for m in await api.list_models()}
                assert "qwen2.5:7b" in names
                assert state.requests["GET /api/tags"] == 2
                done = await api.get_model_status("qwen2.5:7b")
                assert done.status == "available"
                # A deletion is applied at once.
                state.delete("phi3:mini")
                ctx.events.publish("model.deleted", ModelDeleted(model="phi3:mini", host=emu.url))
                assert "phi3:mini" not in {m.name for m in await api.list_models()}
                assert state.requests["GET /api/tags"] == 2
                gone = await api.get_model_status("phi3:mni")
                assert gone.status == "absent"
                assert any(name.startswith("phi3") for name in gone.suggestions)
    changed = [e.payload for e in recorder.events if e.topic == "inventory.changed"]
    assert msgspec.structs.asdict(changed[-1]) == {
        "host": emu.url,
        "added": (),
        "removed": ("phi3:mini",),
    }


async def test_another_runtimes_pull_events_are_not_followed(tmp_path: Path) -> None:
    """Events forwarded from another runtime (``origin`` set) say nothing of this runtime's
    pulls: no ``pulling`` status, no refetch after its ``pull.done``, no dropped model after
    its ``model.deleted``. This runtime's own ``pull.done`` still refetches."""
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (ctx, api, _):
                await api.list_models()

                def forward(topic: str, payload: object) -> None:
                    ctx.events.forward(
                        Event(topic=topic, time=0.0, payload=payload, origin="rt-elsewhere")
                    )

                progress = PullEvent(
                    event="progress", model="qwen2.5:7b", host=emu.url, completed=1, total=4
                )
                forward("pull.progress", progress)
                assert (await api.get_model_status("qwen2.5:7b")).status == "absent"
                state.install("qwen2.5:7b")
                forward("pull.done", PullEvent(event="done", model="qwen2.5:7b", host=emu.url))
                forward("model.deleted", ModelDeleted(model="phi3:mini", host=emu.url))
                names = {m.name for m in await api.list_models()}
                assert "qwen2.5:7b" not in names and "phi3:mini" in names
                assert state.requests["GET /api/tags"] == 1

                ctx.events.publish(
                    "pull.done", PullEvent(event="done", model="qwen2.5:7b", host=emu.url)
                )
                assert "qwen2.5:7b" in {m.name for m in await api.list_models()}
                assert state.requests["GET /api/tags"] == 2


async def test_show_model_is_fetched_once_per_digest(tmp_path: Path) -> None:
    state = EmulatorState.default()
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, _):
                results = []

                async def one() -> None:
                    results.append(await api.show_model("llama3.1:8b"))

                async with anyio.create_task_group() as tg:
                    for _ in range(5):
                        tg.start_soon(one)
                details = results[0]
                assert all(r == details for r in results)
                assert details.name == "llama3.1:8b"
                assert details.architecture == "llama"
                assert details.context_length == 131072
                assert details.capabilities == ("completion", "tools")
                assert all(not isinstance(v, list) for v in details.model_info.values())
                assert await api.show_model("LLAMA3.1:8B") == details
                assert state.requests["POST /api/show"] == 1
                with pytest.raises(ModelNotFound) as caught:
                    await api.show_model("lama3.1:8b")
                assert "llama3.1:8b" in caught.value.suggestions


async def test_list_loaded(tmp_path: Path) -> None:
    state = EmulatorState.default()
    state.load("llama3.1:8b", context_length=8192, size_vram=0)
    async with run_emulator(state) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with inventory(settings) as (_, api, _):
                loaded = await api.list_loaded()
                assert [(m.name, m.context_length, m.size_vram) for m in loaded] == [
                    ("llama3.1:8b", 8192, 0)
                ]
                assert loaded[0].host == emu.url
                assert not loaded[0].stale


async def test_through_open_runtime(tmp_path: Path) -> None:
    from ollm_actors.runtime import open_runtime

    async with run_emulator(EmulatorState.default()) as emu:
        settings = settings_for([emu.url], tmp_path, cache=tmp_path / "c")
        with anyio.fail_after(10):
            async with open_runtime(settings) as rt:
                assert len(await rt.models.list_models()) == 3
                assert (await rt.models.show_model("phi3:mini")).context_length == 4096
                assert (await rt.models.get_model_status("phi3:mini")).status == "available"
                limits = await rt.limits.lookup("phi3:mini")
                assert limits.source == "server"
