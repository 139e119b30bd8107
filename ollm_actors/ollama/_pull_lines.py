"""The streaming reader of one pull's NDJSON progress lines (``POST /api/pull``).

:class:`PullLines` is re-exported by :mod:`ollm_actors.ollama.client`, whose
``OllamaClient.pull`` is the only maker of one; import it from there.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from ollm_actors.errors import HostUnreachable, OllmError, PullFailed
from ollm_actors.ollama._bounds import DEFAULT_MAX_JSON_DEPTH, MIB
from ollm_actors.ollama._ndjson import ProgressLines, snippet
from ollm_actors.ollama.types import PullLine

__all__ = ("PullLines", "snippet")


class PullLines(ProgressLines):
    """The progress lines of one pull, read incrementally from the HTTP stream.

    ``async for line in lines`` yields :class:`~ollm_actors.ollama.types.PullLine` objects up
    to and including the ``success`` line, then stops. Raises
    :class:`~ollm_actors.errors.PullFailed` on an ``{"error": ...}`` line,
    :class:`~ollm_actors.errors.ProtocolError` on an undecodable line (with its 1-based line
    number; also for a line longer than ``max_line_bytes`` or JSON nested deeper than
    ``max_depth``) and :class:`~ollm_actors.errors.HostUnreachable` when the connection
    drops, stalls beyond the read timeout, or closes before ``success``. Obtain it from
    ``OllamaClient.pull``; the stream is closed when that block exits.
    """

    def __init__(
        self,
        response: httpx.Response,
        model: str,
        host: str,
        translate: Callable[[Exception, str], OllmError],
        *,
        max_line_bytes: int = MIB,
        max_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        super().__init__(
            response,
            "/api/pull",
            host,
            translate,
            lambda text: PullFailed(model, host, reason=text),
            max_line_bytes=max_line_bytes,
            max_depth=max_depth,
        )

    def _accept(self, line: PullLine) -> None:
        # Nothing follows success; stop here rather than wait for the server to hang up.
        if line.status == "success":
            self._stop()

    def _at_end(self) -> None:
        raise HostUnreachable(self._host, "connection closed before the pull finished")
