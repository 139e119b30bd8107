"""Pending fetches and joins, synchronously: every step runs once, after what it waits for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.errors import HostUnreachable
from ollm_actors.inventory.pending import PendingFetch, after_all, answer_after


class Answer:
    """A reply stand-in that records how it was answered."""

    def __init__(self) -> None:
        self.sent: list[object] = []
        self.failed: list[BaseException] = []

    def send(self, value: object, /) -> bool:
        self.sent.append(value)
        return True

    def fail(self, error: BaseException, /) -> bool:
        self.failed.append(error)
        return True


def test_steps_run_in_order_when_settled_and_at_once_after() -> None:
    fetch = PendingFetch()
    ran: list[str] = []
    fetch.then(lambda: ran.append("a"))
    fetch.then(lambda: ran.append("b"))
    assert ran == [] and not fetch.settled
    error = HostUnreachable("http://h:1", "gone")
    fetch.settle(error)
    assert ran == ["a", "b"]
    assert fetch.settled and fetch.error is error
    fetch.then(lambda: ran.append("c"))
    assert ran == ["a", "b", "c"]


def test_a_fetch_settles_only_once() -> None:
    fetch = PendingFetch()
    fetch.settle()
    with pytest.raises(RuntimeError):
        fetch.settle()
    assert fetch.error is None


def test_nothing_to_wait_for_runs_the_step_at_once() -> None:
    ran: list[int] = []
    after_all([], lambda: ran.append(1))
    assert ran == [1]


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(st.just(n), st.permutations(range(n)), st.lists(st.integers(0, n - 1)))
    )
)
def test_a_join_runs_once_when_the_last_fetch_settles(
    case: tuple[int, list[int], list[int]],
) -> None:
    count, order, repeats = case
    fetches = [PendingFetch() for _ in range(count)]
    # The same fetch may be waited for more than once (two targets, one request).
    waited = fetches + [fetches[i] for i in repeats]
    ran: list[int] = []
    after_all(waited, lambda: ran.append(1))
    for settled, index in enumerate(order, start=1):
        assert ran == []
        fetches[index].settle()
        if settled < count:
            assert ran == []
    assert ran == [1]


def test_answer_after_sends_the_value_or_fails_with_its_ollm_error() -> None:
    fetch = PendingFetch()
    good, bad = Answer(), Answer()
    error = HostUnreachable("http://h:1", "no answer yet")

    def raising() -> int:
        raise error

    answer_after([fetch], good, lambda: 42)
    answer_after([fetch], bad, raising)
    assert good.sent == [] and bad.failed == []
    fetch.settle()
    assert (good.sent, good.failed) == ([42], [])
    assert (bad.sent, bad.failed) == ([], [error])


def test_answer_after_lets_a_bug_escape() -> None:
    def buggy() -> int:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        answer_after([], Answer(), buggy)
