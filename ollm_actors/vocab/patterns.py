"""Glob patterns over normalised model names, their specificity, and a fast matcher.

Patterns use the shell glob syntax of :mod:`fnmatch`: ``*`` (any run of characters, also
empty), ``?`` (one character), ``[abc]`` / ``[a-z]`` (one character of a set) and ``[!abc]``
(one character not in the set). They are matched case-insensitively against the whole of a
normalised name ``model:tag`` (see :func:`ollm_actors.vocab.names.parse_model_name`).

Specificity — which pattern wins when several match the same name:

1. more **literal characters** first (characters outside ``*``, ``?`` and ``[...]``);
2. then **fewer wildcards** (each ``*``, ``?`` and ``[...]`` counts one);
3. then the **earlier position** in the list the patterns came from.

So for ``llama3.2-vision:11b``: ``llama3.2-vision:*`` (16 literals) beats ``llama3.2*`` (8)
beats ``llama*`` (5); ``llama3.2:1b`` (11 literals, no wildcard) beats ``llama3.2:?b``
(10 literals).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import msgspec

from ollm_actors.errors import LimitsDataError

__all__ = (
    "GlobPattern",
    "PatternIndex",
    "compile_pattern",
    "patterns_overlap",
)

# One character position of a pattern: (negated, chars). ``(False, {"a"})`` is a literal,
# ``(True, frozenset())`` is ``?`` (any character), ``None`` stands for ``*``.
_CharSet = tuple[bool, frozenset[str]]
_Token = _CharSet | None

_ANY: _CharSet = (True, frozenset())
# Sentinel for "past the last token"; compared by identity only.
_END: _CharSet = (False, frozenset({"end"}))


class GlobPattern(msgspec.Struct, frozen=True):
    """A parsed glob pattern: its text (lower-cased), tokens and specificity facts."""

    text: str
    literals: int
    wildcards: int
    #: the literal characters before the first wildcard (used to bucket patterns)
    prefix: str
    regex: str

    def specificity(self) -> tuple[int, int]:
        """The sort key of the specificity order without the position (lower sorts first)."""
        return (-self.literals, self.wildcards)

    def matches(self, name: str) -> bool:
        """Whether the pattern matches all of ``name`` (compare lower-cased names)."""
        return re.fullmatch(self.regex, name, re.DOTALL) is not None


def _class_end(text: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``, or -1 when unclosed.

    As in fnmatch, a ``]`` right after ``[`` or ``[!`` is a member, not the end.
    """
    i = start + 1
    if i < len(text) and text[i] == "!":
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1
    end = text.find("]", i)
    return end


def _class_chars(body: str) -> frozenset[str]:
    chars: set[str] = set()
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            chars.update(chr(c) for c in range(ord(low), ord(high) + 1))
            i += 3
        else:
            chars.add(body[i])
            i += 1
    return frozenset(chars)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "*":
            # Consecutive stars match the same strings as one star.
            if not tokens or tokens[-1] is not None:
                tokens.append(None)
            i += 1
        elif char == "?":
            tokens.append(_ANY)
            i += 1
        elif char == "[":
            end = _class_end(text, i)
            if end < 0:
                raise LimitsDataError(
                    source="pattern", problems=(f"pattern {text!r}: '[' at {i} is never closed",)
                )
            negated = text[i + 1] == "!"
            body = text[i + 2 if negated else i + 1 : end]
            tokens.append((negated, _class_chars(body)))
            i = end + 1
        else:
            tokens.append((False, frozenset(char)))
            i += 1
    return tokens


def _is_literal(token: _Token) -> bool:
    return token is not None and not token[0] and len(token[1]) == 1


def _token_regex(token: _Token) -> str:
    if token is None:
        return ".*"
    negated, chars = token
    if negated and not chars:
        return "."
    if not chars:
        # A class of reversed ranges only (``[z-a]``) holds no character: as in fnmatch,
        # it matches nothing (the regex ``[]`` would not even compile).
        return "(?!)"
    if not negated and len(chars) == 1:
        return re.escape(next(iter(chars)))
    body = "".join(re.escape(c) for c in sorted(chars))
    return f"[{'^' if negated else ''}{body}]"


