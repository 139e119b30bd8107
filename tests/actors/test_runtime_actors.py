"""The actor base and supervision, under asyncio and trio."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import anyio
import msgspec
import pytest

from ollm_actors.actors import (
    Actor,
    ActorCrashed,
    ActorSystem,
    InboxFull,
    Reply,
    Request,
    RestartPolicy,
    UnhandledMessage,
    handler,
)
from ollm_actors.actors.supervision import crashes_exceed
from ollm_actors.errors import ActorUnavailable, AskTimeout, ModelNotFound

pytestmark = pytest.mark.anyio

FAST = RestartPolicy(max_restarts=3, within=60.0, backoff_initial=0.0, backoff_max=0.0)


class Add(msgspec.Struct, frozen=True, tag=True):
    n: int


class Record(msgspec.Struct, frozen=True, tag=True):
    sender: int
    seq: int


class Get(Request[int], frozen=True):
    pass


class GetRecords(Request[list[tuple[int, int]]], frozen=True):
    pass


class Lookup(Request[str], frozen=True):
    name: str


class Boom(Request[None], frozen=True):
    pass


class Hold(Request[None], frozen=True):
    """Handled by waiting until the actor stops: keeps one ask in flight."""


class Never(Request[None], frozen=True):
    """Deferred and never answered by the actor."""


class Unknown(Request[None], frozen=True):
    pass


class Source:
    """The actor's own source of truth (a stand-in for files or servers)."""

    def __init__(self, base: int = 100) -> None:
        self.base = base
        self.starts = 0
        self.stops = 0
        self.holding = anyio.Event()


class Counter(Actor[Add | Record | Get | GetRecords | Lookup | Boom | Hold | Never]):
    def __init__(self, source: Source) -> None:
        self._source = source

    async def on_start(self) -> None:
        self._source.starts += 1
        self._count = self._source.base
        self._records: list[tuple[int, int]] = []

    async def on_stop(self) -> None:
        self._source.stops += 1

    @handler
    async def _add(self, msg: Add) -> None:
        self._count += msg.n

    @handler
    async def _record(self, msg: Record) -> None:
        self._records.append((msg.sender, msg.seq))

    @handler
    async def _get(self, msg: Get) -> int:
        return self._count

    @handler
    async def _get_records(self, msg: GetRecords) -> list[tuple[int, int]]:
        return list(self._records)

    @handler
    async def _lookup(self, msg: Lookup) -> str:
        if msg.name != "known":
            raise ModelNotFound(msg.name, "http://127.0.0.1:1", ["known"])
        return "found"

    @handler
    async def _boom(self, msg: Boom) -> None:
        raise ValueError("a bug")

    @handler
    async def _hold(self, msg: Hold) -> None:
        self._source.holding.set()
        await anyio.sleep_forever()

    @handler(Never)
    async def _never(self, msg: Never) -> None:
        self.defer(msg)


def counter(source: Source) -> Callable[[], Counter]:
    return lambda: Counter(source)


async def test_ask_returns_the_handlers_answer_after_earlier_tells() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(counter(Source()), name="counter")
        for n in (1, 2, 3):
            await ref.tell(Add(n))
        ref.tell_nowait(Add(4))
        assert await ref.ask(Get()) == 110
        assert await ref.ask(Lookup("known")) == "found"
        stats = ref.statistics()
        assert (stats.name, stats.state, stats.handled, stats.restarts) == (
            "counter", "running", 6, 0
        )


async def test_messages_from_each_sender_keep_their_order() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(counter(Source()), name="counter", inbox_size=2)
        async with anyio.create_task_group() as senders:
            for sender in range(4):

                async def send_all(sender: int = sender) -> None:
                    for seq in range(50):
                        await ref.tell(Record(sender, seq))

                senders.start_soon(send_all)
        records = await ref.ask(GetRecords())
    assert len(records) == 200
    for sender in range(4):
        assert [seq for s, seq in records if s == sender] == list(range(50))


async def test_ask_timeout_raises_ask_timeout_and_actor_carries_on() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(counter(Source()), name="counter")
        with anyio.fail_after(5):
            with pytest.raises(AskTimeout) as info:
                await ref.ask(Never(), timeout=0.01)
            assert (info.value.actor, info.value.message_type) == ("counter", "Never")
            assert await ref.ask(Get()) == 100


async def test_ollm_error_reaches_the_asker_as_is_and_actor_carries_on() -> None:
    source = Source()
    async with ActorSystem() as system:
        ref = await system.spawn(counter(source), name="counter")
        with pytest.raises(ModelNotFound) as info:
            await ref.ask(Lookup("lama3"))
        assert info.value.model == "lama3"
        assert info.value.suggestions == ("known",)
        assert await ref.ask(Get()) == 100
        assert ref.statistics().restarts == 0
        assert source.starts == 1


async def test_unhandled_message_is_an_error_for_the_asker() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(counter(Source()), name="counter")
        with pytest.raises(UnhandledMessage):
            await ref.ask(Unknown())
        assert await ref.ask(Get()) == 100


async def test_crash_restarts_with_state_rebuilt_and_queued_tells_kept() -> None:
    source = Source()
    async with ActorSystem() as system:
        ref = await system.spawn(counter(source), name="counter", restart=FAST)
        await ref.tell(Add(5))
        source.base = 200  # what the actor's own source says after the crash
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                failed: list[BaseException] = []

                async def ask_boom() -> None:
                    try:
                        await ref.ask(Boom())
                    except ActorCrashed as exc:
                        failed.append(exc)

                tg.start_soon(ask_boom)
                await anyio.wait_all_tasks_blocked()
                # queued behind the crashing message: must reach the next incarnation
                await ref.tell(Add(1))
            assert await ref.ask(Get()) == 201
        [crash] = failed
        assert isinstance(crash, ActorCrashed)
        assert crash.actor == "counter"
        assert isinstance(crash.__cause__, ValueError)
        assert ref.statistics().restarts == 1
        assert source.starts == 2
        assert source.stops == 1


