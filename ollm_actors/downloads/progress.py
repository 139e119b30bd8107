"""Aggregating a pull's per-layer progress lines into one figure, with rate and ETA.

Pure and synchronous: the pull task feeds lines in, the actor publishes snapshots. The
overall figure never goes backwards, also across a retry whose re-pull restarts a layer at the
bytes Ollama had kept (each layer counts the most it has ever reported).
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ("DEFAULT_MAX_LAYERS", "PHASES", "Phase", "ProgressTracker", "PullProgress", "phase_of")

#: distinct layer digests one pull may announce; real models have a handful, so a server
#: naming more is broken or hostile (each digest costs memory in the tracker)
DEFAULT_MAX_LAYERS = 1000

Phase = Literal["queued", "manifest", "downloading", "verifying", "writing", "success"]
PHASES: tuple[Phase, ...] = ("queued", "manifest", "downloading", "verifying", "writing", "success")


class PullProgress(msgspec.Struct, frozen=True, kw_only=True):
    """A snapshot of one pull: bytes over every layer seen so far, phase, rate and ETA."""

    model: str
    host: str
    phase: Phase
    status: str
    completed: int
    total: int
    layers: int
    layers_done: int
    rate: float | None  # bytes per second, smoothed
    eta: float | None  # seconds left at the current rate
    attempt: int = 1

    @property
    def fraction(self) -> float:
        """Completed share of the bytes known so far (0.0 when nothing is known)."""
        return self.completed / self.total if self.total else 0.0


def phase_of(status: str) -> Phase | None:
    """The phase a status line of Ollama's pull stream announces, or None if it names none.

    Unknown statuses are informational (Ollama adds new ones over time).
    """
    if status == "pulling manifest":
        return "manifest"
    if status.startswith(("pulling ", "downloading ")):
        return "downloading"
    if status.startswith("verifying"):
        return "verifying"
    if status.startswith(("writing", "removing")):
        return "writing"
    if status == "success":
        return "success"
    return None


class ProgressTracker:
    """Folds pull lines into :class:`PullProgress` snapshots.

    ``half_life`` is the time in seconds over which the rate's exponential smoothing forgets
    half of its past. Times are given by the caller (an injected clock), so tests need no real
    waiting. At most ``max_layers`` distinct digests are kept: lines of further ones are
    ignored and set :attr:`overflowed`, which the pull turns into a failure.
    """

    __slots__ = (
        "_completed",
        "_half_life",
        "_last_bytes",
        "_last_time",
        "_layers",
        "_layers_done",
        "_max_layers",
        "_rate",
        "_total",
        "attempt",
        "host",
        "model",
        "overflowed",
        "phase",
        "status",
    )

    def __init__(
        self,
        model: str,
        host: str,
        *,
        now: float,
        half_life: float = 2.0,
        max_layers: int = DEFAULT_MAX_LAYERS,
    ) -> None:
        if max_layers < 1:
            raise ValueError(f"max_layers must be at least 1, got {max_layers}")
        self.model = model
        self.host = host
        self.phase: Phase = "queued"
        self.status = "queued"
        self.attempt = 1
        self.overflowed = False
        self._max_layers = max_layers
        self._layers: dict[str, tuple[int, int]] = {}  # digest -> (completed, total)
        # Kept up to date by feed(), so a snapshot costs the same for 1 layer as for 1,000.
        self._completed = 0
        self._total = 0
        self._layers_done = 0
        self._half_life = half_life
        self._rate: float | None = None
        self._last_time = now
        self._last_bytes = 0

    def feed(
        self,
        status: str,
        digest: str | None,
        total: int | None,
        completed: int | None,
        *,
        now: float,
    ) -> None:
        """Take one line of the pull stream into account."""
        phase = phase_of(status)
        # The phase only moves forward; a retry's second "pulling manifest" is not a regress.
        if phase is not None and PHASES.index(phase) > PHASES.index(self.phase):
            self.phase = phase
        self.status = status
        if digest and total:
            known = self._layers.get(digest)
            if known is None:
                if len(self._layers) >= self._max_layers:
                    self.overflowed = True
                    return
                done, old_total, was_done = 0, 0, False
            else:
                done, old_total = known
                was_done = done >= old_total
            new_done = max(done, min(completed or 0, total))
            self._completed += new_done - done
            self._total += total - old_total
            self._layers_done += (new_done >= total) - was_done
            self._layers[digest] = (new_done, total)
        self._update_rate(now)

    @property
    def completed(self) -> int:
        """Bytes counted over every layer so far (never goes backwards)."""
        return self._completed

    def retrying(self) -> None:
        """A new attempt starts (the bytes already counted stay counted)."""
        self.attempt += 1

    def _update_rate(self, now: float) -> None:
        elapsed = now - self._last_time
        if elapsed <= 0:
            return
        # Sample at most ten times a second: per-line instant rates are noise.
        if elapsed < 0.1 and self._rate is not None:
            return
        instant = (self._completed - self._last_bytes) / elapsed
        if self._rate is None:
            self._rate = instant
        else:
            keep = 0.5 ** (elapsed / self._half_life)
            self._rate = keep * self._rate + (1.0 - keep) * instant
        self._last_time = now
        self._last_bytes = self._completed

    def snapshot(self) -> PullProgress:
        total = self._total
        rate = self._rate if self._rate and self._rate > 0 else None
        left = total - self._completed
        eta = (left / rate) if rate and self.phase == "downloading" else None
        if self.phase in ("verifying", "writing", "success"):
            eta = 0.0
        return PullProgress(
            model=self.model,
            host=self.host,
            phase=self.phase,
            status=self.status,
            completed=self._completed,
            total=total,
            layers=len(self._layers),
            layers_done=self._layers_done,
            rate=rate,
            eta=eta,
            attempt=self.attempt,
        )
