from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.downloads.progress import ProgressTracker, phase_of

D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64


def test_phases_follow_the_stream() -> None:
    assert phase_of("pulling manifest") == "manifest"
    assert phase_of("pulling dde5aa3fc5ff") == "downloading"
    assert phase_of("verifying sha256 digest") == "verifying"
    assert phase_of("writing manifest") == "writing"
    assert phase_of("removing unused layers") == "writing"
    assert phase_of("removing any unused layers") == "writing"
    assert phase_of("success") == "success"
    assert phase_of("something new") is None


def test_aggregates_layers_rate_and_eta() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling manifest", None, None, None, now=0.0)
    t.feed("pulling aaaa", D1, 1000, None, now=0.0)
    t.feed("pulling aaaa", D1, 1000, 500, now=1.0)
    snap = t.snapshot()
    assert (snap.phase, snap.completed, snap.total, snap.layers) == ("downloading", 500, 1000, 1)
    assert snap.rate == 500.0
    assert snap.eta == 1.0
    t.feed("pulling aaaa", D1, 1000, 1000, now=2.0)
    t.feed("pulling bbbb", D2, 10, 10, now=2.05)
    snap = t.snapshot()
    assert (snap.completed, snap.total, snap.layers_done) == (1010, 1010, 2)
    assert snap.fraction == 1.0
    t.feed("verifying sha256 digest", None, None, None, now=2.1)
    t.feed("success", None, None, None, now=2.2)
    assert t.snapshot().phase == "success"
    assert t.snapshot().eta == 0.0


def test_retry_never_goes_backwards() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling aaaa", D1, 1000, 600, now=1.0)
    t.retrying()
    t.feed("pulling manifest", None, None, None, now=1.5)
    t.feed("pulling aaaa", D1, 1000, 550, now=2.0)  # resumed a little behind
    snap = t.snapshot()
    assert snap.completed == 600
    assert snap.phase == "downloading"
    assert snap.attempt == 2


lines = st.lists(
    st.tuples(
        st.sampled_from([D1, D2]),
        st.integers(min_value=1, max_value=10_000),
        st.integers(min_value=0, max_value=20_000),
    ),
    max_size=50,
)


@given(lines)
def test_completed_is_monotonic_and_bounded(items: list[tuple[str, int, int]]) -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    totals: dict[str, int] = {}
    last = 0
    for i, (digest, total, done) in enumerate(items):
        total = totals.setdefault(digest, total)
        t.feed("pulling x", digest, total, done, now=float(i))
        snap = t.snapshot()
        assert snap.completed >= last
        assert snap.completed <= snap.total
        last = snap.completed
