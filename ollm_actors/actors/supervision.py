"""Supervision: ``ActorSystem`` spawns actors, restarts crashed ones, stops them in order.

Ideas from tractor and Erlang/OTP, on anyio structured concurrency: every actor runs in the
system's task group under its own cancel scope; a crash (an unexpected exception) restarts the
actor from its factory after a capped exponential backoff; more than ``max_restarts`` crashes
of one cause within ``within`` seconds make the whole system fail loudly with ``ActorCrashed``.

Restart limits are per cause (``crash_cause``): the exception's type, and the host it names when
it carries one. A crash that names a host was provoked by what that host sent, not by a bug of
ours, so it never exhausts the system: past its limit the actor keeps restarting at the slowest
backoff (and says so in the log), while other causes keep their own, untouched budgets. A host
sending garbage therefore cannot tear down a runtime that other hosts still serve.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio
import msgspec
from anyio.abc import TaskGroup, TaskStatus

from ollm_actors.actors.actor import Actor
from ollm_actors.actors.cell import ActorCell, ActorStatistics
from ollm_actors.actors.dispatch import serve
from ollm_actors.actors.ref import ActorRef
from ollm_actors.actors.reply import Reply
from ollm_actors.errors import ActorCrashed, ActorUnavailable
from ollm_actors.vocab.backoff import backoff_delay

__all__ = ("ActorSystem", "RestartPolicy", "crash_cause", "crashes_exceed")

logger = logging.getLogger("ollm_actors.actors")

M = TypeVar("M", bound=msgspec.Struct)


class RestartPolicy(msgspec.Struct, frozen=True):
    """How often a crashing actor is restarted, and how long to wait before each restart."""

    max_restarts: int = 3
    within: float = 60.0
    backoff_initial: float = 0.05
    backoff_max: float = 2.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0 or self.within <= 0:
            raise ValueError("max_restarts must be >= 0 and within > 0")
        if self.backoff_initial < 0 or self.backoff_max < self.backoff_initial:
            raise ValueError("need 0 <= backoff_initial <= backoff_max")

    def backoff(self, crashes: int) -> float:
        """Seconds to wait before restarting after the ``crashes``-th recent crash (>= 1)."""
        return backoff_delay(crashes, self.backoff_initial, self.backoff_max)


def crashes_exceed(crash_times: deque[float], now: float, policy: RestartPolicy) -> bool:
    """Record a crash at ``now``; True if the crashes within the window exceed the policy.

    Forgets crashes older than ``policy.within`` (mutates ``crash_times``).
    """
    crash_times.append(now)
    while crash_times and crash_times[0] < now - policy.within:
        crash_times.popleft()
    return len(crash_times) > policy.max_restarts


def _named_host(exc: BaseException) -> str | None:
    """The host an exception (or one it was raised from) names, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        host = getattr(current, "host", None)
        if isinstance(host, str) and host:
            return host
        current = current.__cause__ or current.__context__
    return None


def crash_cause(bug: BaseException) -> tuple[str, str | None]:
    """What a crash is counted against: the exception's type and the host it names (or None)."""
    return f"{type(bug).__module__}.{type(bug).__qualname__}", _named_host(bug)


