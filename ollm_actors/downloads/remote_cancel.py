"""Cancel a pull another runtime runs: ask its lease holder to stop and wait until it did.

``ollm cancel MODEL`` on a machine with no pull of its own reaches, through the shared
state, the runtime holding that pull's lease; it sees the request within half a second,
stops, and releases the lease with ``cancelled``. Every runtime following that pull ends
``cancelled`` with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

import anyio
import msgspec

from ollm_actors.actors.reply import Reply
from ollm_actors.downloads.leased import PullRecord
from ollm_actors.downloads.messages import PullInfo, PullState
from ollm_actors.errors import ModelOnSeveralHosts, OllmError, PullNotFound
from ollm_actors.state.interface import SharedState, lease_key

__all__ = ("answer_with", "cancel_elsewhere")

# How often the lease is looked at while waiting for its holder to let go.
_POLL = 0.1


async def cancel_elsewhere(
    shared: SharedState,
    model: str,
    hosts: Sequence[str],
    missing: PullNotFound,
    *,
    ttl: float,
) -> PullInfo:
    """Cancel the pull of ``model`` some runtime holds the lease of, on one of ``hosts``.

    Raises ``missing`` when no runtime pulls it, ``ModelOnSeveralHosts`` when runtimes pull
    it onto several hosts. Waits at most the lease's TTL and a second (a holder that died
    meanwhile lets its lease run out): the answer's state is ``cancelled`` once the holder
    released it so, else how it ended (``done``, ``failed``) or, past the wait, ``running``
    with the error saying the holder did not answer.
    """
    held: list[tuple[str, str, str]] = []
    for host in hosts:
        key = lease_key("pull", host, model)
        holder = await shared.holder(key)
        if holder is not None:
            held.append((host, key, holder))
    if not held:
        raise missing
    if len(held) > 1:
        raise ModelOnSeveralHosts(model, [host for host, _, _ in held])
    host, key, holder = held[0]
    await shared.request_cancel(key)
    with anyio.move_on_after(ttl + 1.0):
        # The holder is in another process: nothing here can wake this wait but a look.
        while await shared.holder(key) == holder:  # noqa: ASYNC110
            await anyio.sleep(_POLL)
    record = await shared.ended(key)
    state: PullState
    error: str | None
    still = await shared.holder(key) == holder
    ended = _decoded(record)
    completed = total = 0
    if ended is None:
        state, error = ("running", f"runtime {holder} did not stop") if still else (
            "cancelled", None
        )
    else:
        state, error = ended.status, ended.error
        completed, total = ended.completed, ended.total
    return PullInfo(
        pull_id=0,
        model=model,
        host=host,
        state=state,
        askers=0,
        completed=completed,
        total=total,
        attempt=0,
        started_by=(f"runtime {holder}",),
        error=error,
    )


def _decoded(record: str | None) -> PullRecord | None:
    if record is None:
        return None
    try:
        return msgspec.json.decode(record, type=PullRecord)
    except msgspec.DecodeError:
        return None


async def answer_with(work: Awaitable[Any], reply: Reply[Any]) -> None:
    """Send ``reply`` what ``work`` returns, or fail it with the typed error it raised."""
    try:
        answer = await work
    except OllmError as exc:
        reply.fail(exc)
        return
    reply.send(answer)
