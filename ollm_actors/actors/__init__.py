"""The actor runtime and the event bus.

- :class:`Actor` with :func:`handler` methods, dispatched by message type; :class:`Request`
  is the base of messages that are asked (typed by their answer).
- :class:`ActorSystem` spawns and supervises actors (:class:`RestartPolicy`) and hands out
  :class:`ActorRef` (``tell``, ``tell_nowait``, ``ask``, ``statistics``).
- :class:`Reply` is the handle of a deferred answer (``Actor.defer``).
- :class:`EventBus` publishes :class:`Event` values to callbacks and async subscribers.
"""

from ollm_actors.actors.actor import Actor, handler
from ollm_actors.actors.bus import CALLBACK_FAILED, BusStatistics, EventBus
from ollm_actors.actors.cell import ActorState, ActorStatistics
from ollm_actors.actors.event import CallbackFailed, Event, EventKind
from ollm_actors.actors.messages import Request
from ollm_actors.actors.ref import ActorRef
from ollm_actors.actors.reply import Reply
from ollm_actors.actors.subscription import Subscription, SubscriptionStatistics
from ollm_actors.actors.supervision import ActorSystem, RestartPolicy
from ollm_actors.actors.topics import topic_matches
from ollm_actors.errors import ActorCrashed, InboxFull, UnhandledMessage

__all__ = (
    "CALLBACK_FAILED",
    "Actor",
    "ActorCrashed",
    "ActorRef",
    "ActorState",
    "ActorStatistics",
    "ActorSystem",
    "BusStatistics",
    "CallbackFailed",
    "Event",
    "EventBus",
    "EventKind",
    "InboxFull",
    "Reply",
    "Request",
    "RestartPolicy",
    "Subscription",
    "SubscriptionStatistics",
    "UnhandledMessage",
    "handler",
    "topic_matches",
)
