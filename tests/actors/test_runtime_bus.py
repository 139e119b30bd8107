"""The event bus: patterns, callbacks, async subscribers with coalescing and overflow."""

from __future__ import annotations

import anyio
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.actors import CALLBACK_FAILED, CallbackFailed, Event, EventBus, topic_matches
from ollm_actors.errors import SubscriberOverflow

pytestmark = pytest.mark.anyio


class Progress(msgspec.Struct, frozen=True):
    model: str
    completed: int


class Done(msgspec.Struct, frozen=True):
    model: str


def clock() -> float:
    return 1234.5


segment = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)
topics = st.lists(segment, min_size=1, max_size=4).map(".".join)


@given(topics)
def test_star_and_exact_patterns(topic: str) -> None:
    assert topic_matches("*", topic)
    assert topic_matches(topic, topic)
    assert not topic_matches(topic + "x", topic)


@given(segment, topics)
def test_prefix_patterns_match_their_subtopics_only(prefix: str, rest: str) -> None:
    assert topic_matches(f"{prefix}.*", f"{prefix}.{rest}")
    assert not topic_matches(f"{prefix}.*", f"{prefix}x{rest}")
    assert not topic_matches(f"{prefix}.*", prefix)


def test_patterns_are_literal_apart_from_star() -> None:
    assert topic_matches("pull.*", "pull.progress")
    assert topic_matches("*.done", "pull.done")
    assert not topic_matches("pull.?", "pull.x")
    assert not topic_matches("pul[l].done", "pull.done")


def test_events_encode_to_json_and_back() -> None:
    bus = EventBus(clock=clock)
    event = bus.publish("pull.progress", Progress("m", 5), coalesce_key="pull:m")
    data = msgspec.json.decode(msgspec.json.encode(event))
    assert data == {
        "topic": "pull.progress",
        "time": 1234.5,
        "payload": {"model": "m", "completed": 5},
        "kind": "progress",
        "key": "pull:m",
        "origin": None,
    }
    typed = msgspec.json.decode(msgspec.json.encode(event), type=Event)
    assert typed.topic == "pull.progress"


def test_callbacks_by_pattern_and_unsubscribe() -> None:
    bus = EventBus(clock=clock)
    seen: list[str] = []
    off = bus.on("pull.*", lambda e: seen.append(e.topic))
    bus.on("host.online", lambda e: seen.append("host:" + e.topic))
    bus.publish("pull.done", Done("m"))
    bus.publish("host.online", Done("h"))
    bus.publish("model.deleted", Done("m"))
    off()
    off()
    bus.publish("pull.done", Done("m"))
    assert seen == ["pull.done", "host:host.online"]
    assert bus.statistics().callbacks == 1


def test_a_raising_callback_is_reported_and_others_carry_on() -> None:
    bus = EventBus(clock=clock)
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise KeyError("bad")

    bus.on("pull.*", broken)
    bus.on("pull.*", seen.append)
    bus.on(CALLBACK_FAILED, seen.append)
    bus.on(CALLBACK_FAILED, broken)  # failing on the report must not loop
    bus.publish("pull.done", Done("m"))
    assert [e.topic for e in seen] == ["pull.done", CALLBACK_FAILED]
    report = seen[1].payload
    assert isinstance(report, CallbackFailed)
    assert report.topic == "pull.done"
    assert "broken" in report.callback
    assert "KeyError" in report.error


def test_async_callbacks_and_bad_topics_are_rejected() -> None:
    bus = EventBus()

    async def handler(event: Event) -> None:
        return None

    with pytest.raises(TypeError):
        bus.on("x", handler)
    with pytest.raises(ValueError):
        bus.publish("pull.*", Done("m"))
    with pytest.raises(ValueError):
        bus.on("", print)


