"""Events across machines (ollm_actors.service.bridge): two runtimes on one Valkey see each
other's events once, tagged with their origin, never their own twice; hostile stream entries
are skipped; a store that stops answering holds this runtime's events until it is back; local
state starts no bridge. And the outbox's rules, without an event loop."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.event import Event
from ollm_actors.config.model import StateSettings
from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.runtime import Runtime, open_runtime
from ollm_actors.service.bridge import Bridge, open_bridge
from ollm_actors.service.outbox import Outbox
from ollm_actors.state.interface import Health, StateHealthChanged
from ollm_actors.state.local import LocalState
from ollm_actors.state.valkey import ValkeyState
from ollm_actors.testing import hermetic_settings, running_tasks
from ollm_actors.vocab.pull_events import PullEvent
from tests.state.conftest import ValkeyServer, free_port

anyio_mark = pytest.mark.anyio


@pytest.fixture
def namespace() -> str:
    return f"t{secrets.token_hex(6)}"


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with run_emulator(EmulatorState.empty()) as emu:
        yield emu


def pulled(model: str, event: str = "queued", **fields: Any) -> PullEvent:
    return PullEvent(event=event, model=model, host="http://127.0.0.1:11434", **fields)  # type: ignore[arg-type]


@asynccontextmanager
async def machine(
    url: str, tmp_path: Path, valkey: str | None, namespace: str, name: str
) -> AsyncIterator[Runtime]:
    """A runtime of its own (cache dir), on Valkey at ``valkey`` (None: local state)."""
    overrides: dict[str, object] = {}
    if valkey is not None:
        overrides = {"state.backend": "valkey", "state.url": valkey, "state.namespace": namespace}
    settings = hermetic_settings([url], tmp_path / name, overrides=overrides)
    async with open_runtime(settings, actors=("inventory",)) as rt:
        yield rt


async def until(events: AsyncIterator[Event], wanted: Callable[[Event], bool]) -> list[Event]:
    """Every event up to and including the first ``wanted`` one."""
    seen = []
    async for event in events:
        seen.append(event)
        if wanted(event):
            return seen
    raise AssertionError("the subscription ended")


def is_model(model: str) -> Callable[[Event], bool]:
    return lambda e: isinstance(e.payload, PullEvent) and e.payload.model == model


@anyio_mark
async def test_an_event_reaches_the_other_runtime_once_tagged_and_never_comes_back(
    valkey: ValkeyServer, emulator: RunningEmulator, tmp_path: Path, namespace: str
) -> None:
    with anyio.fail_after(20):
        async with (
            machine(emulator.url, tmp_path, valkey.url, namespace, "a") as a,
            machine(emulator.url, tmp_path, valkey.url, namespace, "b") as b,
            a.events.subscribe("pull.*") as on_a,
            b.events.subscribe("pull.*") as on_b,
        ):
            assert a.state.origin != b.state.origin
            a.events.publish("pull.queued", pulled("first:latest", pull_id=7))
            a.events.publish(
                "pull.progress", pulled("first:latest", "progress", completed=5, total=9),
                coalesce_key="pull:7",
            )
            a.events.publish("pull.queued", pulled("marker-a:latest"))
            seen_b = await until(on_b, is_model("marker-a:latest"))
            # B answers; A hears that, and nothing of its own came back before it.
            b.events.publish("pull.queued", pulled("marker-b:latest"))
            seen_a = await until(on_a, is_model("marker-b:latest"))
    assert [(e.topic, e.payload.model, e.origin) for e in seen_b] == [
        ("pull.queued", "first:latest", a.state.origin),
        ("pull.progress", "first:latest", a.state.origin),
        ("pull.queued", "marker-a:latest", a.state.origin),
    ]
    queued, progress, _ = seen_b
    assert queued.payload == pulled("first:latest", pull_id=7)  # the Struct, not a dict
    assert (queued.kind, queued.key) == ("state", None)
    # Coalesced per publisher: another machine's pull of the same key is another event.
    assert (progress.kind, progress.key) == ("progress", f"{a.state.origin}/pull:7")
    assert [(e.payload.model, e.origin) for e in seen_a] == [
        ("first:latest", None),
        ("first:latest", None),
        ("marker-a:latest", None),
        ("marker-b:latest", b.state.origin),
    ]


async def xadd(url: str, namespace: str, *entries: dict[str, bytes | str]) -> None:
    import coredis

    async with coredis.Redis.from_url(url) as client:
        for fields in entries:
            await client.xadd(f"{namespace}:events", fields)  # type: ignore[arg-type]


def line(topic: str, payload: Any, **event: Any) -> bytes:
    return msgspec.json.encode(Event(topic=topic, time=1.0, payload=payload, **event))


@anyio_mark
async def test_hostile_entries_are_skipped_and_the_bridge_goes_on(
    valkey: ValkeyServer, namespace: str
) -> None:
    good = line("pull.done", pulled("good:latest", "done"))
    deep = b'{"topic":"pull.done","time":1,"payload":' + b"[" * 1000 + b"]" * 1000 + b"}"
    hostile: list[dict[str, bytes | str]] = [
        {"topic": "pull.done", "origin": "rt-x", "data": b"\xff{ not json"},
        {"topic": "pull.done", "origin": "rt-x", "data": b"[1, 2]"},
        {"topic": "pull.done", "origin": "rt-x", "data": b'{"topic":"pull.done","time":"noon"}'},
        {"topic": "pull.done", "origin": "rt-x", "data": line("pull.done", {"model": 5})},
        {"topic": "pull.done", "origin": "rt-x", "data": line("pull.done", "a string")},
        {"topic": "pull.done", "origin": "rt-x", "data": line("pull.done", None, kind="often")},
        {"topic": "model.deleted", "origin": "rt-x", "data": good},  # topic mismatch
        {"topic": "pull.done", "origin": "rt-x", "data": good + b" " * 4096},  # huge
        {"topic": "pull.done", "data": good},  # no origin
        {"topic": "pull.done", "origin": "rt-" + "x" * 100, "data": good},
        {"topic": "pull.done", "origin": "rt-\x1b[2J", "data": good},
        {"topic": "pull.*", "origin": "rt-x", "data": line("pull.*", pulled("x"))},  # no topic
        {"topic": "state.degraded", "origin": "rt-x", "data": line("state.degraded", None)},
        {"topic": "pull.done", "origin": "rt-x", "data": deep},
        {"junk": "only"},
    ]
    bus = EventBus()
    settings = StateSettings(max_value_bytes=2048)
    with anyio.fail_after(20):
        async with (
            ValkeyState(valkey.url, namespace=namespace) as state,
            open_bridge(bus, state, settings) as bridge,
            bus.subscribe() as events,
        ):
            assert isinstance(bridge, Bridge)
            await xadd(valkey.url, namespace, *hostile)
            await xadd(  # after every hostile entry: the bridge went on
                valkey.url, namespace, {"topic": "pull.done", "origin": "rt-y", "data": good})
            (arrived,) = await until(events, is_model("good:latest"))
    assert arrived == msgspec.structs.replace(
        msgspec.json.decode(good, type=Event), payload=pulled("good:latest", "done"), origin="rt-y"
    )
    stats = bridge.statistics()
    assert (stats.skipped, stats.forwarded) == (len(hostile), 1)


@anyio_mark
async def test_a_foreign_value_where_the_stream_should_be_stops_nothing(
    valkey: ValkeyServer, namespace: str
) -> None:
    import coredis

    async with coredis.Redis.from_url(valkey.url) as client:
        await client.set(f"{namespace}:events", "not a stream")
    bus_a, bus_b = EventBus(), EventBus()
    with anyio.fail_after(20):
        async with (
            ValkeyState(valkey.url, namespace=namespace) as a,
            ValkeyState(valkey.url, namespace=namespace) as b,
            open_bridge(bus_a, a) as bridge_a,
            open_bridge(bus_b, b) as bridge_b,
            bus_b.subscribe("pull.*") as on_b,
        ):
            assert isinstance(bridge_a, Bridge) and isinstance(bridge_b, Bridge)
            bus_a.publish("pull.done", pulled("refused:latest", "done"))
            await bridge_a.flush()
            assert bridge_a.statistics().skipped == 1  # the write was refused: counted
            async with coredis.Redis.from_url(valkey.url) as client:
                await client.delete([f"{namespace}:events"])
            await bridge_b.wait_listening()  # B listens again, after its backoff
            bus_a.publish("pull.done", pulled("again:latest", "done"))
            (arrived,) = await until(on_b, is_model("again:latest"))
    assert arrived.origin == a.origin


@anyio_mark
async def test_a_full_outbox_counts_its_drops_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens: degraded from the start
    with anyio.fail_after(20):
        async with ValkeyState(down, connect_timeout=0.2, call_timeout=0.2) as state:
            bridge = Bridge(bus, state, bound=2)
            async with anyio.create_task_group() as tg:
                await tg.start(bridge.run)
                assert state.health == "degraded"
                for n in range(5):
                    bus.publish("pull.done", pulled(f"m{n}:latest", "done"))
                await anyio.wait_all_tasks_blocked()
                stats = bridge.statistics()
                assert (stats.pending, stats.dropped, stats.published) == (2, 3, 0)
                tg.cancel_scope.cancel()
    warned = [r for r in caplog.records if "events wait for the shared state" in r.message]
    assert len(warned) == 1


@anyio_mark
async def test_an_unencodable_payload_is_skipped_and_the_next_event_crosses(
    valkey: ValkeyServer, namespace: str
) -> None:
    bus_a, bus_b = EventBus(), EventBus()
    with anyio.fail_after(20):
        async with (
            ValkeyState(valkey.url, namespace=namespace) as a,
            ValkeyState(valkey.url, namespace=namespace) as b,
            open_bridge(bus_a, a) as bridge_a,
            open_bridge(bus_b, b),
            bus_b.subscribe("pull.*", "odd.*") as on_b,
        ):
            assert isinstance(bridge_a, Bridge)
            bus_a.publish("odd.thing", object())
            bus_a.publish("pull.done", pulled("next:latest", "done"))
            (arrived,) = await until(on_b, is_model("next:latest"))
    assert arrived.origin == a.origin
    assert bridge_a.statistics().skipped == 1


@anyio_mark
async def test_events_wait_while_the_store_is_down_and_cross_when_it_is_back(
    valkey_restartable: ValkeyServer, namespace: str
) -> None:
    server = valkey_restartable
    bus_a, bus_b = EventBus(), EventBus()

    def reporter(bus: EventBus) -> Callable[[Health, str], None]:
        def report(health: Health, reason: str) -> None:
            topic = "state.degraded" if health == "degraded" else "state.recovered"
            bus.publish(topic, StateHealthChanged(health=health, url="-", reason=reason))

        return report

    with anyio.fail_after(30):
        async with AsyncExitStack() as stack:
            a = await stack.enter_async_context(
                ValkeyState(server.url, namespace=namespace, on_health=reporter(bus_a))
            )
            b = await stack.enter_async_context(
                ValkeyState(server.url, namespace=namespace, on_health=reporter(bus_b))
            )
            bridge_a = await stack.enter_async_context(open_bridge(bus_a, a))
            await stack.enter_async_context(open_bridge(bus_b, b))
            health_a = await stack.enter_async_context(bus_a.subscribe("state.*"))
            on_b = await stack.enter_async_context(bus_b.subscribe("pull.*"))
            assert isinstance(bridge_a, Bridge)
            server.stop()
            # A's listening call fails first: A is degraded (bus callbacks never wait).
            await until(health_a, lambda e: e.topic == "state.degraded")
            bus_a.publish("pull.done", pulled("while-down:latest", "done"))
            await anyio.wait_all_tasks_blocked()
            assert bridge_a.statistics().pending == 1  # kept, not handed to a dead store
            server.start()
            (arrived,) = await until(on_b, is_model("while-down:latest"))
    assert arrived.origin == a.origin
    assert bridge_a.statistics().dropped == 0


@anyio_mark
async def test_closing_publishes_the_last_events_and_leaves_no_task(
    valkey: ValkeyServer, emulator: RunningEmulator, tmp_path: Path, namespace: str
) -> None:
    await anyio.wait_all_tasks_blocked()
    before = running_tasks()
    with anyio.fail_after(20):
        async with (
            machine(emulator.url, tmp_path, valkey.url, namespace, "b") as b,
            b.events.subscribe("pull.*") as on_b,
        ):
            async with machine(emulator.url, tmp_path, valkey.url, namespace, "a") as a:
                a.events.publish("pull.done", pulled("last:latest", "done"))
            (arrived,) = await until(on_b, is_model("last:latest"))
    assert arrived.origin == a.state.origin
    # The emulator's connection handlers end when they see the clients' close.
    await emulator.wait_idle()
    await anyio.wait_all_tasks_blocked()
    assert running_tasks() - before == set()


@anyio_mark
async def test_local_state_starts_no_bridge(
    valkey: ValkeyServer, emulator: RunningEmulator, tmp_path: Path, namespace: str
) -> None:
    async with open_bridge(EventBus(), LocalState()) as nothing:
        assert nothing is None
    with anyio.fail_after(20):
        async with machine(emulator.url, tmp_path, None, namespace, "local") as local:
            assert not local.state.shared
            assert local.events.statistics().callbacks == 0  # no bus callback: no bridge
        async with machine(emulator.url, tmp_path, valkey.url, namespace, "shared") as shared:
            assert shared.events.statistics().callbacks == 1  # the bridge's


# -- the outbox, without an event loop --------------------------------------------------------


def ev(topic: str, n: int, key: str | None = None) -> Event:
    return Event(
        topic=topic, time=float(n), payload=n, kind="state" if key is None else "progress", key=key
    )


def drain(box: Outbox) -> list[Event]:
    out = []
    while (event := box.take()) is not None:
        out.append(event)
    return out


def test_the_outbox_keeps_the_latest_progress_per_key_in_order() -> None:
    box = Outbox(10)
    for event in (ev("p", 1, "k"), ev("s", 2), ev("p", 3, "k"), ev("p", 4, "j")):
        assert not box.offer(event)
    assert [e.time for e in drain(box)] == [2, 3, 4]
    assert box.coalesced == 1 and len(box) == 0


def test_a_full_outbox_drops_progress_first_then_the_oldest_state_event() -> None:
    box = Outbox(2)
    assert not box.offer(ev("s", 1))
    assert not box.offer(ev("p", 2, "k"))
    assert not box.offer(ev("s", 3))  # the progress event made room
    assert box.offer(ev("s", 4))  # only state events: the oldest goes, and that is said
    assert [e.time for e in drain(box)] == [3, 4]
    assert (box.dropped, box.coalesced) == (1, 1)


def test_an_event_put_back_goes_first_unless_superseded() -> None:
    box = Outbox(10)
    box.offer(ev("s", 1))
    box.offer(ev("p", 2, "k"))
    first = box.take()
    assert first is not None
    box.put_back(first)
    stale = ev("p", 0, "k")
    assert not box.put_back(stale)  # a newer progress of "k" is pending
    assert [e.time for e in drain(box)] == [1, 2]


@given(
    st.lists(
        st.tuples(st.sampled_from(["offer", "take", "back"]), st.sampled_from([None, "a", "b"])),
        max_size=60,
    ),
    st.integers(1, 5),
)
def test_the_outbox_is_bounded_and_loses_no_state_event_uncounted(
    steps: list[tuple[str, str | None]], bound: int
) -> None:
    box, offered, in_hand = Outbox(bound), 0, []
    for n, (action, key) in enumerate(steps):
        if action == "offer":
            offered += key is None
            box.offer(ev("t", n, key))
        elif action == "take" and (event := box.take()) is not None:
            in_hand.append(event)
        elif action == "back" and in_hand:
            box.put_back(in_hand.pop())
        assert len(box) <= bound
    held = [e for e in drain(box) + in_hand if e.key is None]
    assert len(held) + box.dropped == offered


# -- what crosses: each published payload comes back as its Struct ---------------------------


def test_every_payload_family_decodes_into_its_struct_and_strict_refuses_misfits() -> None:
    from ollm_actors.inventory.types import HostOffline, InventoryChanged
    from ollm_actors.service.wire import event_from_line

    payloads = {
        "state.degraded": StateHealthChanged(health="degraded", url="redis://h", reason="x"),
        "host.offline": HostOffline(host="http://h:1", reason="refused", cached_models=2),
        "inventory.changed": InventoryChanged(host="http://h:1", added=("a",), removed=()),
        "pull.done": pulled("m:latest", "done"),
    }
    for topic, payload in payloads.items():
        assert event_from_line(line(topic, payload), strict=True).payload == payload
    misfit = line("host.offline", {"host": 5})
    assert event_from_line(misfit).payload == {"host": 5}  # a client shows what came
    with pytest.raises(msgspec.ValidationError):
        event_from_line(misfit, strict=True)  # the bridge refuses it
    with pytest.raises(msgspec.ValidationError):
        event_from_line(line("pull.done", [1]), strict=True)
    # A family no table names stays plain data, strict or not.
    assert event_from_line(line("limits.learned", {"model": "m"}), strict=True).payload == {
        "model": "m"
    }
