"""What crosses the wire besides results: errors (a body and an HTTP status by type, and
back into the same ``OllmError`` subclass) and events (``Event`` lines whose payload is
decoded back into the publisher's Struct by topic)."""

from __future__ import annotations

from typing import Any

import msgspec

import ollm_actors.errors as errors
from ollm_actors.actors.event import Event
from ollm_actors.errors import (
    INPUT_ERRORS,
    AskTimeout,
    HostUnreachable,
    MemoryUnknown,
    ModelBusy,
    ModelNotFound,
    ModelOnSeveralHosts,
    NoModelAvailable,
    OllmError,
    OperationCancelled,
    OperationFailed,
    PromptTooLarge,
    ProtocolError,
    PullCancelled,
    PullFailed,
    ServerError,
    ServiceRefused,
    SettingsProblem,
)
from ollm_actors.inventory.cache import CacheProblem
from ollm_actors.inventory.types import (
    CacheUnwritable,
    CacheWritable,
    HostCooldown,
    HostCooldownEnded,
    HostDegraded,
    HostOffline,
    HostOnline,
    InventoryChanged,
)
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.state.interface import StateHealthChanged
from ollm_actors.vocab.lifecycle_events import LifecycleEvent
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent

__all__ = ("error_body", "error_from_body", "event_from_line", "payload_type", "status_of")

# Most specific first: the first class an error is an instance of decides its status.
_STATUSES: tuple[tuple[tuple[type[OllmError], ...], int], ...] = (
    ((ServiceRefused,), 400),
    (INPUT_ERRORS, 400),
    ((ModelNotFound,), 404),
    ((ModelBusy, ModelOnSeveralHosts, PullCancelled, OperationCancelled), 409),
    ((NoModelAvailable, PromptTooLarge, MemoryUnknown), 422),
    ((HostUnreachable, ProtocolError, ServerError, PullFailed, OperationFailed), 502),
    ((AskTimeout,), 504),
)


def status_of(error: OllmError) -> int:
    """The HTTP status that answers ``error``: 400 bad input, 404 not found, 409 busy or
    cancelled, 422 nothing fits, 502 a host's problem, 504 no answer in time, else 500 (the
    service's own failure). ``ServiceRefused`` carries its status (401, 400)."""
    if isinstance(error, ServiceRefused):
        return error.status
    for kinds, status in _STATUSES:
        if isinstance(error, kinds):
            return status
    if type(error).__name__.endswith("NotFound"):
        return 404
    return 500


def error_body(error: OllmError) -> dict[str, Any]:
    """``{"error": {"type", "message", ...facts}}``, the CLI's ``--json`` error document."""
    return {"error": error.facts()}


def _fact(name: str, value: Any) -> Any:
    if name == "problems" and isinstance(value, list):
        return tuple(SettingsProblem(**p) if isinstance(p, dict) else p for p in value)
    if name == "rejected" and isinstance(value, list):
        return tuple((r["model"], r["reason"]) if isinstance(r, dict) else r for r in value)
    return tuple(value) if isinstance(value, list) else value


def error_from_body(body: Any, *, target: str, status: int) -> OllmError:
    """The ``OllmError`` an error body describes, of the same class with the same facts and
    message as the service raised; a body that names no class of ours is a
    ``ServiceRefused`` with the status and what the body said."""
    detail = body.get("error") if isinstance(body, dict) else None
    if not isinstance(detail, dict):
        return ServiceRefused(target, status, "an answer without an error document")
    kind = getattr(errors, str(detail.get("type")), None)
    message = str(detail.get("message", ""))
    if not (isinstance(kind, type) and issubclass(kind, OllmError)):
        return ServiceRefused(target, status, message or "an unknown error")
    # Built without its __init__: the message is the service's, every fact comes back.
    error = kind.__new__(kind)
    Exception.__init__(error, message)
    error.message = message
    for name in kind.fact_names:
        setattr(error, name, _fact(name, detail.get(name)))
    if isinstance(error, HostUnreachable):
        error.hint = ""
    return error


#: the payload type of each topic family, to decode an event line back into its Struct
_PAYLOADS: dict[str, type[msgspec.Struct]] = {
    "pull": PullEvent,
    "push": PullEvent,
    "create": PullEvent,
    "route": RouteDecision,
    "state": StateHealthChanged,
}
#: topics whose family has several payload types (these win over the family's)
_TOPIC_PAYLOADS: dict[str, type[msgspec.Struct]] = {
    "model.deleted": ModelDeleted,
    "host.offline": HostOffline,
    "host.online": HostOnline,
    "host.degraded": HostDegraded,
    "host.cooldown": HostCooldown,
    "host.cooldown_ended": HostCooldownEnded,
    "inventory.changed": InventoryChanged,
    "cache.corrupt": CacheProblem,
    "cache.unwritable": CacheUnwritable,
    "cache.writable": CacheWritable,
}
_event_decoder = msgspec.json.Decoder(Event)


def payload_type(topic: str) -> type[msgspec.Struct] | None:
    """The Struct the payload of ``topic`` is published as, or None where it is plain data
    (a topic of a family this table does not know, e.g. ``limits.learned``)."""
    exact = _TOPIC_PAYLOADS.get(topic)
    if exact is not None:
        return exact
    family = topic.partition(".")[0]
    if family == "model":
        return LifecycleEvent
    return _PAYLOADS.get(family)


def event_from_line(line: bytes, *, strict: bool = False) -> Event:
    """One NDJSON line of ``/v1/events`` as the ``Event`` published in the service, its
    payload the publisher's Struct where the topic names one (else plain JSON data).

    Raises ``msgspec.DecodeError`` for a line that is no ``Event``. A payload that does not
    fit its topic's Struct stays plain data, or with ``strict`` raises
    ``msgspec.ValidationError`` (a subclass of ``DecodeError``): what comes from another
    machine is refused rather than handed to the actors in a shape they do not expect."""
    event = _event_decoder.decode(line)
    kind = payload_type(event.topic)
    if kind is None:
        return event
    if not isinstance(event.payload, dict):
        if strict:
            raise msgspec.ValidationError(f"{event.topic}: the payload is not an object")
        return event
    try:
        payload = msgspec.convert(event.payload, kind)
    except msgspec.ValidationError:
        if strict:
            raise
        return event
    return msgspec.structs.replace(event, payload=payload)
