"""Glob patterns: fnmatch semantics, the specificity order, overlap and the fast index.

The references here are independent of the module: matching is :mod:`fnmatch`'s, and the
specificity of a generated pattern is counted from the parts it was built of, by the order's
definition: (1) more literal characters first, (2) then fewer wildcards (each ``?``, each
``[...]`` and each run of ``*`` counts one; ``**`` is the same glob as ``*``), (3) then the
earlier position.
"""

from __future__ import annotations

import fnmatch
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.errors import LimitsDataError
from ollm_actors.vocab.patterns import PatternIndex, compile_pattern, patterns_overlap

# A small alphabet makes random patterns and names collide often enough to be interesting;
# names also hold the characters that the class syntax uses (']', '-', '!') and one that no
# pattern names ('c'), and an upper-case one that no lower-cased pattern can match.
_ALPHABET = "ab.:"
_NAME_ALPHABET = _ALPHABET + "c-]!X\n"
names = st.text(alphabet=_ALPHABET, min_size=0, max_size=6)
any_names = st.text(alphabet=_NAME_ALPHABET, min_size=0, max_size=6)

LITERAL_PARTS = ["a", "b", ".", ":"]
CLASS_PARTS = ["[ab]", "[!a]", "[a-b]", "[]a]", "[!]a]", "[a-]", "[-b]", "[!a-b]", "[.-:]"]
WILDCARD_PARTS = ["*", "?", *CLASS_PARTS]
part_lists = st.lists(st.sampled_from(LITERAL_PARTS + WILDCARD_PARTS), min_size=1, max_size=5)
patterns = part_lists.map("".join)


def reference_counts(parts: list[str]) -> tuple[int, int]:
    """(literal characters, wildcards) of the pattern ``"".join(parts)``, by definition."""
    literals = sum(1 for p in parts if p in LITERAL_PARTS)
    wildcards = sum(
        1
        for i, p in enumerate(parts)
        if p in WILDCARD_PARTS and not (p == "*" and i > 0 and parts[i - 1] == "*")
    )
    return literals, wildcards


def reference_rank(counts: list[tuple[int, int]]) -> list[int]:
    """Positions ordered by the specificity order, written as its three rules."""

    def before(i: int, j: int) -> bool:
        (li, wi), (lj, wj) = counts[i], counts[j]
        if li != lj:
            return li > lj  # 1. more literal characters first
        if wi != wj:
            return wi < wj  # 2. then fewer wildcards
        return i < j  # 3. then the earlier position

    order: list[int] = []
    for k in range(len(counts)):  # insertion sort: no sort key shared with the module
        at = next((n for n, other in enumerate(order) if before(k, other)), len(order))
        order.insert(at, k)
    return order


# -- matching ------------------------------------------------------------------------------


@given(patterns, any_names)
@settings(max_examples=400)
def test_matching_agrees_with_fnmatch(pattern: str, name: str) -> None:
    assert compile_pattern(pattern).matches(name) == fnmatch.fnmatchcase(name, pattern)


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("[]a]", "]", True),
        ("[]]", "]", True),  # a ']' first in a class is a member
        ("[!]]", "]", False),
        ("[!]]", "a", True),
        ("[xya-c]", "-", False),  # a range after two members
        ("[xya-c]", "y", True),
        ("[xa-c-e]", "-", True),  # a '-' after a range is a member...
        ("[xa-c-e]", "d", False),  # ... and starts no range
        ("[!]a]", "]", False),
        ("[!]a]", "!", True),
        ("[a-]", "-", True),
        ("[a-c]", "b", True),
        ("[a-c]", "-", False),
        ("[a-c]", "d", False),
        ("[a-cx]", "x", True),
        ("[!a-c]", "d", True),
        ("[ab]", "X", False),
        ("[!ab]", "X", True),
        ("a*", "a\nb", True),  # fnmatch's '*' also crosses a newline
        ("a?b", "a\nb", True),
        ("[!a]", "\n", True),
    ],
)
def test_matching_examples(pattern: str, name: str, matches: bool) -> None:
    assert fnmatch.fnmatchcase(name, pattern) is matches  # the reference agrees
    assert compile_pattern(pattern).matches(name) is matches
    assert (PatternIndex([pattern]).best(name) == 0) is matches


