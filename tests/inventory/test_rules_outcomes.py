"""Inventory rules about fetching and its outcomes, synchronously; each oracle restates the
rule's own definition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.errors import HostUnreachable, ServerError
from ollm_actors.inventory import rules
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.types import HostDegraded, HostOffline, HostOnline, InventoryChanged
from ollm_actors.vocab.names import model_key
from ollm_actors.vocab.pull_events import PullEvent, PullEventKind
from tests.inventory.rule_builders import (
    NAMES,
    NOW,
    TTL,
    URLS,
    host,
    host_states,
    listed,
    target_lists,
)

# which hosts need a fetch ------------------------------------------------------------------


@given(target_lists(), st.sets(st.sampled_from(URLS)), st.booleans())
def test_lists_to_wait_for_follows_its_definition(
    targets: list[HostState], in_flight: set[str], refresh: bool
) -> None:
    def waits(s: HostState) -> bool:
        if s.url in in_flight or refresh:
            return True
        fresh = (
            s.online is True
            and s.confirmed
            and not s.dirty
            and s.fetched_at is not None
            and NOW - s.fetched_at < TTL
        )
        watched_offline = s.online is False and s.probe is not None
        return not (fresh or watched_offline)

    got = rules.lists_to_wait_for(targets, in_flight=in_flight, now=NOW, ttl=TTL, refresh=refresh)
    assert got == [s.url for s in targets if waits(s)]


def test_a_fresh_list_is_served_and_an_old_one_fetched() -> None:
    state = host(names=NAMES[:2])
    assert (
        rules.lists_to_wait_for([state], in_flight=(), now=NOW + TTL - 1, ttl=TTL, refresh=False)
        == []
    )
    assert rules.lists_to_wait_for(
        [state], in_flight=(), now=NOW + TTL, ttl=TTL, refresh=False
    ) == [state.url]
    assert rules.lists_to_wait_for([state], in_flight=(), now=NOW, ttl=TTL, refresh=True) == [
        state.url
    ]


def test_a_fetch_in_flight_is_joined_even_for_a_fresh_list() -> None:
    state = host(names=NAMES[:2])
    got = rules.lists_to_wait_for([state], in_flight={state.url}, now=NOW, ttl=TTL, refresh=False)
    assert got == [state.url]


def test_a_host_known_offline_is_answered_from_its_cache_at_once() -> None:
    watched = host(URLS[0], NAMES[:1], online=False, confirmed=False, probe=True)
    unwatched = host(URLS[1], NAMES[:1], online=False, confirmed=False, probe=False)
    got = rules.lists_to_wait_for(
        [watched, unwatched], in_flight=(), now=NOW, ttl=TTL, refresh=False
    )
    assert got == [unwatched.url]
    assert rules.loaded_to_wait_for([watched, unwatched]) == [unwatched.url]


@given(target_lists())
def test_loaded_models_are_asked_of_every_host_not_known_offline(
    targets: list[HostState],
) -> None:
    expected = [s.url for s in targets if not (s.online is False and s.probe is not None)]
    assert rules.loaded_to_wait_for(targets) == expected


# what a fetched list changed ---------------------------------------------------------------


@given(
    st.none() | st.sets(st.sampled_from(NAMES)),
    st.sets(st.sampled_from(NAMES)),
)
def test_list_change_turns_before_into_after(before: set[str] | None, after: set[str]) -> None:
    added, removed = rules.list_change(before, after)
    assert list(added) == sorted(added) and list(removed) == sorted(removed)
    old = before if before is not None else set()
    assert (old - set(removed)) | set(added) == after
    assert not set(added) & old
    assert set(removed) <= old
    if before is None:
        assert removed == ()


@given(host_states(URLS[0]), st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
def test_apply_list_confirms_the_host_and_says_what_changed(
    state: HostState, names: list[str]
) -> None:
    before = {m.name for m in state.listed} if state.listed is not None else set()
    was_offline = state.online is False
    was_down = state.announced in ("offline", "degraded")
    news = rules.apply_list(state, [listed(n) for n in names], now=NOW + 1, wall="w")
    assert (state.online, state.confirmed, state.dirty, state.error) == (True, True, False, None)
    assert (state.fetched_at, state.fetched_wall) == (NOW + 1, "w")
    assert not state.stale and state.fresh(NOW + 1, TTL)
    assert "tags" not in state.trouble
    added = tuple(sorted(set(names) - before))
    removed = tuple(sorted(before - set(names)))
    expected: list[rules.News] = []
    if was_down and state.health() == "online":
        expected.append(rules.News("host.online", HostOnline(host=state.url, models=len(names))))
    if was_offline or added or removed:
        changed = InventoryChanged(host=state.url, added=added, removed=removed)
        expected.append(rules.News("inventory.changed", changed))
    assert news == expected


def test_the_first_list_announces_every_name_as_added() -> None:
    state = HostState(URLS[0])
    news = rules.apply_list(state, [listed("phi3:mini")], now=NOW, wall="w")
    changed = InventoryChanged(host=URLS[0], added=("phi3:mini",), removed=())
    assert news == [rules.News("inventory.changed", changed)]
    assert rules.apply_list(state, [listed("phi3:mini")], now=NOW, wall="w") == []


# failures -------------------------------------------------------------------------------------


def test_an_unreachable_host_goes_offline_once() -> None:
    state = host(names=NAMES[:3])
    state.ps_ok = True
    error = HostUnreachable(state.url, "connection failed")
    news = rules.apply_failure(state, "tags", error)
    offline = HostOffline(host=state.url, reason="connection failed", cached_models=3)
    assert news == [rules.News("host.offline", offline)]
    assert (state.online, state.confirmed, state.ps_ok, state.error) == (False, False, False, error)
    assert state.stale
    assert rules.apply_failure(state, "tags", HostUnreachable(state.url, "again")) == []


@pytest.mark.parametrize("kind", ["tags", "ps"])
def test_a_server_error_unconfirms_the_list_and_degrades_the_host_once(kind: str) -> None:
    state = host(names=NAMES[:1])
    state.ps_ok = True
    error = ServerError(state.url, f"/api/{kind}", 500, "boom")
    degraded = HostDegraded(host=state.url, reason=error.message)
    assert rules.apply_failure(state, kind, error) == [rules.News("host.degraded", degraded)]
    # It answered: online (reachable) but degraded, never "offline".
    assert (state.online, state.confirmed, state.error) == (True, False, error)
    assert state.health() == "degraded"
    assert state.ps_ok is (kind != "ps")
    assert rules.apply_failure(state, kind, error) == []


def test_a_server_error_of_a_host_never_reached_is_degraded_not_offline() -> None:
    state = host(names=None, online=None, confirmed=False)
    error = ServerError(state.url, "/api/tags", 500, "boom")
    assert [n.topic for n in rules.apply_failure(state, "tags", error)] == ["host.degraded"]
    status = state.status()
    assert (status.online, status.state) == (True, "degraded")


def test_a_failed_show_leaves_the_host_alone_unless_it_did_not_answer() -> None:
    state = host(names=NAMES[:1])
    state.ps_ok = True
    assert rules.apply_failure(state, "show", ServerError(state.url, "/api/show", 500, "")) == []
    assert (state.online, state.confirmed, state.ps_ok, state.error) == (True, True, True, None)
    news = rules.apply_failure(state, "show", HostUnreachable(state.url, "dropped"))
    assert [n.topic for n in news] == ["host.offline"]
    assert state.online is False


@given(target_lists())
def test_no_data_error_is_the_first_known_error(targets: list[HostState]) -> None:
    error = rules.no_data_error(targets)
    known = [s.error for s in targets if s.error is not None]
    if known:
        assert error is known[0]
    else:
        assert isinstance(error, HostUnreachable)
        assert (error.host, error.reason) == (targets[0].url, "no answer yet")


# pulls and deletions ----------------------------------------------------------------------------


def test_a_pull_ends_with_done_failed_or_cancelled() -> None:
    assert {"pull.done", "pull.failed", "pull.cancelled"} == rules.PULL_ENDS


def test_track_pull_keeps_the_latest_event_until_the_pull_ends() -> None:
    pulls: dict[rules.PullKey, PullEvent] = {}
    key = (model_key("qwen2.5:7b"), URLS[0])

    def event(kind: PullEventKind, done: int = 0) -> PullEvent:
        return PullEvent(event=kind, model="qwen2.5:7b", host=URLS[0], completed=done)

    assert not rules.track_pull(pulls, key, "pull.queued", event("queued"))
    assert not rules.track_pull(pulls, key, "pull.progress", event("progress", 5))
    assert pulls == {key: event("progress", 5)}
    assert not rules.track_pull(pulls, key, "pull.failed", event("failed"))
    assert pulls == {}
    rules.track_pull(pulls, key, "pull.progress", event("progress", 9))
    assert not rules.track_pull(pulls, key, "pull.cancelled", event("cancelled"))
    rules.track_pull(pulls, key, "pull.progress", event("progress", 9))
    assert rules.track_pull(pulls, key, "pull.done", event("done"))
    assert pulls == {}


def test_apply_deletion_announces_only_a_listed_model() -> None:
    state = host(names=["phi3:mini", "llama3.1:8b"])
    changed = InventoryChanged(host=state.url, added=(), removed=("phi3:mini",))
    assert rules.apply_deletion(state, model_key("PHI3:mini")) == [
        rules.News("inventory.changed", changed)
    ]
    assert state.names() == {"llama3.1:8b"}
    assert rules.apply_deletion(state, model_key("phi3:mini")) == []
    assert state.names() == {"llama3.1:8b"}
