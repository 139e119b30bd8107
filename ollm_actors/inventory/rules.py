"""The inventory's decisions: plain functions over :class:`HostState` and plain data.

No I/O, no waiting, no event loop: the actor calls them from its handlers and carries out
what they decide (fetches, replies, events); the tests call them directly. The ``apply_*``
functions and :func:`track_pull` update the state they are given and return what to
announce; the others only read. A function that "raises" raises an
:class:`~ollm_actors.errors.OllmError` meant for the asker.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import NamedTuple

import msgspec

from ollm_actors.errors import HostUnreachable, ModelNotFound, OllmError
from ollm_actors.inventory.health import HealthPayload, health_news
from ollm_actors.inventory.hoststate import HostState, loaded_from
from ollm_actors.inventory.types import (
    InventoryChanged,
    InventorySnapshot,
    LoadedModel,
    ModelDetails,
    ModelInfo,
    ModelStatus,
)
from ollm_actors.ollama.types import ListedModel, parse_time
from ollm_actors.vocab.pull_events import TERMINAL_EVENTS, PullEvent
from ollm_actors.vocab.suggest import close_matches

__all__ = (
    "PULL_ENDS",
    "News",
    "PullKey",
    "ShowFetch",
    "apply_deletion",
    "apply_failure",
    "apply_list",
    "cache_file_still_true",
    "installed_names",
    "known_offline",
    "list_change",
    "lists_to_wait_for",
    "loaded_models",
    "loaded_to_wait_for",
    "model_status",
    "no_data_error",
    "show_plan",
    "snapshot",
    "suggestions",
    "track_pull",
)

#: A pull in flight, as the inventory tracks it: (model name key, host display URL).
PullKey = tuple[str, str]

#: The topics after which a pull is no longer in flight.
PULL_ENDS = frozenset(f"pull.{event}" for event in TERMINAL_EVENTS)

_SUGGESTIONS = 3


def track_pull(pulls: dict[PullKey, PullEvent], key: PullKey, topic: str, event: PullEvent) -> bool:
    """Update ``pulls`` (the pulls in flight) with ``event``, published on ``topic``.

    A pull is in flight from its first event until one of :data:`PULL_ENDS`; its latest
    event is kept. Returns True for ``pull.done``: the host's list has changed.
    """
    if topic in PULL_ENDS:
        pulls.pop(key, None)
        return topic == "pull.done"
    pulls[key] = event
    return False


def known_offline(state: HostState) -> bool:
    """True for a host that went offline and is watched by its probe.

    Such a host is answered from what is known of it at once; trying it again on every ask
    would make each answer wait for a dead host's timeout.
    """
    return state.online is False and state.probe is not None


def lists_to_wait_for(
    targets: Iterable[HostState],
    *,
    in_flight: Collection[str],
    now: float,
    ttl: float,
    refresh: bool,
) -> list[str]:
    """The hosts (in ``targets`` order) whose ``/api/tags`` fetch an answer must wait for.

    A host whose fetch is ``in_flight`` is always waited for (the fetch is joined, never
    repeated). Otherwise a host is waited for, and a fetch is due, unless its list can be
    served as it is: fresh (confirmed within ``ttl`` of ``now`` and not dirty) or the host
    known offline. ``refresh`` makes every host due.
    """
    return [
        state.url
        for state in targets
        if state.url in in_flight or refresh or not (state.fresh(now, ttl) or known_offline(state))
    ]


def loaded_to_wait_for(targets: Iterable[HostState]) -> list[str]:
    """The hosts whose ``/api/ps`` an answer waits for: every host not known offline.

    Loaded models change without the inventory hearing of it, so they are asked every time.
    """
    return [state.url for state in targets if not known_offline(state)]


def list_change(
    before: set[str] | None, after: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(added, removed)`` names, each sorted, from the list ``before`` to ``after``.

    ``before`` is None when no list was known: everything is added, nothing removed.
    """
    if before is None:
        return tuple(sorted(after)), ()
    return tuple(sorted(after - before)), tuple(sorted(before - after))


class News(NamedTuple):
    """An event the actor publishes after applying an outcome: ``topic`` and ``payload``."""

    topic: str
    payload: HealthPayload | InventoryChanged


