"""Inventory rules that build answers, synchronously; each oracle restates the rule's own
definition."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.errors import HostUnreachable, ModelNotFound, OllmError
from ollm_actors.inventory import rules
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.types import ModelDetails
from ollm_actors.vocab.names import model_key
from ollm_actors.vocab.pull_events import PullEvent
from ollm_actors.vocab.suggest import close_matches
from tests.inventory.rule_builders import NAMES, URLS, details, host, listed, target_lists

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
