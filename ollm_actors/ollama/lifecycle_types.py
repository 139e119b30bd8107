"""msgspec types of the lifecycle endpoints (copy, create, push, load/unload) and ``keep_alive``.

Requests use ``omit_defaults=True`` so only what the caller chose goes on the wire; ``stream``
has no default so it is always sent. A create or push stream's lines are Ollama's
``ProgressResponse``, the same shape as a pull's, so :data:`ProgressLine` is
:class:`~ollm_actors.ollama.types.PullLine`.
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec

from ollm_actors.errors import SettingsError, SettingsProblem
from ollm_actors.ollama.types import PullLine

__all__ = (
    "CopyRequest",
    "CreateRequest",
    "GenerateRequest",
    "KeepAlive",
    "LoadAnswer",
    "ProgressLine",
    "PushRequest",
    "check_keep_alive",
    "load_answer_decoder",
)

#: One line of a create or push stream (``status``, ``digest``, ``total``, ``completed``).
ProgressLine = PullLine

#: ``keep_alive`` as sent: seconds (negative: keep loaded forever, 0: unload) or a Go duration.
KeepAlive = int | float | str

# Go's time.ParseDuration grammar: a signed sequence of <number><unit>, or a bare 0.
_DURATION = re.compile(r"[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)")
_EXPECTED = "a duration like 30m, 1h2m3s or -1m (forever), or a number of seconds"


class CopyRequest(msgspec.Struct, frozen=True):
    """``POST /api/copy`` body; success is HTTP 200 with an empty body."""

    source: str
    destination: str


class CreateRequest(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """``POST /api/create`` body for a model derived from ``from``."""

    model: str
    from_: str = msgspec.field(name="from")
    stream: bool
    parameters: dict[str, Any] | None = None
    system: str | None = None
    template: str | None = None


class PushRequest(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """``POST /api/push`` body."""

    model: str
    stream: bool
    insecure: bool = False


class GenerateRequest(msgspec.Struct, frozen=True, omit_defaults=True, kw_only=True):
    """``POST /api/generate`` with no prompt: loads the model, or unloads it (keep_alive 0)."""

    model: str
    stream: bool
    keep_alive: KeepAlive | None = None


class LoadAnswer(msgspec.Struct, frozen=True, gc=False):
    """The answer to a load or unload: ``done_reason`` is ``load`` or ``unload`` (older servers
    may leave it empty)."""

    model: str = ""
    created_at: str | None = None
    done: bool = False
    done_reason: str = ""


load_answer_decoder = msgspec.json.Decoder(LoadAnswer)


def check_keep_alive(value: object, *, path: str = "keep_alive") -> KeepAlive | None:
    """``value`` as it may be sent as ``keep_alive``: None (the server's default), seconds, or
    a Go duration string (checked here, as the server would, before any request).

    Raises SettingsError naming ``path`` for anything else (``"-1"`` lacks its unit: Go
    rejects it; ``-1`` the number means forever).
    """
    if value is None:
        return None
    if isinstance(value, str):
        if _DURATION.fullmatch(value.strip()):
            return value.strip()
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    raise SettingsError([SettingsProblem(path, "argument", _EXPECTED, repr(value))])
