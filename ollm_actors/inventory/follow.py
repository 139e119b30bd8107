"""How the inventory hears of pulls and deletions: bus callbacks that only queue a message.

The callbacks run inline in ``EventBus.publish`` (in whichever task publishes), so they must
never wait and never touch the actor's state: they tell the actor, whose handlers do the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ollm_actors.actors import Event, EventBus, InboxFull
from ollm_actors.actors.ref import ActorRef
from ollm_actors.errors import OllmError
from ollm_actors.inventory.fetch import StartSoon
from ollm_actors.inventory.messages import ModelGone, PullSeen
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent

__all__ = ("follow_pulls",)


def follow_pulls(
    bus: EventBus, ref: ActorRef[Any], start_soon: StartSoon
) -> list[Callable[[], None]]:
    """Tell ``ref`` a :class:`PullSeen` for every ``pull.*`` event and a :class:`ModelGone`
    for every ``model.deleted`` on ``bus``; returns the calls that stop listening.

    Only this runtime's own events count (``origin`` None): another runtime's pulls and
    deletions, forwarded onto the bus, happen on its hosts' lists as it sees them, and this
    inventory learns of them from the hosts (or their shared snapshots) in its own time.

    When the inbox is full, ``pull.progress`` is dropped (the next one supersedes it); every
    other event is told from a child task (``start_soon``, the actor's) that waits for room,
    so state events always arrive.
    Once the actor stops, events are ignored.
    """

    def tell(msg: PullSeen | ModelGone, droppable: bool) -> None:
        try:
            ref.tell_nowait(msg)
        except InboxFull:
            if not droppable:
                start_soon(ref.tell, msg)
        except OllmError:
            return  # the actor is stopping

    def on_pull(event: Event) -> None:
        if event.origin is None and isinstance(event.payload, PullEvent):
            tell(PullSeen(event.topic, event.payload), event.topic == "pull.progress")

    def on_deleted(event: Event) -> None:
        if event.origin is None and isinstance(event.payload, ModelDeleted):
            tell(ModelGone(event.payload), False)

    return [bus.on("pull.*", on_pull), bus.on("model.deleted", on_deleted)]
