"""Exit codes of `ollm`: 0 success, 1 a failure, 2 bad input (usage, names, settings, data),
130 cancelled (Ctrl-C, or a pull, push or update cancelled). The errors themselves know
nothing of them."""

from __future__ import annotations

from collections.abc import Iterable

from ollm_actors.errors import INPUT_ERRORS, OllmError, OperationCancelled, PullCancelled

__all__ = ("BAD_INPUT", "CANCELLED", "FAILURE", "exit_code", "exit_code_of_many")

FAILURE = 1
BAD_INPUT = 2
CANCELLED = 130

def exit_code(error: OllmError) -> int:
    """The exit code a command ends with when ``error`` ends it."""
    if isinstance(error, PullCancelled | OperationCancelled):
        return CANCELLED
    if isinstance(error, INPUT_ERRORS):
        return BAD_INPUT
    return FAILURE


def exit_code_of_many(errors: Iterable[OllmError]) -> int:
    """The exit code of a command that ran several operations (``ollm pull A B``): 0 when
    none failed; 130 when any was cancelled; one kind of failure keeps its own code (2 for
    bad names); a mix of kinds is a failed run (1)."""
    codes = {exit_code(error) for error in errors}
    if not codes:
        return 0
    if CANCELLED in codes:
        return CANCELLED
    return codes.pop() if len(codes) == 1 else FAILURE
