"""``keep_alive`` as Ollama's server reads it: seconds, or a Go ``time.ParseDuration`` string.

The emulator keeps its own copy of the server's rule (as with names), so the client's
validation is tested against it rather than sharing its mistakes.
"""

from __future__ import annotations

import re

__all__ = ("FOREVER", "DurationError", "keep_alive_seconds", "parse_go_duration")

#: What a negative keep_alive means: never unload.
FOREVER = float("inf")

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # U+00B5 MICRO SIGN
    "μs": 1e-6,  # U+03BC GREEK SMALL LETTER MU
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d*)(\.\d*)?([^\d.]*)")


class DurationError(ValueError):
    """A duration string Go's ``time.ParseDuration`` refuses; the message is Go's."""


def parse_go_duration(text: str) -> float:
    """Seconds in ``text`` (``"30m"``, ``"1h2m3s"``, ``"-1m"``, ``"0"``), as Go parses it.

    Raises :class:`DurationError` with Go's message (``time: missing unit in duration "1"``).
    """
    quoted = f'"{text}"'
    rest = text
    sign = 1.0
    if rest[:1] in ("-", "+"):
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise DurationError(f"time: invalid duration {quoted}")
    total = 0.0
    while rest:
        match = _PART.match(rest)
        assert match is not None  # the pattern matches every string (possibly empty)
        whole, fraction, unit = match.groups()
        if not whole and (fraction is None or fraction == "."):
            raise DurationError(f"time: invalid duration {quoted}")
        if not unit:
            raise DurationError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS:
            raise DurationError(f'time: unknown unit "{unit}" in duration {quoted}')
        total += float((whole or "0") + (fraction or "")) * _UNITS[unit]
        rest = rest[match.end() :]
    return sign * total


def keep_alive_seconds(value: float | str | None, default: float) -> float:
    """How long a model stays loaded after a request: ``default`` when absent, seconds for a
    number, a Go duration for a string; negative means :data:`FOREVER`. Raises DurationError."""
    if value is None:
        return default
    seconds = parse_go_duration(value) if isinstance(value, str) else float(value)
    return FOREVER if seconds < 0 else seconds
