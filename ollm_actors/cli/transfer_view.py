"""The progress view of ``push``, ``create`` and ``update``: the pull view
(:func:`~ollm_actors.cli.pull_cmd.choose_view`, its ``show(name, event)``/``close()``
protocol) behind a thin adapter, so a new pull renderer serves these verbs by itself.

The adapter only words the end of a transfer for its verb (``pushed``, ``created``): the
pull view would say ``pulled``. With ``--json`` every event goes through unchanged (NDJSON).
"""

from __future__ import annotations

import sys

from ollm_actors.vocab.pull_events import PullEvent
from ollm_actors.vocab.safe_text import safe_line

__all__ = ("TransferView",)

_DONE = {"push": "pushed", "create": "created", "pull": "pulled"}


class TransferView:
    """``show``/``close`` like the pull view's; terminal events of a non-pull verb are
    worded here (one line on stderr), every other event is the pull view's to draw."""

    def __init__(self, operation: str, *, json: bool) -> None:
        from ollm_actors.cli.pull_cmd import choose_view

        self._operation = operation
        self._json = json
        self._inner = choose_view(json=json)

    def show(self, name: str, event: PullEvent) -> None:
        if self._json or not event.terminal or self._operation == "pull":
            self._inner.show(name, event)
            return
        if event.event == "done":
            self._line(f"{_DONE.get(self._operation, self._operation)} '{event.model}' "
                       f"on {event.host}")
        elif event.event == "cancelled":
            self._line(f"cancelled {self._operation} of '{event.model}' on {event.host}")

    def close(self) -> None:
        self._inner.close()

    @staticmethod
    def _line(text: str) -> None:
        sys.stderr.write(safe_line(text) + "\n")
        sys.stderr.flush()
