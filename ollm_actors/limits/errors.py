"""Errors of the limits layer."""

from __future__ import annotations

from collections.abc import Sequence

from ollm_actors.errors import OllmError

__all__ = ("LimitsDataError",)


class LimitsDataError(OllmError):
    """A model database or a limits override that is not valid.

    ``source`` names where the data came from (the database file, ``limits.overrides`` or
    ``pattern``); ``problems`` lists every problem found, each naming the entry it is in.
    """

    exit_code = 2
    fact_names = ("source", "problems")

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            text = f"invalid limits data in {source}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            text = f"invalid limits data in {source} ({len(self.problems)} problems):\n{lines}"
        super().__init__(text)
