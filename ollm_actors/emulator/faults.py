"""Faults a test can inject into the emulator, one request at a time."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ("STREAM_FAULTS", "Fault", "FaultKind")

FaultKind = Literal["drop", "error_line", "garbage_line", "http_500", "stall", "delay", "hang"]

#: Kinds that act at a line position of a streamed answer (``after_lines``).
STREAM_FAULTS: frozenset[str] = frozenset({"drop", "error_line", "garbage_line", "stall"})


class Fault(msgspec.Struct, frozen=True, kw_only=True):
    """One way to misbehave on requests to ``path``.

    * ``drop``: close the TCP connection abruptly after ``after_lines`` stream lines.
    * ``error_line``: after ``after_lines`` lines send ``{"error": message}`` (HTTP 200), end.
    * ``garbage_line``: after ``after_lines`` lines send one undecodable line, then go on.
    * ``http_500``: answer with HTTP 500 ``{"error": message}``.
    * ``stall``: after ``after_lines`` lines send nothing more, keeping the connection open
      until the client or the emulator closes it.
    * ``delay``: wait ``seconds`` before answering.
    * ``hang``: read the request, then answer nothing at all (not even a status line), keeping
      the connection open until the client or the emulator closes it: a hung host. With
      ``path="*"`` and ``times=-1`` every request hangs, ``GET /`` and streams included.

    For an answer that is not streamed the whole body counts as one line, and a line fault acts
    in place of that body (``after_lines`` is ignored). ``path="*"`` matches every path.
    ``times`` is how many matching requests the fault hits before it is spent; ``-1`` never
    spends it.
    """

    kind: FaultKind
    path: str = "/api/pull"
    after_lines: int = 0
    times: int = 1
    message: str = "emulated fault"
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.after_lines < 0:
            raise ValueError("after_lines must be >= 0")
        if self.times == 0 or self.times < -1:
            raise ValueError("times must be a positive count or -1 (forever)")
        if self.seconds < 0:
            raise ValueError("seconds must be >= 0")

    def matches(self, path: str) -> bool:
        """Whether this fault applies to a request for ``path``."""
        return self.path in ("*", path)
