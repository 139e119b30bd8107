"""The inventory's rules, synchronously: each oracle restates the rule's own definition."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.errors import HostUnreachable, ModelNotFound, OllmError, ServerError
from ollm_actors.inventory import rules
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.types import HostOffline, HostOnline, InventoryChanged, ModelDetails
from ollm_actors.ollama.types import ListedModel, RunningModel
from ollm_actors.vocab.names import model_key
from ollm_actors.vocab.pull_events import PullEvent, PullEventKind
from ollm_actors.vocab.suggest import close_matches

URLS = ("http://a:11434", "http://b:11434", "http://c:11434")
NAMES = ("llama3.1:8b", "phi3:mini", "qwen2.5:7b", "mistral:7b", "nomic-embed-text:latest")
TTL = 30.0
NOW = 1000.0


class Probe:
    """A stand-in for the probe's cancel scope."""

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def listed(name: str) -> ListedModel:
    return ListedModel(name=name, model=name, digest=hashlib.sha256(name.encode()).hexdigest())


def running(name: str) -> RunningModel:
    return RunningModel(name=name, model=name, size=1, expires_at="2030-01-01T00:00:00Z")


def host(
    url: str = URLS[0],
    names: Iterable[str] | None = (),
    *,
    online: bool | None = True,
    confirmed: bool = True,
    probe: bool = False,
    error: OllmError | None = None,
) -> HostState:
    state = HostState(url)
    if names is not None:
        state.set_listed([listed(n) for n in names])
    state.online = online
    state.confirmed = confirmed
    state.fetched_at = NOW if confirmed else None
    state.probe = Probe() if probe else None
    state.error = error
    return state


def details(name: str, url: str) -> ModelDetails:
    return ModelDetails(
        name=name,
        host=url,
        digest=listed(name).digest,
        family="llama",
        families=None,
        parameter_size="8B",
        quantization="Q4_K_M",
        format="gguf",
        context_length=131072,
        capabilities=("completion",),
        architecture="llama",
        parameters="",
        template="",
        license="",
        modified_at=None,
    )


errors = st.sampled_from(
    [
        None,
        HostUnreachable(URLS[0], "connection failed"),
        ServerError(URLS[0], "/api/tags", 500, "boom"),
    ]
)


