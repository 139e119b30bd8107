"""How answers wait for fetches: one :class:`PendingFetch` per request in flight.

Plain data and callbacks, no event loop: the actor's handlers are the only callers, one at a
time, so nothing here needs a lock or can interleave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from ollm_actors.errors import OllmError

__all__ = ("Answerable", "PendingFetch", "after_all", "answer_after")

Step = Callable[[], None]
R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)


class Answerable(Protocol[R_contra]):
    """The two ways to answer a deferred reply (``ollm_actors.actors.Reply``)."""

    def send(self, value: R_contra, /) -> object: ...

    def fail(self, error: BaseException, /) -> object: ...


class PendingFetch:
    """One fetch in flight and the steps waiting for its outcome.

    The actor creates one when it starts a fetch, keyed by what is fetched (kind, host and,
    for ``/api/show``, digest), and keeps it while the fetch runs; an ask needing the same
    data meanwhile adds its step with :meth:`then` rather than starting another request, so
    concurrent asks share one fetch.

    When the fetch reports, the handler first applies the outcome to the actor's state, drops
    the key, then calls :meth:`settle` (exactly once): that records ``error`` (None on
    success) and runs every step, in the order they were added. A step added after that runs
    at once. Steps must not raise: they answer replies and start nothing that waits.
    """

    __slots__ = ("_steps", "error", "settled")

    def __init__(self) -> None:
        self._steps: list[Step] | None = []
        self.settled = False
        self.error: OllmError | None = None

    def then(self, step: Step) -> None:
        """Run ``step`` once the fetch is settled (now, if it is)."""
        if self._steps is None:
            step()
        else:
            self._steps.append(step)

    def settle(self, error: OllmError | None = None) -> None:
        """Record the outcome and run the waiting steps. Raises RuntimeError the second time."""
        steps = self._steps
        if steps is None:
            raise RuntimeError("a pending fetch is settled only once")
        self._steps = None
        self.settled = True
        self.error = error
        for step in steps:
            step()


def after_all(fetches: Sequence[PendingFetch], step: Step) -> None:
    """Run ``step`` once, when every fetch in ``fetches`` is settled (at once if none waits).

    Each fetch settles once and calls back once, so counting the callbacks down is enough:
    a slow or dead host delays only the answers that include it.
    """
    remaining = len(fetches)
    if remaining == 0:
        step()
        return

    def one_settled() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            step()

    for fetch in fetches:
        fetch.then(one_settled)


def answer_after(
    fetches: Sequence[PendingFetch], reply: Answerable[R], answer: Callable[[], R]
) -> None:
    """Once every fetch in ``fetches`` is settled, answer ``reply`` with ``answer()``, or
    fail it with the ``OllmError`` that ``answer()`` raises (any other error propagates)."""

    def step() -> None:
        try:
            value = answer()
        except OllmError as exc:
            reply.fail(exc)
        else:
            reply.send(value)

    after_all(fetches, step)
