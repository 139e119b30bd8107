"""`ollm events [TOPIC...]`: the event stream, until Ctrl-C (exit 130, like every command).

Meant for a service (``ollm serve``), whose events are every shell's and agent's; without
one it shows this command's own runtime's events only. Topics are bus patterns (``pull.*``,
``model.deleted``; none: every topic). A person gets one line per event, ``HH:MM:SS topic
key=value...``, ending ``origin=rt-...`` for another machine's event (a shared state, see
the README's "Several machines"); ``--json`` prints NDJSON, each line one ``Event`` Struct
as the service's ``/v1/events`` stream encodes it (``{"topic", "time", "payload", "kind",
"key", "origin"}``, ``origin`` null for this runtime's own). With ``-v``, stderr says when
the stream is subscribed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.pulls_cmd import IN_PROCESS_NOTE
from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from ollm_actors.actors.event import Event
    from ollm_actors.runtime import Runtime

__all__ = ("event_line", "register", "stream_events")


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and value != ""


def event_line(event: Event) -> str:
    """``HH:MM:SS topic key=value ...``: the payload's set scalar fields (lists joined),
    then ``origin=rt-...`` for another machine's event."""
    import datetime

    import msgspec

    from ollm_actors.vocab.safe_text import safe_line

    when = datetime.datetime.fromtimestamp(event.time).strftime("%H:%M:%S")
    payload = msgspec.to_builtins(event.payload)
    if isinstance(payload, dict):
        parts = []
        for key, value in payload.items():
            if isinstance(value, list) and value and all(_scalar(v) for v in value):
                value = ",".join(str(v) for v in value)
            if _scalar(value):
                parts.append(f"{key}={value}")
        text = " ".join(parts)
    else:
        text = "" if payload is None else str(payload)
    if event.origin is not None:  # another machine's event
        text = f"{text} origin={event.origin}" if text else f"origin={event.origin}"
    return safe_line(f"{when} {event.topic} {text}".rstrip())


async def stream_events(
    rt: Runtime,
    topics: Sequence[str],
    write: Callable[[bytes], None],
    *,
    as_json: bool,
    subscribed: Callable[[], object] | None = None,
) -> None:
    """Write every event of ``topics`` (none: all) as it comes, until cancelled;
    ``subscribed()`` is called once every event from then on will be written."""
    from ollm_actors.cli.output import json_bytes

    async with rt.events.subscribe(*topics) as events:
        if subscribed is not None:
            subscribed()
        async for event in events:
            write(json_bytes(event) if as_json else (event_line(event) + "\n").encode())


def register(app: typer.Typer) -> None:
    """Add `ollm events` to ``app``."""

    @app.command("events", help=f"Stream events (until Ctrl-C). {IN_PROCESS_NOTE}")
    def events_command(
        ctx: typer.Context,
        topics: Annotated[
            list[str] | None,
            typer.Argument(help="Topic patterns, e.g. 'pull.*' (none: all).", metavar="TOPIC..."),
        ] = None,
    ) -> None:
        state: CliState = ctx.find_root().obj
        chosen = list(topics or ())
        if any(not topic.strip() for topic in chosen):
            from ollm_actors.errors import UsageError

            state.fail(UsageError("a topic pattern cannot be empty", command="events"))

        def subscribed() -> None:
            import sys

            sys.stderr.write(f"subscribed to {' '.join(chosen) or 'every topic'}\n")
            sys.stderr.flush()

        async def body(rt: Runtime) -> None:
            from ollm_actors.cli.stdout import write_stdout

            await stream_events(
                rt, chosen, write_stdout, as_json=state.json,
                subscribed=subscribed if state.verbose else None,
            )

        from ollm_actors.cli.run import run_with_runtime

        run_with_runtime(state, body)
