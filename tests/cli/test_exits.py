"""Exit codes: the CLI's table, as interface.md promises it (0, 1, 2, 130)."""

from __future__ import annotations

import pytest

from ollm_actors.cli.exits import exit_code, exit_code_of_many
from ollm_actors.errors import (
    HostUnreachable,
    InvalidHost,
    InvalidModelName,
    LimitsDataError,
    ModelNotFound,
    OllmError,
    PullCancelled,
    PullFailed,
    SettingsError,
    UnknownCapability,
    UnknownProfile,
)

BAD_NAME = InvalidModelName("a b", "has a space")
CANCELLED = PullCancelled("phi3:mini", "http://h:1")
FAILED = PullFailed("phi3:mini", "http://h:1", "boom")
MISSING = ModelNotFound("x", "http://h:1")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (BAD_NAME, 2),
        (InvalidHost("ftp://x", "not http"), 2),
        (SettingsError([]), 2),
        (LimitsDataError("p", ["bad"]), 2),
        (UnknownProfile("x", ["code"]), 2),
        (UnknownCapability("x", ["tools"]), 2),
        (CANCELLED, 130),
        (FAILED, 1),
        (MISSING, 1),
        (HostUnreachable("http://h:1", "refused"), 1),
    ],
)
def test_each_error_has_its_code(error: OllmError, code: int) -> None:
    assert exit_code(error) == code


@pytest.mark.parametrize(
    ("errors", "code"),
    [
        ([], 0),
        ([CANCELLED], 130),
        ([FAILED, CANCELLED], 130),  # Ctrl-C wins over the failures it interrupted
        ([BAD_NAME, CANCELLED], 130),
        ([BAD_NAME, BAD_NAME], 2),
        ([FAILED, MISSING], 1),
        ([BAD_NAME, FAILED], 1),  # a mix of kinds is a failed run
    ],
)
def test_several_outcomes_give_one_code(errors: list[OllmError], code: int) -> None:
    assert exit_code_of_many(errors) == code
