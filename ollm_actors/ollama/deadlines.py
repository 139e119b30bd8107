"""The deadlines of one request to a host, and how httpx is told them.

A request has two phases with different bounds. Until the answer's head arrives, the
``connect`` and ``first_byte`` deadlines apply: both short, so a host that refuses, is gone
or accepts but never answers (hung) fails in seconds. Once the head is in, reading the body
may pause for up to ``stall`` seconds between two reads (a pull streams for hours, with
pauses while the registry is slow). An answer that is not streamed is also bounded as a
whole by ``request`` (the caller's ``anyio.fail_after``), so a host that trickles its body
cannot hold the asker longer.

httpx bounds each read with the ``read`` value of the request's ``timeout`` extension, and
httpcore looks it up once for the head and again when the body is first read; so the
extension is set to the head bounds when the request is built and switched to the body
bounds (:func:`enter_body`) once :meth:`httpx.AsyncClient.send` has returned the head.
``tests/fleet/test_hosts_deadlines.py`` holds both phases to their bounds.
"""

from __future__ import annotations

import httpx
import msgspec

__all__ = ("DEFAULT_DEADLINES", "Deadlines", "enter_body")


class Deadlines(msgspec.Struct, frozen=True, kw_only=True):
    """Seconds: to connect, to the answer's head, between two body reads, for a whole
    non-streamed answer (the settings' ``providers.ollama.timeouts``)."""

    connect: float = 2.5
    first_byte: float = 2.5
    stall: float = 30.0
    request: float = 10.0

    def __post_init__(self) -> None:
        if min(self.connect, self.first_byte, self.stall, self.request) <= 0:
            raise ValueError("deadlines must be positive")

    @property
    def head(self) -> httpx.Timeout:
        """httpx's timeouts until the head of the answer has arrived."""
        return httpx.Timeout(
            connect=self.connect, read=self.first_byte, write=self.stall, pool=self.connect
        )

    @property
    def body(self) -> httpx.Timeout:
        """httpx's timeouts while the body is read."""
        return httpx.Timeout(
            connect=self.connect, read=self.stall, write=self.stall, pool=self.connect
        )


DEFAULT_DEADLINES = Deadlines()


def enter_body(request: httpx.Request, deadlines: Deadlines) -> None:
    """Switch ``request`` (whose head has arrived) to the body's read bound."""
    request.extensions["timeout"] = deadlines.body.as_dict()