async def test_subscriber_gets_matching_events_in_order_and_leaving_unsubscribes() -> None:
    bus = EventBus(clock=clock)
    async with bus.subscribe("pull.*", "host.offline") as events:
        assert bus.statistics().subscribers == 1
        bus.publish("pull.queued", Done("a"))
        bus.publish("model.deleted", Done("a"))
        bus.publish("host.offline", Done("h"))
        bus.publish("pull.done", Done("a"))
        got = []
        with anyio.fail_after(5):
            async for event in events:
                got.append(event.topic)
                if len(got) == 3:
                    break
    assert got == ["pull.queued", "host.offline", "pull.done"]
    assert bus.statistics().subscribers == 0
    bus.publish("pull.done", Done("a"))  # no one listens: fine
    with pytest.raises(StopAsyncIteration):
        await events.__anext__()


async def test_progress_is_coalesced_for_a_slow_subscriber_and_state_kept() -> None:
    bus = EventBus(clock=clock)
    async with bus.subscribe("pull.*", buffer=8) as events:
        bus.publish("pull.queued", Done("a"))
        for done in range(100):
            bus.publish("pull.progress", Progress("a", done), coalesce_key="a")
            bus.publish("pull.progress", Progress("b", done), coalesce_key="b")
            if done == 50:
                bus.publish("pull.retrying", Done("a"))
        bus.publish("pull.done", Done("a"))
        stats = events.statistics()
        assert stats.pending == 5
        assert stats.coalesced == 198
        got = []
        with anyio.fail_after(5):
            for _ in range(5):
                got.append(await events.__anext__())
    assert [(e.topic, e.payload) for e in got] == [
        ("pull.queued", Done("a")),
        ("pull.retrying", Done("a")),
        ("pull.progress", Progress("a", 99)),
        ("pull.progress", Progress("b", 99)),
        ("pull.done", Done("a")),
    ]


async def test_a_full_buffer_drops_the_oldest_progress_before_any_state() -> None:
    bus = EventBus(clock=clock)
    async with bus.subscribe(buffer=3) as events:
        bus.publish("p", Progress("a", 1), coalesce_key="a")
        bus.publish("p", Progress("b", 1), coalesce_key="b")
        bus.publish("s", Done("1"))
        bus.publish("s", Done("2"))  # evicts progress a
        bus.publish("p", Progress("c", 1), coalesce_key="c")  # evicts progress b
        bus.publish("s", Done("3"))  # evicts progress c
        bus.publish("p", Progress("d", 1), coalesce_key="d")  # only state pending: dropped
        assert events.statistics().dropped == 4
        got = [(await events.__anext__()).payload for _ in range(3)]
    assert got == [Done("1"), Done("2"), Done("3")]


async def test_overflowing_subscriber_is_closed_and_others_carry_on() -> None:
    bus = EventBus(clock=clock)
    async with bus.subscribe("host.*", buffer=4) as slow, bus.subscribe("host.*") as fast:
        for n in range(10):
            bus.publish("host.online", Done(str(n)))
        assert bus.statistics().subscribers == 1
        with pytest.raises(SubscriberOverflow) as info:
            await slow.__anext__()
        assert info.value.buffer == 4
        assert info.value.topics == ("host.*",)
        got = [(await fast.__anext__()).payload for _ in range(10)]
        assert got == [Done(str(n)) for n in range(10)]


async def test_a_waiting_subscriber_wakes_on_publish_and_wait_for_filters() -> None:
    bus = EventBus(clock=clock)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            found: list[Event] = []

            async def wait() -> None:
                found.append(
                    await bus.wait_for("pull.*", lambda e: e.payload == Done("b"))
                )

            tg.start_soon(wait)
            await anyio.wait_all_tasks_blocked()
            bus.publish("pull.done", Done("a"))
            bus.publish("host.online", Done("b"))
            bus.publish("pull.done", Done("b"))
    assert [(e.topic, e.payload) for e in found] == [("pull.done", Done("b"))]
    assert bus.statistics().subscribers == 0


def test_runtime_exports_exist() -> None:
    import ollm_actors.actors as runtime

    assert isinstance(runtime.__all__, tuple)
    for name in runtime.__all__:
        assert getattr(runtime, name) is not None, name
