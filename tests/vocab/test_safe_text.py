"""safe_text / safe_line against a reference written from the definition: a character-by-
character walk over named character classes, sharing nothing with the regex it checks."""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from ollm_actors.vocab.safe_text import safe_line, safe_text

ESC, BEL, ST8, CSI8 = "\x1b", "\x07", "\x9c", "\x9b"
STRING_INTRODUCERS_7 = set("]PX^_")  # after ESC: OSC, DCS, SOS, PM, APC
STRING_INTRODUCERS_8 = {"\x9d", "\x90", "\x98", "\x9e", "\x9f"}


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F


def _in(ch: str, low: int, high: int) -> bool:
    return low <= ord(ch) <= high


def reference(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        if (ch == ESC and nxt == "[") or ch == CSI8:
            i += 2 if ch == ESC else 1
            while i < n and _in(text[i], 0x20, 0x3F):
                i += 1
            if i < n and _in(text[i], 0x40, 0x7E):
                i += 1
        elif (ch == ESC and nxt in STRING_INTRODUCERS_7) or ch in STRING_INTRODUCERS_8:
            i += 2 if ch == ESC else 1
            while i < n and text[i] not in (BEL, ESC, ST8):
                i += 1
            if i < n and text[i] in (BEL, ST8):
                i += 1
            elif text[i : i + 2] == ESC + "\\":
                i += 2
        elif ch == ESC:
            i += 1
            while i < n and _in(text[i], 0x20, 0x2F):
                i += 1
            if i < n and _in(text[i], 0x30, 0x7E):
                i += 1
        elif _is_control(ch) and ch not in "\n\t":
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# Pieces that make sequences likely (and broken ones too), mixed with arbitrary text.
_PIECES = st.sampled_from(
    [ESC, "[", "]", "\\", BEL, ST8, CSI8, "\x9d", "\x90", "P", "_", "^", "X", "(", " ", "!",
     "0", "2", "52", ";", "?", "J", "m", "c", "~", "B", "\n", "\t", "\r", "\x00", "\x7f",
     "\x85", "é", "名", "\U0001f600", "llama3.1:8b", "\x1b]0;pwned\x07", "\x1b[2J",
     "\x1b]52;c;aGk=\x1b\\", "\x1b[31m", "\x1bc", "\x1b(B"]
)
_TEXTS = st.lists(_PIECES | st.text(max_size=4), max_size=16).map("".join)


def _has_forbidden(text: str) -> bool:
    return any(_is_control(ch) and ch not in "\n\t" for ch in text)


@given(_TEXTS)
def test_safe_text_is_the_definition(text: str) -> None:
    event("had controls" if _has_forbidden(text) else "plain")
    cleaned = safe_text(text)
    assert cleaned == reference(text)
    assert not _has_forbidden(cleaned)
    assert safe_text(cleaned) == cleaned


@given(_TEXTS)
def test_safe_line_is_one_line_of_the_same(text: str) -> None:
    line = safe_line(text)
    assert line == reference(text).replace("\n", " ").replace("\t", " ")
    assert not any(_is_control(ch) for ch in line)


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc",))))
def test_text_without_controls_comes_back_itself(text: str) -> None:
    assert safe_text(text) is text
    assert safe_line(text) is text


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc",), include_characters="\n\t")))
def test_lines_and_tabs_alone_need_no_work_from_safe_text(text: str) -> None:
    assert safe_text(text) is text


def test_the_attacks_of_the_issue() -> None:
    assert safe_text("a\x1b]0;owned\x07b") == "ab"  # window title
    assert safe_text("a\x1b]52;c;ZWNobyBoaQ==\x1b\\b") == "ab"  # clipboard
    assert safe_text("a\x1b[2Jb\x1b[Hc") == "abc"  # clear screen, cursor home
    assert safe_text("a\x9b2Jb\x9d0;t\x9cc") == "abc"  # 8-bit CSI and OSC
    assert safe_text("ok\rfake\n\tnext") == "okfake\n\tnext"
    assert safe_line("one\ntwo\tthree") == "one two three"
    assert safe_text("unterminated \x1b]0;title") == "unterminated "