def test_a_class_of_reversed_ranges_matches_nothing() -> None:
    assert not fnmatch.fnmatchcase("b", "[z-a]")
    assert not compile_pattern("[z-a]").matches("b")
    assert not compile_pattern("[z-a]*").matches("llama3:8b")
    assert PatternIndex(["[z-a]*", "llama*"]).best("llama3:8b") == 1


# -- overlap -------------------------------------------------------------------------------

# Every name of up to 5 characters (as long as a pattern without a star can be) over one
# representative of each set of characters the parts tell apart: the literals, the class
# syntax characters '-' and ']', and 'c', which no part names.
_ALL_SHORT_NAMES = [
    "".join(chars)
    for size in range(6)
    for chars in itertools.product(_ALPHABET + "-]c", repeat=size)
]


@given(patterns, patterns)
@settings(max_examples=200)
def test_overlap_agrees_with_brute_force(first: str, second: str) -> None:
    a, b = (re.compile(fnmatch.translate(p)) for p in (first, second))
    witness = any(a.match(n) and b.match(n) for n in _ALL_SHORT_NAMES)
    overlap = patterns_overlap(first, second)
    if witness:
        assert overlap
    else:
        # No short witness: a claimed overlap must then need a longer name, which only
        # stars can make: both patterns have one.
        assert not overlap or ("*" in first and "*" in second)


def test_overlap_examples() -> None:
    assert patterns_overlap("llama3.2*", "llama*:1b")
    assert patterns_overlap("phi3:*", "phi3:*128k*")
    assert not patterns_overlap("llama3.1*", "llama3.2*")
    assert not patterns_overlap("qwen2:*", "qwen2.5*")
    assert patterns_overlap("[!a]x", "[!b]x")  # e.g. "cx"
    assert not patterns_overlap("[a]x", "[!a]x")
    assert patterns_overlap("[!a]", "b")
    assert not patterns_overlap("[!a]", "a")
    assert patterns_overlap("b", "[!a]")
    assert not patterns_overlap("a", "[!a]")
    assert patterns_overlap("*", "a")
    assert patterns_overlap("a*", "*a")
    assert not patterns_overlap("a", "a?")
    assert not patterns_overlap("a?", "a")
    assert patterns_overlap("??", "a*")
    assert not patterns_overlap("[ab]", "[cd]")
    assert patterns_overlap("[ab]", "[bc]")


# -- specificity ---------------------------------------------------------------------------


@given(part_lists)
def test_literal_and_wildcard_counts_follow_the_definition(parts: list[str]) -> None:
    compiled = compile_pattern("".join(parts))
    assert (compiled.literals, compiled.wildcards) == reference_counts(parts)


def test_specificity_counts_literals_then_wildcards() -> None:
    vision = compile_pattern("llama3.2-vision:*")
    line = compile_pattern("llama3.2*")
    broad = compile_pattern("llama*")
    assert (vision.literals, vision.wildcards) == (16, 1)
    assert (line.literals, line.wildcards) == (8, 1)
    assert (broad.literals, broad.wildcards) == (5, 1)
    assert (compile_pattern("a**b?").literals, compile_pattern("a**b?").wildcards) == (2, 2)
    assert vision.specificity() < line.specificity() < broad.specificity()
    # Equal literals: fewer wildcards first.
    assert compile_pattern("ab*").specificity() < compile_pattern("a*b*").specificity()


def test_literals_outrank_wildcards() -> None:
    # "ab*c?" has more literals (3) and more wildcards (2) than "ab*" (2, 1): rule 1 decides.
    # With the first two rules swapped, "ab*" would win.
    index = PatternIndex(["ab*", "ab*c?"])
    assert index.best("abxcy") == 1
    assert list(index.all_matches("abxcy")) == [1, 0]
    assert compile_pattern("ab*c?").specificity() < compile_pattern("ab*").specificity()
    # Literals are counted, not the length of the text: "[ab]" is one wildcard.
    assert PatternIndex(["[ab][ab][ab]x", "a*x"]).best("abax") == 1