def apply_list(state: HostState, models: list[ListedModel], *, now: float, wall: str) -> list[News]:
    """Take a good ``/api/tags`` answer into ``state`` (see :meth:`HostState.record_list`).

    Returns the health event of the change, if any (``host.online`` when the host was
    offline or degraded, :func:`~ollm_actors.inventory.health.health_news`), then
    ``inventory.changed`` with the names added and removed (:func:`list_change`) when it was
    offline or the names changed.
    """
    before = state.names() if state.listed is not None else None
    back_online = state.online is False
    state.record_list(models, now=now, wall=wall)
    added, removed = list_change(before, state.names())
    news = [News(*item) for item in health_news(state)]
    if back_online or added or removed:
        changed = InventoryChanged(host=state.url, added=added, removed=removed)
        news.append(News("inventory.changed", changed))
    return news


def cache_file_still_true(
    state: HostState, models: list[ListedModel], *, wall: float, ttl: float
) -> bool:
    """Whether a good ``/api/tags`` answer of ``models`` (before :func:`apply_list` takes it)
    may leave the host's cache file as it is: the same list, in a file written less than
    ``ttl`` seconds before ``wall`` (Unix time).

    Rewriting would change only the file's time, by less than a list is trusted in memory;
    so ``ollm list --refresh`` run again and again over 16 hosts does not rewrite (and
    fsync) 16 unchanged files each time.
    """
    if state.listed is None or state.saved_wall is None or state.listed != models:
        return False
    saved = parse_time(state.saved_wall)
    return saved is not None and 0 <= wall - saved.timestamp() < ttl


def apply_failure(state: HostState, kind: str, error: OllmError) -> list[News]:
    """Take a failed fetch of ``kind`` (``tags``, ``ps``, ``show``) into ``state``.

    A failed ``ps`` leaves the loaded models unconfirmed. A failed ``show`` is about one model
    and leaves the host alone, unless the host did not answer. Otherwise the failure is the
    host's (:meth:`HostState.record_failure`); returns ``host.offline`` (with the number of
    models still served from the cache) when it takes the host offline.
    """
    if kind == "ps":
        state.ps_ok = False
    if kind == "show" and not isinstance(error, HostUnreachable):
        return []
    state.record_failure(error, kind)
    return [News(*item) for item in health_news(state)]


def apply_deletion(state: HostState, key: str) -> list[News]:
    """Drop the model with name key ``key`` from ``state``'s list (it was deleted).

    Returns ``inventory.changed`` naming it as removed, or nothing if it was not listed.
    """
    removed = state.remove(key)
    if removed is None:
        return []
    changed = InventoryChanged(host=state.url, added=(), removed=(removed.name,))
    return [News("inventory.changed", changed)]


def no_data_error(targets: Sequence[HostState]) -> OllmError:
    """Why nothing can be said about ``targets`` (non-empty): the first host's last error,
    else the first host unreachable "no answer yet"."""
    for state in targets:
        if state.error is not None:
            return state.error
    return HostUnreachable(targets[0].url, "no answer yet")


def snapshot(
    targets: Sequence[HostState], now: float | None = None, wall: float | None = None
) -> InventorySnapshot:
    """The statuses (at ``now``, ``wall``: see :meth:`HostState.status`) and models of
    ``targets``, in host order.

    Raises :func:`no_data_error` when no target has a list (fetched or cached).
    """
    if all(state.listed is None for state in targets):
        raise no_data_error(targets)
    models: list[ModelInfo] = []
    for state in targets:
        models.extend(state.infos())
    hosts = tuple(state.status(now, wall) for state in targets)
    return InventorySnapshot(hosts=hosts, models=tuple(models))


def loaded_models(targets: Sequence[HostState]) -> list[LoadedModel]:
    """The loaded models of ``targets`` in host order; stale where ``/api/ps`` did not just
    answer. Raises :func:`no_data_error` when no target has any loaded list."""
    if all(state.loaded is None for state in targets):
        raise no_data_error(targets)
    return [
        loaded_from(entry, state.url, stale=not state.ps_ok)
        for state in targets
        for entry in state.loaded or ()
    ]


