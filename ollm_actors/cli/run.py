"""Running a command's async body against a service or an in-process runtime, with the
CLI's error discipline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, TypeVar, cast

from ollm_actors.cli.state import CliState
from ollm_actors.errors import OllmError

if TYPE_CHECKING:
    from ollm_actors.config import Settings
    from ollm_actors.runtime import Runtime

T = TypeVar("T")


def run_async(state: CliState, body: Callable[[], Awaitable[T]]) -> T:
    """Run ``body`` on asyncio; an OllmError becomes one line and its exit code, Ctrl-C 130.

    The CLI runs on asyncio: trio is for embedding programs, and importing it would only
    slow the start.
    """
    import anyio

    from ollm_actors.cli.output import show_library_warnings

    show_library_warnings(verbose=state.verbose)
    # The result leaves through a box, not as the main task's result: asyncio's runner
    # formats the repr of its main task (result included) when it puts the SIGINT handler
    # back, and for `ollm list` over 16 hosts that repr of 4,800 models cost 15 ms.
    box: list[T] = []

    async def main() -> None:
        box.append(await _until_terminated(body))

    try:
        anyio.run(main, backend="asyncio")
        return box[0]
    except OllmError as exc:
        state.fail(exc)
    except KeyboardInterrupt:
        import sys

        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    except _Terminated:
        import sys

        sys.stderr.write("terminated\n")
        raise SystemExit(143) from None


class _Terminated(Exception):
    """SIGTERM arrived: the body was cancelled like on Ctrl-C (pulls withdrawn, terminal
    events shown, the cursor restored by the views' cleanup)."""


async def _until_terminated(body: Callable[[], Awaitable[T]]) -> T:
    """Run ``body``; SIGTERM cancels it the way Ctrl-C does, and the command exits 143."""
    import signal

    import anyio

    terminated = False
    result: list[T] = []

    async def watch(scope: anyio.CancelScope) -> None:
        nonlocal terminated
        with anyio.open_signal_receiver(signal.SIGTERM) as signals:
            async for _ in signals:
                terminated = True
                scope.cancel()
                return

    failure: BaseException | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(watch, tasks.cancel_scope)
        # The body's own exception is taken out of the group here, so that it reaches the
        # caller as itself rather than inside an ExceptionGroup.
        try:
            result.append(await body())
        except BaseException as exc:
            failure = exc
        finally:
            tasks.cancel_scope.cancel()
    if terminated and not result:
        raise _Terminated
    if failure is not None:
        raise failure
    return result[0]


def run_with_runtime(
    state: CliState,
    body: Callable[[Runtime], Awaitable[T]],
    *,
    actors: Collection[str] | None = None,
    service_only: str | None = None,
) -> T:
    """Load the settings (exit 2 when bad), then run ``body`` against a running service when
    one answers (``OLLM_SERVICE``, else the default socket; not with ``--no-service``), else
    against a runtime of this process (of ``actors`` only, when given: a read-only command
    needs neither downloads nor routing). ``-v`` says which on stderr.

    ``service_only`` is the reason a command needs a service: without one it ends with that
    usage error (exit 2) before anything runs. An ``OLLM_SERVICE`` that does not answer
    ends the command with ``ServiceUnavailable``.
    """
    settings = state.load_settings()

    async def main() -> T:
        target = await find_target(state, settings)
        if target is None and service_only is not None:
            from ollm_actors.errors import UsageError

            raise UsageError(service_only)
        if state.verbose:
            import sys

            line = f"using {service_name(target)}" if target else "in-process runtime"
            sys.stderr.write(line + "\n")
        state.service = target
        if target is not None:
            return await _through_service(target, settings, body)
        from ollm_actors.runtime import ACTORS, open_runtime

        async with open_runtime(settings, actors=ACTORS if actors is None else actors) as rt:
            return await body(rt)

    return run_async(state, main)


async def _through_service(
    target: str, settings: Settings, body: Callable[[Runtime], Awaitable[T]]
) -> T:
    """``body`` against the service at ``target``; its OllmError reaches the caller as
    itself, not inside the connection's task group's ExceptionGroup."""
    from ollm_actors.service import connect

    failure: OllmError | None = None
    async with connect(target, settings=settings) as remote:
        try:
            # A RemoteRuntime offers the Runtime API the bodies use (its settings are
            # these, the command's own: what it renders with).
            return await body(cast("Runtime", remote))
        except OllmError as exc:
            failure = exc
    raise failure


def service_name(target: str) -> str:
    """``the service at unix:/run/user/1000/ollm/ollm.sock`` (or at its URL)."""
    from ollm_actors.service import parse_target

    where = parse_target(target)
    return f"the service at {'unix:' + str(where.socket) if where.socket else where.url}"


async def find_target(state: CliState, settings: Settings) -> str | None:
    """The service to use, or None for an in-process runtime (always with ``--no-service``).

    Cheap when none runs: the discovery stats the default socket and imports no HTTP client
    unless something is there."""
    if state.no_service:
        return None
    import os
    import warnings

    from ollm_actors.service import find_service

    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (a container, a su shell) platformdirs warns, and falls
        # back to a directory of its own: a place to look for a service, not a problem to
        # print before every command's output.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        return find_service(os.environ, settings)
