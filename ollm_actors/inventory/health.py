"""Host health: what a probe's outcome means, which health event a change publishes, and
when a failing host enters and leaves its cooldown.

Pure functions over :class:`~ollm_actors.inventory.hoststate.HostState` (no I/O, no event
loop): the inventory actor applies every outcome through them and publishes what they
return; tests call them directly.

The words (:data:`~ollm_actors.inventory.types.HealthWord`) are honest about what was seen:
``offline`` when the host gives no answer at all (refused, unreachable, silent past the
request deadline), ``degraded`` when it answers but badly (an error status such as HTTP 500,
a malformed body, a probe slower than ``providers.ollama.health.slow``), ``online`` when it
answers well. Events go out on changes only: ``host.offline``, ``host.degraded``,
``host.online`` (not for the first sight of a healthy host: nothing changed for anyone).
"""

from __future__ import annotations

from typing import NamedTuple

from ollm_actors.errors import HostUnreachable, OllmError, ProtocolError, ServerError
from ollm_actors.inventory.hoststate import HostState, rfc3339
from ollm_actors.inventory.types import (
    HostCooldown,
    HostCooldownEnded,
    HostDegraded,
    HostOffline,
    HostOnline,
)
from ollm_actors.vocab.cooldown import CooldownRule, after_failure, in_cooldown, left_cooldown

__all__ = (
    "HealthNews",
    "HealthPayload",
    "apply_probe",
    "cooldown_over",
    "cooling",
    "counts_for_cooldown",
    "health_news",
    "note_failure",
    "probes_to_wait_for",
)

HealthPayload = HostOnline | HostOffline | HostDegraded | HostCooldown | HostCooldownEnded


class HealthNews(NamedTuple):
    """An event to publish: ``topic`` and ``payload``."""

    topic: str
    payload: HealthPayload


def health_news(state: HostState) -> list[HealthNews]:
    """The health event for a change of ``state``'s word since the last one announced
    (and records the new word as announced); nothing when the word did not change, while it
    is ``unknown``, or for ``unknown`` → ``online``."""
    word = state.health()
    before = state.announced
    if word == before or word == "unknown":
        return []
    state.announced = word
    if word == "offline":
        error = state.error
        reason = error.reason if isinstance(error, HostUnreachable) else "no answer"
        offline = HostOffline(host=state.url, reason=reason, cached_models=len(state.listed or ()))
        return [HealthNews("host.offline", offline)]
    if word == "degraded":
        reason = "; ".join(state.trouble[kind] for kind in sorted(state.trouble))
        latency = None if state.latency is None else round(state.latency * 1000, 1)
        degraded = HostDegraded(host=state.url, reason=reason, latency_ms=latency)
        return [HealthNews("host.degraded", degraded)]
    if before == "unknown":
        return []
    return [HealthNews("host.online", HostOnline(host=state.url, models=len(state.listed or ())))]


def apply_probe(
    state: HostState, version: str | None, seconds: float, *, now: float, slow: float
) -> bool:
    """Take a successful probe into ``state``: the ``version`` it answered after
    ``seconds``, and the ``version`` trouble when that is longer than ``slow`` seconds.

    Returns True when the host's list should be fetched now: it was offline (the list fetch
    is what brings it back, with ``host.online`` and its models). A host never reached
    before counts as answering from here on.
    """
    state.version = version
    state.latency = seconds
    state.probed_at = now
    if seconds > slow:
        state.trouble["version"] = f"/api/version took {seconds:.2f} s (slower than {slow:g} s)"
    else:
        state.trouble.pop("version", None)
    if state.online is False:
        return True
    state.online = True
    return False


def probes_to_wait_for(
    states: list[HostState], *, in_flight: set[str], fresh_after: float | None
) -> list[str]:
    """The hosts whose probe an answer about ``states`` waits for: those probed in flight,
    and those never probed or probed before ``fresh_after`` (None: every host is due)."""
    return [
        state.url
        for state in states
        if state.url in in_flight
        or fresh_after is None
        or state.probed_at is None
        or state.probed_at < fresh_after
    ]


def counts_for_cooldown(error: OllmError, kind: str, *, was_offline: bool) -> bool:
    """Whether a failed request of endpoint ``kind`` counts for the cooldown rule: the host
    misbehaved (no answer, an error status, a malformed body), except the silence of a host
    already known offline (no news) and an error status about one model's ``show``."""
    if isinstance(error, HostUnreachable):
        return not was_offline
    if isinstance(error, ServerError):
        return kind != "show"
    return isinstance(error, ProtocolError)


def note_failure(
    state: HostState, rule: CooldownRule, *, now: float, wall: float, reason: str
) -> list[HealthNews]:
    """Count a failure of the host at ``now`` (``wall`` the same moment in Unix time) for
    the cooldown rule; returns ``host.cooldown`` when this failure starts a cooldown."""
    before = state.cooldown
    state.cooldown = after_failure(rule, before, now, reason)
    until = state.cooldown.until
    if until is None or until == before.until:
        return []
    cooldown = HostCooldown(
        host=state.url,
        until=rfc3339(wall + until - now),
        failures=rule.failures,
        window=rule.window,
        reason=reason,
    )
    return [HealthNews("host.cooldown", cooldown)]


def cooldown_over(state: HostState, now: float) -> list[HealthNews]:
    """Clear a cooldown of ``state`` that has ended by ``now``: ``host.cooldown_ended``
    (the caller probes the host again); nothing while it still runs or when there is none."""
    cleared = left_cooldown(state.cooldown, now)
    if cleared is None:
        return []
    state.cooldown = cleared
    return [HealthNews("host.cooldown_ended", HostCooldownEnded(host=state.url))]


def cooling(state: HostState, now: float) -> bool:
    """True while ``state``'s host is in its cooldown at ``now``."""
    return in_cooldown(state.cooldown, now)
