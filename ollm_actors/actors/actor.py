"""The actor base class: typed dispatch by message type, deferred replies, owned child tasks.

An actor subclass marks its handlers with :func:`handler`; the message type comes from the
annotation of the handler's message parameter (a union registers each member), or is given
explicitly as ``@handler(Ping, Pong)``. The dispatch table is built once per class, on first
use, and looks subclasses of a registered message type up through their MRO::

    class Counter(Actor[CounterMsg]):
        async def on_start(self) -> None:
            self._count = 0

        @handler
        async def _add(self, msg: Add) -> None:
            self._count += msg.n

        @handler
        async def _get(self, msg: GetCount) -> int:
            return self._count          # answers the ask

A handler's return value answers an ask of that message. Raising an ``OllmError`` answers the
ask with that error and the actor carries on; any other exception is a bug: the asker gets
``ActorCrashed`` and the supervisor restarts the actor with a fresh instance.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, Generic, TypeVar, TypeVarTuple, Unpack, overload

import msgspec
from anyio.abc import TaskGroup

from ollm_actors.actors.cell import ActorCell
from ollm_actors.actors.messages import Envelope, Request
from ollm_actors.actors.ref import ActorRef
from ollm_actors.actors.reply import Reply

__all__ = ("Actor", "handler")

M = TypeVar("M", bound=msgspec.Struct)
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
PosArgs = TypeVarTuple("PosArgs")

HandlerFn = Callable[[Any, Any], Awaitable[Any]]

_MARK = "_ollm_handles"


@overload
def handler(fn: F, /) -> F: ...
@overload
def handler(*message_types: type[msgspec.Struct]) -> Callable[[F], F]: ...
def handler(*args: Any) -> Any:
    """Mark an ``async def`` method of an :class:`Actor` as the handler of a message type.

    Bare, the type is read from the annotation of the method's message parameter; with
    arguments, those types are used. Raises TypeError for a non-async function.
    """

    def mark(fn: Any, message_types: tuple[type[msgspec.Struct], ...]) -> Any:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"handler {fn.__qualname__} must be an async def")
        vars(fn)[_MARK] = message_types
        return fn

    if len(args) == 1 and inspect.isfunction(args[0]):
        return mark(args[0], ())
    explicit = tuple(args)
    for item in explicit:
        if not (isinstance(item, type) and issubclass(item, msgspec.Struct)):
            raise TypeError(f"handler types must be msgspec.Struct subclasses, got {item!r}")
    return lambda fn: mark(fn, explicit)


def _annotated_types(cls: type, name: str, fn: Callable[..., Any]) -> tuple[type, ...]:
    params = list(inspect.signature(fn).parameters)
    if len(params) != 2:
        raise TypeError(f"handler {cls.__name__}.{name} must take (self, msg)")
    hints = typing.get_type_hints(fn)
    annotation = hints.get(params[1])
    if annotation is None:
        raise TypeError(f"handler {cls.__name__}.{name}: annotate the message parameter")
    origin = typing.get_origin(annotation)
    members = (
        typing.get_args(annotation)
        if origin is typing.Union or origin is types.UnionType
        else (annotation,)
    )
    found: list[type] = []
    for member in members:
        plain = typing.get_origin(member) or member
        if not (isinstance(plain, type) and issubclass(plain, msgspec.Struct)):
            raise TypeError(
                f"handler {cls.__name__}.{name}: {member!r} is not a msgspec.Struct type"
            )
        found.append(plain)
    return tuple(found)


def _build_table(cls: type) -> dict[type, HandlerFn | None]:
    table: dict[type, HandlerFn | None] = {}
    seen: set[str] = set()
    # Most derived first, so an override by name wins and hides the base's registration.
    for klass in cls.__mro__:
        for name, fn in vars(klass).items():
            if name in seen or not callable(fn):
                continue
            marked = vars(fn).get(_MARK) if hasattr(fn, "__dict__") else None
            if marked is None:
                continue
            seen.add(name)
            message_types = marked or _annotated_types(cls, name, fn)
            for message_type in message_types:
                table.setdefault(message_type, fn)
    return table


class Actor(Generic[M]):
    """Base of every actor. State lives in the instance and is touched only by its handlers.

    Life cycle, per incarnation (a fresh instance from the factory on every restart):
    :meth:`on_start` (build state from the actor's own sources), then messages one at a time,
    then :meth:`on_stop` (shielded, bounded). Child tasks started with :meth:`start_soon` or
    :meth:`start_task` run in the actor's own task group and are cancelled when it stops or
    restarts; they report back by telling :attr:`ref` a message, so state changes stay in
    handlers.
    """

    _ollm_table: ClassVar[dict[type, HandlerFn | None] | None] = None
    _ollm_crash: Exception | None = None

    _ollm_cell: ActorCell
    _ollm_task_group: TaskGroup
    _ollm_outstanding: set[Reply[object]]
    _ollm_current: Envelope | None
    _ollm_clock: Callable[[], float]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._ollm_table = None

    @classmethod
    def _ollm_lookup(cls, message_type: type) -> HandlerFn | None:
        table = cls._ollm_table
        if table is None:
            table = cls._ollm_table = _build_table(cls)
        try:
            return table[message_type]
        except KeyError:
            pass
        found: HandlerFn | None = None
        for base in message_type.__mro__[1:]:
            found = table.get(base)
            if found is not None:
                break
        table[message_type] = found
        return found

    def _ollm_bind(
        self,
        cell: ActorCell,
        task_group: TaskGroup,
        outstanding: set[Reply[object]],
        clock: Callable[[], float],
    ) -> None:
        self._ollm_cell = cell
        self._ollm_task_group = task_group
        self._ollm_outstanding = outstanding
        self._ollm_current = None
        self._ollm_clock = clock

    @property
    def name(self) -> str:
        """The name the actor was spawned with."""
        return self._ollm_cell.name

    @property
    def ref(self) -> ActorRef[M]:
        """A ref to this actor, for child tasks to report back with ``tell``."""
        return ActorRef(self._ollm_cell)

    def now(self) -> float:
        """The runtime's clock (injected; ``anyio.current_time`` by default)."""
        return self._ollm_clock()

    async def on_start(self) -> None:
        """Build the actor's state. Runs before the first message of each incarnation.

        Raising here counts as a crash (the supervisor restarts the actor).
        """

    async def on_stop(self) -> None:
        """Release what the actor holds. Runs shielded, with the system's stop timeout.

        Child tasks are already cancelled, and every unanswered ask of this incarnation has
        been failed with ``ActorUnavailable``, when it runs; :attr:`crash` tells a restart
        from a stop. Exceptions are logged and ignored.
        """

    @property
    def crash(self) -> Exception | None:
        """The bug that ended this incarnation (read it in :meth:`on_stop`); None otherwise."""
        return self._ollm_crash

    def start_soon(
        self,
        fn: Callable[[Unpack[PosArgs]], Coroutine[Any, Any, object]],
        *args: *PosArgs,
        name: str | None = None,
    ) -> None:
        """Start a child task in the actor's task group. Never waits.

        The task is cancelled when the actor stops or restarts; an exception escaping it
        crashes the actor, so child tasks report expected failures by telling a message.
        """
        self._ollm_task_group.start_soon(fn, *args, name=name)

    async def start_task(
        self,
        fn: Callable[..., Coroutine[Any, Any, object]],
        *args: object,
        name: str | None = None,
    ) -> Any:
        """Start a child task and wait until it calls ``task_status.started(value)``.

        Returns that value; same ownership rules as :meth:`start_soon`.
        """
        return await self._ollm_task_group.start(fn, *args, name=name)

    def defer(self, msg: Request[R]) -> Reply[R]:
        """Take the reply handle of ``msg``, the message being handled, to answer it later.

        The handler's return value is then ignored; answer with ``reply.send(value)`` or
        ``reply.fail(error)``. Unanswered when the actor stops or restarts, the reply is
        failed with ``ActorUnavailable``. For a told message the handle discards answers.
        Raises RuntimeError if ``msg`` is not the message being handled.
        """
        current = self._ollm_current
        if current is None or current.message is not msg:
            raise RuntimeError("defer() takes the message of the handler that is running")
        reply = current.reply
        if reply is None:
            return Reply(None)
        reply._take(self._ollm_outstanding)
        return reply


