"""Text from a server or a file, made safe to print on a terminal.

A model name, a licence or an error body is written by whoever runs the server (or wrote
the file); printed as is, its control characters drive the terminal: ``ESC ] 0 ; ... BEL``
retitles the window, ``ESC ] 52 ; ...`` fills the clipboard, ``ESC [ 2 J`` clears the
screen, a carriage return overwrites the line before it. :func:`safe_text` removes:

* C0 controls (U+0000-U+001F) except newline and tab, and DEL (U+007F);
* C1 controls (U+0080-U+009F), which some terminals obey as the 8-bit forms of ``ESC x``;
* whole escape sequences, so that no parameter bytes are left behind as litter:

  - CSI: ``ESC [`` or U+009B, parameter and intermediate bytes (U+0020-U+003F), then one
    final byte (U+0040-U+007E) if there is one;
  - strings: ``ESC ]`` (OSC), ``ESC P`` (DCS), ``ESC X`` (SOS), ``ESC ^`` (PM), ``ESC _``
    (APC) or their 8-bit forms (U+009D, U+0090, U+0098, U+009E, U+009F), everything up to
    BEL, ``ESC \\`` or U+009C, and that terminator if there is one (a string without one
    runs to the end, as a terminal would swallow it); an ESC that is not ``ESC \\`` ends
    the string and starts a sequence of its own;
  - any other ``ESC``: intermediate bytes (U+0020-U+002F), then one final byte
    (U+0030-U+007E) if there is one.

:func:`safe_line` does the same and also turns each newline and tab into a space, for a
table cell or a one-line message. Both are pure and idempotent, and return their argument
itself when it holds no control character (the common case costs one regex scan).
"""

from __future__ import annotations

import re

__all__ = ("safe_line", "safe_text")

# What each function must act on, found in one scan; most texts have none of it.
_UNSAFE_CHAR = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_UNSAFE_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_UNSAFE = re.compile(
    r"(?:\x1b\[|\x9b)[\x20-\x3f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
_LINE_BREAKS = str.maketrans("\n\t", "  ")


def safe_text(text: str) -> str:
    """``text`` without control characters and escape sequences (newlines and tabs kept)."""
    if _UNSAFE_CHAR.search(text) is None:
        return text
    return _UNSAFE.sub("", text)


def safe_line(text: str) -> str:
    """:func:`safe_text` on one line: newlines and tabs become spaces too."""
    if _UNSAFE_IN_LINE.search(text) is None:
        return text
    return _UNSAFE.sub("", text).translate(_LINE_BREAKS)