@st.composite
def host_states(draw: st.DrawFn, url: str) -> HostState:
    state = HostState(url)
    names = draw(st.none() | st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    if names is not None:
        state.set_listed([listed(n) for n in names])
    loaded = draw(st.none() | st.lists(st.sampled_from(NAMES), unique=True, max_size=2))
    state.loaded = None if loaded is None else [running(n) for n in loaded]
    state.ps_ok = draw(st.booleans())
    state.online = draw(st.sampled_from([None, True, False]))
    state.confirmed = draw(st.booleans())
    state.dirty = draw(st.booleans())
    state.fetched_at = draw(st.none() | st.floats(NOW - 2 * TTL, NOW))
    state.probe = draw(st.none() | st.builds(Probe))
    state.error = draw(errors)
    return state


@st.composite
def target_lists(draw: st.DrawFn) -> list[HostState]:
    count = draw(st.integers(1, len(URLS)))
    return [draw(host_states(url)) for url in URLS[:count]]


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
    news = rules.apply_list(state, [listed(n) for n in names], now=NOW + 1, wall="w")
    assert (state.online, state.confirmed, state.dirty, state.error) == (True, True, False, None)
    assert (state.fetched_at, state.fetched_wall) == (NOW + 1, "w")
    assert not state.stale and state.fresh(NOW + 1, TTL)
    added = tuple(sorted(set(names) - before))
    removed = tuple(sorted(before - set(names)))
    expected: list[rules.News] = []
    if was_offline:
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
def test_a_server_error_unconfirms_the_list_but_leaves_the_host_online(kind: str) -> None:
    state = host(names=NAMES[:1])
    state.ps_ok = True
    error = ServerError(state.url, f"/api/{kind}", 500, "boom")
    assert rules.apply_failure(state, kind, error) == []
    assert (state.online, state.confirmed, state.error) == (True, False, error)
    assert state.ps_ok is (kind != "ps")


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


# answers ----------------------------------------------------------------------------------------


@given(target_lists())
def test_snapshot_holds_every_target_in_order(targets: list[HostState]) -> None:
    if all(s.listed is None for s in targets):
        with pytest.raises(OllmError) as caught:
            rules.snapshot(targets)
        known = [s.error for s in targets if s.error is not None]
        if known:
            assert caught.value is known[0]
        else:
            assert getattr(caught.value, "reason", None) == "no answer yet"
        return
    snap = rules.snapshot(targets)
    assert [h.url for h in snap.hosts] == [s.url for s in targets]
    assert [h.models for h in snap.hosts] == [len(s.listed or ()) for s in targets]
    assert [(m.host, m.name) for m in snap.models] == [
        (s.url, entry.name) for s in targets for entry in s.listed or ()
    ]
    stale = {s.url: s.stale for s in targets}
    assert all(m.stale == stale[m.host] for m in snap.models)


@given(target_lists())
def test_loaded_models_are_stale_where_ps_did_not_answer(targets: list[HostState]) -> None:
    if all(s.loaded is None for s in targets):
        with pytest.raises(OllmError):
            rules.loaded_models(targets)
        return
    got = rules.loaded_models(targets)
    assert [(m.host, m.name, m.stale) for m in got] == [
        (s.url, entry.name, not s.ps_ok) for s in targets for entry in s.loaded or ()
    ]


pull_maps = st.dictionaries(
    st.tuples(st.sampled_from([model_key(n) for n in NAMES]), st.sampled_from(URLS)),
    st.builds(
        lambda c, t: PullEvent(event="progress", model="m", host="h", completed=c, total=t),
        st.integers(0, 200),
        st.integers(0, 100),
    ),
    max_size=4,
)


@given(target_lists(), st.sampled_from(NAMES), pull_maps)
def test_model_status_follows_its_definition(
    targets: list[HostState], name: str, pulls: dict[rules.PullKey, PullEvent]
) -> None:
    key = model_key(name)
    status = rules.model_status(
        name, key, targets, pulls=pulls, every_host=targets, pullable=lambda: ["qwen2.5:14b"]
    )
    holders = tuple(s.url for s in targets if name in {m.name for m in s.listed or ()})
    urls = {s.url for s in targets}
    pulling = [(h, ev) for (k, h), ev in pulls.items() if k == key and h in urls]
    assert status.model == name
    if holders:
        assert (status.status, status.hosts) == ("available", holders)
    elif pulling:
        assert status.status == "pulling"
        assert status.hosts == tuple(h for h, _ in pulling)
        total = sum(ev.total for _, ev in pulling)
        if total == 0:
            assert status.fraction is None
        else:
            assert status.fraction == min(1.0, sum(ev.completed for _, ev in pulling) / total)
            assert 0.0 <= status.fraction <= 1.0
    elif all(s.listed is not None for s in targets):
        assert status.status == "absent"
        assert len(status.suggestions) <= 3
    else:
        assert (status.status, status.hosts) == ("unknown", ())


def test_the_pullable_names_are_read_only_for_an_absent_model() -> None:
    calls: list[int] = []

    def pullable() -> list[str]:
        calls.append(1)
        return ["phi3:medium"]

    state = host(names=["llama3.1:8b"])
    status = rules.model_status(
        "phi3:mini",
        model_key("phi3:mini"),
        [state],
        pulls={},
        every_host=[state],
        pullable=pullable,
    )
    assert status.status == "absent"
    assert status.suggestions == ("phi3:medium",)
    assert calls == [1]
    rules.model_status(
        "llama3.1:8b",
        model_key("llama3.1:8b"),
        [state],
        pulls={},
        every_host=[state],
        pullable=pullable,
    )
    assert calls == [1]


# suggestions ----------------------------------------------------------------------------------

words = st.sampled_from([*NAMES, "LLAMA3.1:8B", "llama3.2:3b", "phi3:medium", "lama3", "phi4"])


@given(words, st.lists(words, max_size=6), st.none() | st.lists(words, max_size=6))
def test_suggestions_put_installed_names_first_and_never_repeat_one(
    name: str, installed: list[str], pullable: list[str] | None
) -> None:
    calls: list[int] = []

    def known() -> list[str]:
        calls.append(1)
        return pullable or []

    found = rules.suggestions(name, installed, known if pullable is not None else None)
    from_installed = close_matches(name, installed, limit=3)
    assert len(found) <= 3
    assert found[: len(from_installed)] == from_installed
    extra = found[len(from_installed) :]
    assert all(n in (pullable or ()) for n in extra)
    assert not {n.casefold() for n in extra} & {n.casefold() for n in from_installed}
    # The pullable names are read only when the installed ones leave room.
    assert calls == ([1] if pullable is not None and len(from_installed) < 3 else [])


def test_suggestions_for_a_typo() -> None:
    assert rules.suggestions("lama3.1:8b", ["llama3.1:8b", "phi3:mini"]) == ("llama3.1:8b",)
    assert rules.suggestions("phi3:mni", [], lambda: ["phi3:mini"]) == ("phi3:mini",)


# show ---------------------------------------------------------------------------------------------


def plan(
    name: str,
    targets: list[HostState],
    *,
    every: list[HostState] | None = None,
    named: bool = False,
) -> ModelDetails | OllmError | rules.ShowFetch:
    return rules.show_plan(
        name, model_key(name), targets, named_host=named, every_host=every or targets
    )


def test_show_without_any_list_is_the_no_data_error() -> None:
    error = HostUnreachable(URLS[0], "connection failed")
    assert plan("phi3:mini", [host(names=None, online=False, error=error)]) is error


def test_show_of_a_missing_model_names_the_host_only_when_asked_for_one() -> None:
    a, b = host(URLS[0], ["llama3.1:8b"]), host(URLS[1], ["phi3:mini"])
    found = plan("phi3:mni", [a], every=[a, b], named=True)
    assert isinstance(found, ModelNotFound)
    assert (found.model, found.host, found.suggestions) == ("phi3:mni", URLS[0], ("phi3:mini",))
    anywhere = plan("lama3.1:8b", [a, b])
    assert isinstance(anywhere, ModelNotFound)
    assert anywhere.host is None
    assert anywhere.suggestions == ("llama3.1:8b",)


def test_show_prefers_an_online_holder_and_asks_it() -> None:
    offline = host(URLS[0], ["phi3:mini"], online=False, confirmed=False, probe=True)
    online = host(URLS[1], ["phi3:mini"])
    assert plan("PHI3:MINI", [offline, online]) == rules.ShowFetch(
        online, "phi3:mini", listed("phi3:mini").digest
    )


def test_show_answers_known_facts_relabelled_for_the_holder() -> None:
    other = host(URLS[1], ["llama3.1:8b"])
    other.shown[listed("llama3.1:8b").digest] = details("llama3.1:8b", URLS[1])
    holder = host(URLS[0], ["llama3.1:8b"], online=False, confirmed=False, probe=True)
    got = plan("llama3.1:8b", [holder], every=[holder, other])
    assert got == msgspec.structs.replace(details("llama3.1:8b", URLS[1]), host=URLS[0], stale=True)


def test_show_of_unknown_facts_on_a_host_known_offline_fails_at_once() -> None:
    error = HostUnreachable(URLS[0], "connection failed")
    state = host(names=["phi3:mini"], online=False, confirmed=False, probe=True, error=error)
    assert plan("phi3:mini", [state]) is error
    state.error = None
    fallback = plan("phi3:mini", [state])
    assert isinstance(fallback, HostUnreachable)
    assert (fallback.host, fallback.reason) == (URLS[0], "offline")


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
