"""Running a command's async body against a runtime, with the CLI's error discipline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, TypeVar

from ollm_actors.cli.state import CliState
from ollm_actors.errors import OllmError

if TYPE_CHECKING:
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
    try:
        return anyio.run(body, backend="asyncio")
    except OllmError as exc:
        state.fail(exc)
    except KeyboardInterrupt:
        import sys

        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None


def run_with_runtime(
    state: CliState,
    body: Callable[[Runtime], Awaitable[T]],
    *,
    actors: Collection[str] | None = None,
) -> T:
    """Load the settings (exit 2 when bad), open a runtime (of ``actors`` only, when given:
    a read-only command needs neither downloads nor routing), run ``body`` with it."""
    settings = state.load_settings()

    async def main() -> T:
        from ollm_actors.runtime import ACTORS, open_runtime

        async with open_runtime(settings, actors=ACTORS if actors is None else actors) as rt:
            return await body(rt)

    return run_async(state, main)
