"""The streaming reader of a create's or a push's NDJSON status lines.

Like :class:`~ollm_actors.ollama._pull_lines.PullLines` (the same reader, bounds and error
translation) but for streams that may carry more than one ``success``: a create whose base
must be pulled first streams that pull, its ``success`` included, before its own lines. So the
stream is read to its end, and it succeeded when its last line was ``success``.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ollm_actors.errors import HostUnreachable, OllmError
from ollm_actors.ollama._bounds import MIB
from ollm_actors.ollama._ndjson import ProgressLines
from ollm_actors.ollama.types import PullLine

__all__ = ("ErrorLine", "StatusLines")

#: Makes the error for an ``{"error": text}`` line, given the status line before it ("" if none).
ErrorLine = Callable[[str, str], OllmError]


class StatusLines(ProgressLines):
    """The status lines of one create or push, read incrementally from the HTTP stream.

    ``async for line in lines`` yields :data:`~ollm_actors.ollama.lifecycle_types.ProgressLine`
    objects up to the end of the stream. Raises ``error_line(text, previous_status)`` on an
    ``{"error": ...}`` line, :class:`~ollm_actors.errors.ProtocolError` on an undecodable line
    (with its 1-based number; also for a line longer than ``max_line_bytes`` or JSON nested
    deeper than ``max_depth``) and :class:`~ollm_actors.errors.HostUnreachable` when the
    connection drops, stalls beyond the read timeout, or ends without ``success`` last.
    """

    line_word = "status line"

    def __init__(
        self,
        response: httpx.Response,
        endpoint: str,
        host: str,
        translate: Callable[[Exception, str], OllmError],
        error_line: ErrorLine,
        *,
        max_line_bytes: int = MIB,
        max_depth: int = 64,
    ) -> None:
        self._last_status = ""
        super().__init__(
            response,
            endpoint,
            host,
            translate,
            lambda text: error_line(text, self._last_status),
            max_line_bytes=max_line_bytes,
            max_depth=max_depth,
        )

    def _accept(self, line: PullLine) -> None:
        self._last_status = line.status

    def _at_end(self) -> None:
        if self._last_status != "success":
            raise HostUnreachable(
                self._host, f"connection closed before {self._endpoint} finished"
            )
