"""The message loop of one actor incarnation.

The loop takes envelopes with ``receive_nowait`` and sleeps on a wake event when the inbox is
empty, rather than awaiting ``receive()``: an envelope is then never in flight between the
stream and the loop, so a cancellation cannot lose an ask (every ask gets an answer).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from anyio.lowlevel import checkpoint

from ollm_actors.actors.actor import Actor
from ollm_actors.actors.cell import ActorCell
from ollm_actors.errors import ActorCrashed, OllmError, UnhandledMessage

__all__ = ("serve",)

logger = logging.getLogger("ollm_actors.actors")

# Messages handled back to back before the loop yields to other tasks, so a full inbox of
# handlers that never wait cannot starve the rest of the program.
_YIELD_EVERY = 32


async def serve(actor: Actor[Any], cell: ActorCell) -> None:
    """Handle the messages of ``cell`` with ``actor`` until cancelled; never returns.

    Raises the exception of a handler that hit a bug (after answering its asker with
    ``ActorCrashed``). On cancellation the envelope being handled stays in ``cell.current``
    so the supervisor can answer it.
    """
    receive = cell.receive
    run_of_messages = 0
    while True:
        try:
            envelope = receive.receive_nowait()
        except anyio.WouldBlock:
            wake = cell.wake = anyio.Event()
            try:
                await wake.wait()
            finally:
                cell.wake = None
            run_of_messages = 0
            continue
        cell.current = envelope
        cell.handled += 1
        message = envelope.message
        reply = envelope.reply
        fn = type(actor)._ollm_lookup(type(message))
        if fn is None:
            error = UnhandledMessage(cell.name, type(message).__name__)
            if reply is not None:
                reply.fail(error)
            else:
                logger.warning("%s", error)
        else:
            actor._ollm_current = envelope
            try:
                result = await fn(actor, message)
            except OllmError as error:
                if reply is not None:
                    reply.fail(error)
                else:
                    logger.warning("actor %r: %s (while handling a told %s)",
                                   cell.name, error, type(message).__name__)
            except Exception as bug:
                if reply is not None:
                    reply.fail(ActorCrashed(cell.name, bug))
                raise
            else:
                if reply is not None and not reply._deferred:
                    reply.send(result)
            actor._ollm_current = None
        cell.current = None
        run_of_messages += 1
        if run_of_messages >= _YIELD_EVERY:
            run_of_messages = 0
            await checkpoint()