def test_index_picks_the_most_specific_then_the_earliest() -> None:
    index = PatternIndex(["llama*", "llama3.2*", "llama3.2-vision:*", "*", "llama3.2:?b"])
    assert index.best("llama3.2-vision:11b") == 2
    assert index.best("llama3.2:1b") == 4
    assert index.best("llama3.2:latest") == 1
    assert index.best("llama2:7b") == 0
    assert index.best("mistral:7b") == 3
    assert index.best("") == 3
    assert list(index.all_matches("llama3.2:1b")) == [4, 1, 0, 3]
    assert [p.text for p in index.patterns] == [
        "llama*",
        "llama3.2*",
        "llama3.2-vision:*",
        "*",
        "llama3.2:?b",
    ]
    # Same specificity: the earlier one wins.
    assert PatternIndex(["a*:x", "a:*x"]).best("a:x") == 0
    assert PatternIndex(["a:*x", "a*:x"]).best("a:x") == 0
    # Equal literals: the fewer wildcards win, wherever they are in the list.
    assert PatternIndex(["a?b*", "a*b"]).best("axb") == 1
    assert PatternIndex(["a*b", "a?b*"]).best("axb") == 0
    assert PatternIndex(["x*", "y*"]).best("z") is None
    assert list(PatternIndex([]).all_matches("z")) == []


@given(st.lists(part_lists, min_size=1, max_size=8, unique_by=lambda p: "".join(p)), names)
@settings(max_examples=300)
def test_index_agrees_with_a_naive_scan(parts_list: list[list[str]], name: str) -> None:
    texts = ["".join(parts) for parts in parts_list]
    ranked = reference_rank([reference_counts(parts) for parts in parts_list])
    matching = [k for k in ranked if fnmatch.fnmatchcase(name, texts[k])]
    index = PatternIndex(texts)
    assert index.best(name) == (matching[0] if matching else None)
    assert list(index.all_matches(name)) == matching


@st.composite
def contested(draw: st.DrawFn) -> tuple[list[list[str]], str]:
    """Patterns that all match one name, so that the order alone picks the winner."""
    name = draw(st.text(alphabet="ab", min_size=1, max_size=5))
    chosen: list[list[str]] = []
    for _ in range(draw(st.integers(2, 5))):
        parts = [
            draw(st.sampled_from([char, "?", "[ab]", "*"] if char == "a" else [char, "?", "*"]))
            for char in name
        ]
        chosen.append(parts)
    return chosen, name


@given(contested())
def test_the_winner_among_matching_patterns_follows_the_three_rules(
    case: tuple[list[list[str]], str],
) -> None:
    parts_list, name = case
    texts = ["".join(parts) for parts in parts_list]
    assert all(fnmatch.fnmatchcase(name, t) for t in texts)
    counts = [reference_counts(parts) for parts in parts_list]
    best = PatternIndex(texts).best(name)
    assert best is not None
    most = max(lit for lit, _ in counts)
    fewest = min(w for lit, w in counts if lit == most)
    assert counts[best] == (most, fewest)
    assert best == min(k for k, c in enumerate(counts) if c == (most, fewest))


# -- compiling -----------------------------------------------------------------------------


def test_patterns_are_case_insensitive_and_validated() -> None:
    assert compile_pattern("Llama3.1:*").matches("llama3.1:8b")
    assert compile_pattern("  Llama3.1:*  ").text == "llama3.1:*"
    with pytest.raises(LimitsDataError, match="never closed") as info:
        compile_pattern("llama[3")
    assert info.value.source == "pattern"
    assert info.value.problems == ("pattern 'llama[3': '[' at 5 is never closed",)
    with pytest.raises(LimitsDataError, match="empty") as info:
        compile_pattern("  ")
    assert info.value.source == "pattern"
    assert info.value.problems == ("empty pattern",)
    for unclosed in ("[", "[!", "[]", "[!]", "a[]b"):
        with pytest.raises(LimitsDataError, match="never closed"):
            compile_pattern(unclosed)


def test_prefix_is_the_literal_text_before_the_first_wildcard() -> None:
    assert compile_pattern("llama3.2-vision:*").prefix == "llama3.2-vision:"
    assert compile_pattern("phi3:?b*").prefix == "phi3:"
    assert compile_pattern("*x").prefix == ""
    assert compile_pattern("ab[cd]e").prefix == "ab"
    assert compile_pattern("abc").prefix == "abc"
