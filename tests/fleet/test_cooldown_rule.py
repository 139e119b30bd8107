"""The cooldown rule (``vocab/cooldown.py``) and its use by the inventory's health rules,
synchronously, with time passed in by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.inventory import health
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.types import HostCooldown, HostCooldownEnded
from ollm_actors.vocab.cooldown import (
    CooldownRule,
    CooldownState,
    after_failure,
    in_cooldown,
    left_cooldown,
)

RULE = CooldownRule(failures=3, window=60.0, duration=30.0)
URL = "http://a:11434"


def test_three_failures_within_the_window_start_a_cooldown_of_its_duration() -> None:
    state = CooldownState()
    state = after_failure(RULE, state, 100.0, "x")
    state = after_failure(RULE, state, 110.0, "x")
    assert not in_cooldown(state, 110.0)
    state = after_failure(RULE, state, 159.0, "HTTP 500")
    assert (state.until, state.reason, state.failed_at) == (189.0, "HTTP 500", ())
    assert in_cooldown(state, 188.9)
    assert not in_cooldown(state, 189.0)


def test_failures_older_than_the_window_are_forgotten() -> None:
    state = CooldownState()
    for now in (100.0, 110.0, 160.0):  # 100 is 60 s before 160: out of the window
        state = after_failure(RULE, state, now, "x")
    assert state.until is None
    assert state.failed_at == (110.0, 160.0)


def test_a_failure_during_a_cooldown_does_not_extend_it_and_the_end_is_cleared() -> None:
    state = CooldownState(until=130.0, reason="x")
    assert after_failure(RULE, state, 120.0, "y") is state
    assert left_cooldown(state, 129.0) is None
    assert left_cooldown(state, 130.0) == CooldownState()
    assert left_cooldown(CooldownState(), 1e9) is None


def test_failures_zero_turns_cooldowns_off() -> None:
    off = CooldownRule(failures=0)
    state = CooldownState()
    for now in range(10):
        state = after_failure(off, state, float(now), "x")
    assert state == CooldownState()


@given(
    st.lists(st.floats(0, 500, allow_nan=False), max_size=12).map(sorted),
    st.integers(1, 4),
    st.floats(1, 100),
    st.floats(1, 100),
)
def test_a_cooldown_starts_exactly_when_the_count_within_the_window_reaches_failures(
    times: list[float], failures: int, window: float, duration: float
) -> None:
    rule = CooldownRule(failures=failures, window=window, duration=duration)
    state = CooldownState()
    counted: list[float] = []  # the oracle: failures since the last cooldown, outside one
    until: float | None = None
    for now in times:
        state = after_failure(rule, state, now, "x")
        if until is not None and now < until:
            assert state.until == until
            continue
        counted = [t for t in counted if now - t < window] + [now]
        if len(counted) >= failures:
            until, counted = now + duration, []
        assert state.until == until
        assert list(state.failed_at) == counted


def test_the_health_rules_announce_a_cooldown_once_and_its_end_once() -> None:
    host = HostState(URL)
    assert health.note_failure(host, RULE, now=10.0, wall=1000.0, reason="a") == []
    assert health.note_failure(host, RULE, now=11.0, wall=1001.0, reason="b") == []
    news = health.note_failure(host, RULE, now=12.0, wall=1002.0, reason="c")
    cooldown = HostCooldown(
        host=URL, until="1970-01-01T00:17:12Z", failures=3, window=60.0, reason="c"
    )
    assert news == [health.HealthNews("host.cooldown", cooldown)]
    assert health.note_failure(host, RULE, now=13.0, wall=1003.0, reason="d") == []
    assert health.cooling(host, 41.9)
    status = host.status(now=20.0, wall=1010.0)
    assert (status.cooldown_until, status.cooldown_reason) == ("1970-01-01T00:17:12Z", "c")
    assert health.cooldown_over(host, 41.9) == []
    ended = [health.HealthNews("host.cooldown_ended", HostCooldownEnded(host=URL))]
    assert health.cooldown_over(host, 42.0) == ended
    assert health.cooldown_over(host, 43.0) == []
    assert host.status(now=43.0, wall=1033.0).cooldown_until is None


def test_what_counts_as_a_failure_for_the_cooldown() -> None:
    from ollm_actors.errors import HostUnreachable, ModelNotFound, ProtocolError, ServerError

    down = HostUnreachable(URL, "connection failed")
    status = ServerError(URL, "/api/tags", 500, "")
    assert health.counts_for_cooldown(down, "tags", was_offline=False)
    assert not health.counts_for_cooldown(down, "version", was_offline=True)
    assert health.counts_for_cooldown(status, "tags", was_offline=False)
    assert not health.counts_for_cooldown(
        ServerError(URL, "/api/show", 500, ""), "show", was_offline=False
    )
    assert health.counts_for_cooldown(ProtocolError(URL, "/api/ps", "garbage"), "ps",
                                      was_offline=False)
    assert not health.counts_for_cooldown(ModelNotFound("x", URL), "show", was_offline=False)
