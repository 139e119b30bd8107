"""The one clock: wall time derived from the injected monotonic reading."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.vocab.clock import Clock


class Hand:
    def __init__(self) -> None:
        self.value = 50.0

    def __call__(self) -> float:
        return self.value


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_wall_time_moves_with_the_injected_clock(step: float) -> None:
    hand = Hand()
    clock = Clock(hand, wall_at_start=1_700_000_000.0)
    assert clock.wall() == 1_700_000_000.0
    hand.value += step
    assert abs(clock.wall() - (1_700_000_000.0 + step)) < 1e-6
    assert clock.now() == hand.value


def test_rfc3339_is_utc_whole_seconds() -> None:
    clock = Clock(Hand(), wall_at_start=0.0)
    assert clock.rfc3339() == "1970-01-01T00:00:00Z"
