"""Progress aggregation of a pull: phases, bytes over layers, rate and ETA (no waiting)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.downloads.progress import ProgressTracker, PullProgress, phase_of

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


def test_every_status_family_names_its_phase() -> None:
    assert phase_of("downloading sha256:abc") == "downloading"
    assert phase_of("verifying") == "verifying"
    assert phase_of("writing") == "writing"
    assert phase_of("pulling") is None  # not a layer: the word alone names nothing
    assert phase_of("Success") is None
    assert phase_of("") is None


def test_a_new_tracker_is_queued_and_knows_nothing() -> None:
    snap = ProgressTracker("m:latest", "http://h:1", now=5.0).snapshot()
    assert snap == PullProgress(
        model="m:latest",
        host="http://h:1",
        phase="queued",
        status="queued",
        completed=0,
        total=0,
        layers=0,
        layers_done=0,
        rate=None,
        eta=None,
        attempt=1,
    )
    assert snap.fraction == 0.0


def test_the_snapshot_carries_the_last_status_and_the_pull() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling manifest", None, None, None, now=0.0)
    t.feed("something the server says", None, None, None, now=0.0)
    snap = t.snapshot()
    # An unknown status is shown but moves no phase.
    assert (snap.status, snap.phase) == ("something the server says", "manifest")
    assert (snap.model, snap.host) == ("m:latest", "http://h:1")


def test_lines_without_a_digest_or_a_total_count_no_bytes() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling manifest", None, 1000, 1000, now=0.0)
    t.feed("pulling aaaa", D1, None, 500, now=0.0)
    t.feed("pulling aaaa", D1, 0, 0, now=0.0)
    assert (t.snapshot().completed, t.snapshot().total, t.snapshot().layers) == (0, 0, 0)
    # A layer line without a completed count knows the size but nothing done.
    t.feed("pulling aaaa", D1, 1000, None, now=0.0)
    assert (t.snapshot().completed, t.snapshot().total, t.snapshot().layers) == (0, 1000, 1)
    assert t.snapshot().layers_done == 0


def test_the_rate_is_bytes_over_time_smoothed_with_its_half_life() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=10.0)
    t.feed("pulling aaaa", D1, 100_000, 1_000, now=11.0)
    assert t.snapshot().rate == 1000.0  # the first sample is taken as it is
    # After one half-life (2 s by default) the past weighs one half: (1000 + 3000) / 2.
    t.feed("pulling aaaa", D1, 100_000, 7_000, now=13.0)
    assert t.snapshot().rate == 2000.0
    assert t.snapshot().eta == (100_000 - 7_000) / 2000.0
    # After two half-lives, one quarter: 2000 / 4 + 500 * 3 / 4.
    t.feed("pulling aaaa", D1, 100_000, 9_000, now=17.0)
    assert t.snapshot().rate == 875.0


def test_a_custom_half_life() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0, half_life=1.0)
    t.feed("pulling aaaa", D1, 10_000, 1_000, now=1.0)
    t.feed("pulling aaaa", D1, 10_000, 1_000, now=2.0)  # nothing new for one half-life
    assert t.snapshot().rate == 500.0


def test_the_rate_is_sampled_at_most_ten_times_a_second() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling aaaa", D1, 100_000, 200, now=0.1)  # the first sample: taken at once
    assert t.snapshot().rate == 2000.0
    t.feed("pulling aaaa", D1, 100_000, 50_000, now=0.15)  # 0.05 s later: too soon
    assert t.snapshot().rate == 2000.0
    t.feed("pulling aaaa", D1, 100_000, 50_200, now=0.2)  # 0.1 s after the last sample
    assert 0.2 - 0.1 == 0.1
    keep = 0.5 ** (0.1 / 2.0)
    assert t.snapshot().rate == pytest.approx(keep * 2000.0 + (1 - keep) * 500_000.0)
    # A line at the same instant, or from the past, changes nothing.
    before = t.snapshot().rate
    t.feed("pulling aaaa", D1, 100_000, 60_000, now=0.2)
    t.feed("pulling aaaa", D1, 100_000, 60_000, now=0.12)
    assert t.snapshot().rate == before


def test_a_slow_or_stalled_pull_has_a_rate_only_when_bytes_move() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling aaaa", D1, 100, 0, now=1.0)
    snap = t.snapshot()
    assert (snap.rate, snap.eta) == (None, None)  # nothing moved: no rate, no ETA
    slow = ProgressTracker("m:latest", "http://h:1", now=0.0)
    slow.feed("pulling aaaa", D1, 100, 1, now=2.0)
    assert slow.snapshot().rate == 0.5  # half a byte per second is a rate
    assert slow.snapshot().eta == 198.0


@pytest.mark.parametrize(
    ("status", "phase"),
    [
        ("verifying sha256 digest", "verifying"),
        ("writing manifest", "writing"),
        ("success", "success"),
    ],
)
def test_after_the_download_nothing_is_left_to_wait_for(status: str, phase: str) -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling aaaa", D1, 1000, 500, now=1.0)
    t.feed(status, None, None, None, now=2.0)
    snap = t.snapshot()
    assert (snap.phase, snap.eta) == (phase, 0.0)


def test_before_the_download_there_is_no_eta() -> None:
    t = ProgressTracker("m:latest", "http://h:1", now=0.0)
    t.feed("pulling manifest", None, None, None, now=1.0)
    assert t.snapshot().eta is None