def installed_names(hosts: Iterable[HostState]) -> list[str]:
    """Every listed name of ``hosts``, in host order (duplicates kept)."""
    return [entry.name for state in hosts for entry in state.listed or ()]


def suggestions(
    name: str,
    installed: Iterable[str],
    pullable: Callable[[], Iterable[str]] | None = None,
) -> tuple[str, ...]:
    """Up to three names close to ``name``: installed ones first, best first.

    With ``pullable`` (for a model that is absent, whose next step is a pull), pullable names
    fill the places the installed ones leave, without repeating one in another case;
    ``pullable`` is only called when there is room.
    """
    found = close_matches(name, installed, limit=_SUGGESTIONS)
    if pullable is not None and len(found) < _SUGGESTIONS:
        seen = {n.casefold() for n in found}
        extra = close_matches(name, pullable(), limit=_SUGGESTIONS)
        found += tuple(n for n in extra if n.casefold() not in seen)
    return found[:_SUGGESTIONS]


def model_status(
    display: str,
    key: str,
    targets: Sequence[HostState],
    *,
    pulls: Mapping[PullKey, PullEvent],
    every_host: Iterable[HostState],
    pullable: Callable[[], Iterable[str]],
) -> ModelStatus:
    """Whether the model named ``display`` (name key ``key``) can be used on ``targets``.

    * ``available`` where a target lists it (``hosts`` in target order);
    * else ``pulling`` where a pull of it is in flight on a target (``hosts`` in the order
      of ``pulls``); ``fraction`` is the bytes done over the total of those pulls, at most 1,
      None while no total is known;
    * else ``absent`` if every target has a list, with :func:`suggestions` from what
      ``every_host`` lists and ``pullable``;
    * else ``unknown``: a target that might have it has no list.
    """
    holders = tuple(state.url for state in targets if state.find(key) is not None)
    if holders:
        return ModelStatus(model=display, status="available", hosts=holders)
    urls = {state.url for state in targets}
    pulling = [(host, ev) for (k, host), ev in pulls.items() if k == key and host in urls]
    if pulling:
        total = sum(ev.total for _, ev in pulling)
        done = sum(ev.completed for _, ev in pulling)
        return ModelStatus(
            model=display,
            status="pulling",
            hosts=tuple(host for host, _ in pulling),
            fraction=min(1.0, done / total) if total else None,
        )
    if all(state.listed is not None for state in targets):
        found = suggestions(display, installed_names(every_host), pullable)
        return ModelStatus(model=display, status="absent", suggestions=found)
    return ModelStatus(model=display, status="unknown")


class ShowFetch(NamedTuple):
    """The facts are unknown: ask ``state``'s host about ``name`` (digest ``digest``)."""

    state: HostState
    name: str
    digest: str


def show_plan(
    display: str,
    key: str,
    targets: Sequence[HostState],
    *,
    named_host: bool,
    every_host: Iterable[HostState],
) -> ModelDetails | OllmError | ShowFetch:
    """How to answer ``show`` for ``display`` (name key ``key``) on ``targets``.

    The holder is the first target listing the model, an online one preferred (it can be
    asked). Returns the facts already learned for its digest (on any of ``every_host``,
    relabelled for the holder); else an error when no target lists it (:func:`no_data_error`
    when none has a list, else ``ModelNotFound`` naming the host if the asker named one,
    with close installed names) or when the holder is known offline; else a
    :class:`ShowFetch`.
    """
    every_host = list(every_host)
    holders = [(state, entry) for state in targets if (entry := state.find(key)) is not None]
    if not holders:
        if all(state.listed is None for state in targets):
            return no_data_error(targets)
        host = targets[0].url if named_host else None
        return ModelNotFound(display, host, suggestions(display, installed_names(every_host)))
    holders.sort(key=lambda pair: pair[0].online is not True)
    state, entry = holders[0]
    for other in every_host:
        known = other.shown.get(entry.digest)
        if known is not None:
            return msgspec.structs.replace(
                known, name=entry.name, host=state.url, stale=state.stale
            )
    if known_offline(state):
        return state.error or HostUnreachable(state.url, "offline")
    return ShowFetch(state, entry.name, entry.digest)