async def test_restart_limit_makes_the_system_fail_loudly() -> None:
    policy = RestartPolicy(max_restarts=2, within=60.0, backoff_initial=0.0, backoff_max=0.0)
    with anyio.fail_after(5), pytest.raises(ActorCrashed) as info:
        async with ActorSystem(clock=lambda: 0.0) as system:
            ref = await system.spawn(counter(Source()), name="counter", restart=policy)
            for _ in range(3):
                await ref.tell(Boom())
            await anyio.sleep_forever()
    assert info.value.actor == "counter"
    assert info.value.crashes == 3
    assert isinstance(info.value.__cause__, ValueError)
    assert ref.statistics().state == "failed"
    with pytest.raises(ActorUnavailable):
        await ref.ask(Get())


def test_restart_window_forgets_old_crashes() -> None:
    policy = RestartPolicy(max_restarts=2, within=10.0)
    times: deque[float] = deque()
    assert not crashes_exceed(times, 0.0, policy)
    assert not crashes_exceed(times, 5.0, policy)
    assert not crashes_exceed(times, 11.0, policy)  # the crash at 0 left the window
    assert crashes_exceed(times, 12.0, policy)
    assert policy.backoff(1) == 0.05
    assert RestartPolicy(backoff_initial=1.0, backoff_max=3.0).backoff(5) == 3.0


async def test_shutdown_answers_in_flight_queued_and_deferred_asks() -> None:
    source = Source()
    outcomes: list[BaseException] = []

    async def ask(ref_ask: Callable[[], object]) -> None:
        try:
            await ref_ask()  # type: ignore[misc]
        except ActorUnavailable as exc:
            outcomes.append(exc)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as askers, ActorSystem() as system:
            ref = await system.spawn(counter(source), name="counter")
            askers.start_soon(ask, lambda: ref.ask(Never()))
            await anyio.wait_all_tasks_blocked()
            askers.start_soon(ask, lambda: ref.ask(Hold()))
            await source.holding.wait()
            for _ in range(3):
                askers.start_soon(ask, lambda: ref.ask(Get()))
            await anyio.wait_all_tasks_blocked()
            assert ref.statistics().queued == 3
    assert len(outcomes) == 5
    assert all("shutting down" in str(exc) for exc in outcomes)
    assert source.stops == 1
    assert ref.statistics().state == "stopped"


async def test_ask_or_tell_to_a_stopped_actor_fails_at_once() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(counter(Source()), name="counter")
        await system.stop(ref)
        assert ref.statistics().state == "stopped"
        with anyio.fail_after(1):
            with pytest.raises(ActorUnavailable):
                await ref.ask(Get())
            with pytest.raises(ActorUnavailable):
                await ref.tell(Add(1))
            with pytest.raises(ActorUnavailable):
                ref.tell_nowait(Add(1))
        await system.stop(ref)  # stopping twice does nothing
    with pytest.raises(ActorUnavailable):
        await ref.ask(Get())


async def test_tell_nowait_raises_inbox_full() -> None:
    source = Source()
    async with ActorSystem() as system:
        ref = await system.spawn(counter(source), name="counter", inbox_size=2)
        await ref.tell(Hold())
        await source.holding.wait()
        ref.tell_nowait(Add(1))
        ref.tell_nowait(Add(1))
        with pytest.raises(InboxFull) as info:
            ref.tell_nowait(Add(1))
        assert info.value.size == 2
        assert ref.statistics().queued == 2


async def test_spawn_rejects_duplicate_names_and_spawn_outside_the_system() -> None:
    system = ActorSystem()
    with pytest.raises(RuntimeError):
        await system.spawn(counter(Source()), name="a")
    async with system:
        await system.spawn(counter(Source()), name="a")
        with pytest.raises(ValueError):
            await system.spawn(counter(Source()), name="a")
        assert [s.name for s in system.statistics()] == ["a"]
        assert system.get("a").name == "a"


class Order(Actor[Get]):
    """Writes its name to a shared log when it stops."""

    def __init__(self, log: list[str], tag: str) -> None:
        self._log = log
        self._tag = tag

    async def on_stop(self) -> None:
        self._log.append(self._tag)

    @handler
    async def _get(self, msg: Get) -> int:
        return 0


async def test_actors_stop_in_reverse_spawn_order() -> None:
    log: list[str] = []
    async with ActorSystem() as system:
        for tag in ("first", "second", "third"):
            await system.spawn(lambda tag=tag: Order(log, tag), name=tag)
    assert log == ["third", "second", "first"]


def test_handler_rejects_plain_functions_and_non_struct_types() -> None:
    with pytest.raises(TypeError):

        @handler
        def sync(self: object, msg: Get) -> None:  # type: ignore[type-var]
            return None

    with pytest.raises(TypeError):
        handler(int)  # type: ignore[arg-type]


async def test_reply_answers_once_and_told_replies_discard_answers() -> None:
    reply: Reply[int] = Reply(anyio.Event())
    assert reply.send(1)
    assert not reply.fail(ValueError("late"))
    assert await reply.wait() == 1
    detached: Reply[int] = Reply(None)
    assert not detached.expects_answer
    assert detached.send(2)