def _brief(bug: BaseException, limit: int = 160) -> str:
    """``Type: message``, cut short: a hostile peer can put megabytes into an exception."""
    text = f"{type(bug).__name__}: {bug}" if str(bug) else type(bug).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _the_bug(exc: BaseException) -> Exception | None:
    """The first non-cancellation exception inside ``exc`` (which may be a group)."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _the_bug(inner)
            if found is not None:
                return found
        return None
    if isinstance(exc, Exception) and not isinstance(exc, anyio.get_cancelled_exc_class()):
        return exc
    return None


class ActorSystem:
    """An async context manager owning the task group every actor runs in.

    On exit the actors stop in reverse spawn order: each is cancelled (its child tasks too),
    its ``on_stop`` runs shielded within ``stop_timeout`` seconds, and every ask in flight,
    queued or deferred is answered with ``ActorUnavailable("... shutting down")``. If an actor
    crashed beyond its restart policy, the system cancels everything and ``ActorCrashed``
    (the last crash chained as ``__cause__``) is raised out of the ``async with``. A single
    error is raised as itself, not wrapped in an exception group.

    ``clock`` measures the restart window (default ``anyio.current_time``).
    """

    def __init__(
        self, *, clock: Callable[[], float] | None = None, stop_timeout: float = 5.0
    ) -> None:
        self._clock: Callable[[], float] = clock if clock is not None else anyio.current_time
        self._stop_timeout = stop_timeout
        self._task_group: TaskGroup | None = None
        self._cells: dict[str, ActorCell] = {}
        self._closing = False

    async def __aenter__(self) -> Self:
        if self._task_group is not None:
            raise RuntimeError("an ActorSystem can be entered only once")
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._task_group is not None
        self._closing = True
        # Shielded so an outer cancellation still stops actors one by one, in order; each
        # stop is itself bounded by the actor's shielded, time-limited on_stop.
        with anyio.CancelScope(shield=True):
            for cell in reversed(list(self._cells.values())):
                cell.scope.cancel()
                await cell.stopped.wait()
        try:
            return await self._task_group.__aexit__(exc_type, exc, tb)
        except BaseExceptionGroup as group:
            # One failure (an actor beyond its restart limit, or the body's own error) is
            # raised as itself, so callers can catch ActorCrashed or their own exception.
            if len(group.exceptions) == 1 and isinstance(group.exceptions[0], Exception):
                only = group.exceptions[0]
                raise only from only.__cause__
            raise

    def statistics(self) -> tuple[ActorStatistics, ...]:
        """Statistics of every spawned actor, in spawn order. Never waits."""
        return tuple(cell.statistics() for cell in self._cells.values())

    def get(self, name: str) -> ActorRef[Any]:
        """The ref of the actor spawned as ``name``; KeyError if there is none."""
        return ActorRef(self._cells[name])

    async def spawn(
        self,
        factory: Callable[[], Actor[M]],
        *,
        name: str,
        restart: RestartPolicy | None = None,
        inbox_size: int = 64,
    ) -> ActorRef[M]:
        """Start an actor and return its ref once its inbox exists and ``on_start`` ran.

        ``factory`` builds a fresh actor for the first start and for each restart. The inbox
        (and so the ref and any queued message) survives restarts. Raises ValueError for a
        duplicate name, RuntimeError outside the ``async with``, ``ActorCrashed`` if the actor
        cannot start within its restart policy, ``ActorUnavailable`` if the system closes
        while the actor is starting.
        """
        task_group = self._task_group
        if task_group is None or self._closing:
            raise RuntimeError("spawn() needs a running ActorSystem (inside its async with)")
        if name in self._cells:
            raise ValueError(f"an actor named {name!r} already exists")
        policy = restart if restart is not None else RestartPolicy()
        cell = ActorCell(name, inbox_size)
        self._cells[name] = cell
        try:
            await task_group.start(self._supervise, cell, factory, policy, name=f"actor:{name}")
        except RuntimeError:
            # anyio's "child exited without calling task_status.started()": the actor was
            # stopped (the system is closing) while it was starting.
            if cell.state not in ("stopped", "failed"):
                cell.close("stopped", "stopped before it started")
            raise cell.unavailable() from None
        except BaseException:
            if cell.state not in ("stopped", "failed"):
                cell.close("stopped", "stopped before it started")
            raise
        return ActorRef(cell)

    async def stop(self, ref: ActorRef[Any]) -> None:
        """Stop one actor and wait until it has stopped (children cancelled, on_stop done).

        Asks in flight or queued are answered with ``ActorUnavailable``; later asks fail at
        once. Stopping a stopped actor does nothing.
        """
        cell = self._cells[ref.name]
        cell.scope.cancel()
        with anyio.CancelScope(shield=True):
            await cell.stopped.wait()

    async def _supervise(
        self,
        cell: ActorCell,
        factory: Callable[[], Actor[Any]],
        policy: RestartPolicy,
        *,
        task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        crash_times: dict[tuple[str, str | None], deque[float]] = {}
        pending_status: TaskStatus[None] | None = task_status
        failure: ActorCrashed | None = None

        def running() -> None:
            nonlocal pending_status
            cell.state = "running"
            if pending_status is not None:
                pending_status.started()
                pending_status = None

        try:
            with cell.scope:
                while True:
                    bug = await self._incarnate(cell, factory, running)
                    logger.warning("actor %r crashed: %r", cell.name, bug, exc_info=bug)
                    kind, host = cause = crash_cause(bug)
                    times = crash_times.setdefault(cause, deque())
                    # Always record the crash (crashes_exceed appends), whatever its host.
                    if crashes_exceed(times, self._clock(), policy) and host is None:
                        failure = ActorCrashed(cell.name, bug, crashes=len(times))
                        break
                    if host is not None and len(times) == policy.max_restarts + 1:
                        logger.error(
                            "actor %r: %d crashes caused by %s from host %s within %gs; "
                            "restarting at the slowest pace, other hosts are unaffected",
                            cell.name, len(times), kind, host, policy.within,
                        )
                    cell.state = "restarting"
                    cell.restarts += 1
                    await anyio.sleep(policy.backoff(len(times)))
        finally:
            if failure is not None:
                cell.close("failed", f"failed: {failure.reason}")
            else:
                cell.close("stopped", "shutting down")
        if failure is not None:
            raise failure

    async def _incarnate(
        self,
        cell: ActorCell,
        factory: Callable[[], Actor[Any]],
        running: Callable[[], None],
    ) -> Exception:
        """Run one instance of the actor until it crashes (returns the bug) or is cancelled."""
        try:
            actor = factory()
        except Exception as bug:
            return bug
        outstanding: set[Reply[object]] = set()
        reason = "shutting down"
        crash: Exception | None = None
        try:
            async with anyio.create_task_group() as task_group:
                actor._ollm_bind(cell, task_group, outstanding, self._clock)
                await actor.on_start()
                running()
                await serve(actor, cell)
        except BaseException as exc:
            crash = _the_bug(exc)
            if crash is None:
                raise
            reason = f"restarting after a crash ({_brief(crash)})"
            actor._ollm_crash = crash
            return crash
        finally:
            # Failed before on_stop, which may take up to the stop timeout: no asker waits on
            # state that died. The crash travels as the cause, for callers that log it.
            error = ActorUnavailable(cell.name, reason)
            error.__cause__ = crash
            current = cell.current
            cell.current = None
            if current is not None and current.reply is not None:
                current.reply.fail(error)
            for reply in list(outstanding):
                reply.fail(error)
            with anyio.move_on_after(self._stop_timeout, shield=True):
                try:
                    await actor.on_stop()
                except Exception:
                    logger.warning("actor %r: on_stop failed", cell.name, exc_info=True)
        raise AssertionError("unreachable: serve() returns only by raising")
