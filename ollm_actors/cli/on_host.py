"""`--on HOST` and `--all-hosts`: which host a command on one model acts on.

Shared by every command on one model (``pull``, ``rm``, ``show``, ``limits``; the lifecycle
verbs to come take the same two options). ``--on`` takes any host string, configured or
not (the runtime attaches an unconfigured one for the call). Without it, a command that
reads or deletes a model acts on the hosts that *have* it (:func:`holders`); one that
creates a model goes to the default host.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.runtime import Runtime

__all__ = ("AllHostsOption", "OnOption", "checked_on", "each_host", "holders", "per_host_json")

T = TypeVar("T")

OnOption = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="HOST",
        help="The host to act on (any host string: gpu-box, :11500, http://h:11434).",
    ),
]
AllHostsOption = Annotated[
    bool,
    typer.Option("--all-hosts", help="Act on every host that has the model."),
]


def checked_on(state: CliState, on: str | None) -> str | None:
    """``on`` as given (it may carry credentials the display form masks), once it is known
    to be an Ollama address; a string that is not ends the command with exit 2, naming
    ``--on``, before any runtime starts."""
    if on is None:
        return None
    from ollm_actors.errors import InvalidHost
    from ollm_actors.vocab.hosts import parse_host

    try:
        parse_host(on)
    except InvalidHost as exc:
        state.fail(InvalidHost(exc.host, f"--on: {exc.reason}"))
    return on


async def holders(rt: Runtime, name: str, on: str | None) -> tuple[str, ...]:
    """The hosts to act on for ``name``: ``(on,)`` when given; else every configured host
    whose list has the model, in host order (empty when none has it, or none could say)."""
    if on is not None:
        return (on,)
    status = await rt.models.get_model_status(name)
    return status.hosts if status.status == "available" else ()


async def each_host(
    hosts: Sequence[str | None], each: Callable[[str | None], Awaitable[T]]
) -> list[T]:
    """``each(host)`` for every host, concurrently, in ``hosts`` order. A host that fails
    while another answers becomes a warning naming it; when none answers, the first
    failure is raised."""
    import anyio

    from ollm_actors.cli.output import warn
    from ollm_actors.errors import OllmError

    found: dict[int, T] = {}
    failed: dict[int, OllmError] = {}

    async def one(index: int, host: str | None) -> None:
        try:
            found[index] = await each(host)
        except OllmError as exc:
            failed[index] = exc

    async with anyio.create_task_group() as tasks:
        for index, host in enumerate(hosts):
            tasks.start_soon(one, index, host)
    if not found:
        raise failed[min(failed)]
    for index in sorted(failed):
        warn(f"left out {hosts[index]}: {failed[index]}")
    return [found[index] for index in sorted(found)]


def per_host_json(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One host's document as it is; for several, the first one's with ``"hosts"``: every
    host's document in host order (the documented shape stays, extended)."""
    if len(documents) == 1:
        return documents[0]
    return {**documents[0], "hosts": documents}