def compile_pattern(text: str) -> GlobPattern:
    """Parse a glob pattern (lower-cased) into a :class:`GlobPattern`.

    Raises :class:`LimitsDataError` for an empty
    pattern or an unclosed ``[``.
    """
    lowered = text.strip().lower()
    if not lowered:
        raise LimitsDataError(source="pattern", problems=("empty pattern",))
    tokens = _tokenize(lowered)
    literals = sum(1 for t in tokens if _is_literal(t))
    prefix_chars: list[str] = []
    for token in tokens:
        if token is None or not _is_literal(token):
            break
        prefix_chars.append(next(iter(token[1])))
    regex = "".join(_token_regex(t) for t in tokens)
    return GlobPattern(
        text=lowered,
        literals=literals,
        wildcards=len(tokens) - literals,
        prefix="".join(prefix_chars),
        regex=regex,
    )


def _sets_meet(a: _CharSet, b: _CharSet) -> bool:
    a_neg, a_chars = a
    b_neg, b_chars = b
    if a_neg and b_neg:
        return True  # the alphabet is larger than any finite pair of exclusions
    if a_neg:
        return bool(b_chars - a_chars)
    if b_neg:
        return bool(a_chars - b_chars)
    return bool(a_chars & b_chars)


def patterns_overlap(first: str, second: str) -> bool:
    """Whether some string matches both glob patterns.

    Explores the product of the two patterns' positions (a finite graph), so it is exact and
    takes at most ``len(first) * len(second)`` steps.
    """
    a = _tokenize(compile_pattern(first).text)
    b = _tokenize(compile_pattern(second).text)
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == len(a) and j == len(b):
            return True
        ta = a[i] if i < len(a) else _END
        tb = b[j] if j < len(b) else _END
        # A star may match nothing: skip it without consuming a character.
        if ta is None:
            todo.append((i + 1, j))
        if tb is None:
            todo.append((i, j + 1))
        if ta is _END or tb is _END:
            continue
        set_a = _ANY if ta is None else ta
        set_b = _ANY if tb is None else tb
        if _sets_meet(set_a, set_b):
            todo.append((i if ta is None else i + 1, j if tb is None else j + 1))
    return False


class PatternIndex:
    """Patterns compiled once, answering "which pattern is most specific for this name".

    Patterns are ranked by the specificity order of this module (position = order given) and
    bucketed by their literal prefix, so a lookup only tries the patterns whose prefix the name
    starts with, in rank order, and stops at the first match of each bucket.
    """

    __slots__ = ("_buckets", "_lengths", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        compiled = [compile_pattern(p) for p in patterns]
        order = sorted(range(len(compiled)), key=lambda k: (*compiled[k].specificity(), k))
        #: the patterns in the order given (positions are what :meth:`best` returns)
        self.patterns: tuple[GlobPattern, ...] = tuple(compiled)
        rank_of = {position: rank for rank, position in enumerate(order)}
        buckets: dict[str, list[tuple[int, int, re.Pattern[str]]]] = {}
        for position, pattern in enumerate(compiled):
            regex = re.compile(pattern.regex, re.DOTALL)
            buckets.setdefault(pattern.prefix, []).append((rank_of[position], position, regex))
        self._buckets: dict[str, tuple[tuple[int, int, re.Pattern[str]], ...]] = {
            prefix: tuple(sorted(entries, key=lambda e: e[0]))
            for prefix, entries in buckets.items()
        }
        self._lengths: tuple[int, ...] = tuple(
            sorted({len(p) for p in self._buckets}, reverse=True)
        )

    def best(self, name: str) -> int | None:
        """The position of the most specific pattern matching ``name`` (lower-cased), or None."""
        best_rank = -1
        best_position: int | None = None
        buckets = self._buckets
        size = len(name)
        # Longer prefixes first: their patterns tend to be the more specific, so the rank
        # bound below cuts the remaining buckets short sooner.
        for length in self._lengths:
            if length > size:
                continue
            bucket = buckets.get(name[:length])
            if bucket is None:
                continue
            for rank, position, regex in bucket:
                if best_position is not None and rank >= best_rank:
                    break
                if regex.fullmatch(name) is not None:
                    best_rank, best_position = rank, position
                    break
        return best_position

    def all_matches(self, name: str) -> Sequence[int]:
        """Positions of every pattern matching ``name``, most specific first."""
        found: list[tuple[int, int]] = []
        for bucket in self._buckets.values():
            for rank, position, regex in bucket:
                if regex.fullmatch(name) is not None:
                    found.append((rank, position))
        return [position for _, position in sorted(found)]
