"""Glob patterns: fnmatch semantics, the specificity order, overlap and the fast index."""

from __future__ import annotations

import fnmatch
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.errors import LimitsDataError
from ollm_actors.vocab.patterns import PatternIndex, compile_pattern, patterns_overlap

# A small alphabet makes random patterns and names collide often enough to be interesting.
_ALPHABET = "ab.:"
names = st.text(alphabet=_ALPHABET, min_size=0, max_size=6)
pattern_parts = st.sampled_from(["a", "b", ".", ":", "*", "?", "[ab]", "[!a]", "[a-b]"])
patterns = st.lists(pattern_parts, min_size=1, max_size=5).map("".join)


@given(patterns, names)
@settings(max_examples=400)
def test_matching_agrees_with_fnmatch(pattern: str, name: str) -> None:
    assert compile_pattern(pattern).matches(name) == fnmatch.fnmatchcase(name, pattern)


# Every name of up to 5 characters over the alphabet plus one character no pattern names.
_ALL_SHORT_NAMES = [
    "".join(chars) for size in range(6) for chars in itertools.product(_ALPHABET + "c", repeat=size)
]


@given(patterns, patterns)
@settings(max_examples=200)
def test_overlap_agrees_with_brute_force(first: str, second: str) -> None:
    a, b = compile_pattern(first), compile_pattern(second)
    witness = any(a.matches(n) and b.matches(n) for n in _ALL_SHORT_NAMES)
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


def test_specificity_counts_literals_then_wildcards() -> None:
    vision = compile_pattern("llama3.2-vision:*")
    line = compile_pattern("llama3.2*")
    broad = compile_pattern("llama*")
    assert (vision.literals, vision.wildcards) == (16, 1)
    assert (line.literals, line.wildcards) == (8, 1)
    assert (broad.literals, broad.wildcards) == (5, 1)
    assert vision.specificity() < line.specificity() < broad.specificity()
    # Equal literals: fewer wildcards first.
    assert compile_pattern("ab*").specificity() < compile_pattern("a*b*").specificity()


def test_index_picks_the_most_specific_then_the_earliest() -> None:
    index = PatternIndex(["llama*", "llama3.2*", "llama3.2-vision:*", "*", "llama3.2:?b"])
    assert index.best("llama3.2-vision:11b") == 2
    assert index.best("llama3.2:1b") == 4
    assert index.best("llama3.2:latest") == 1
    assert index.best("llama2:7b") == 0
    assert index.best("mistral:7b") == 3
    # Same specificity: the earlier one wins.
    assert PatternIndex(["a*:x", "a:*x"]).best("a:x") == 0
    assert PatternIndex(["a:*x", "a*:x"]).best("a:x") == 0


@given(st.lists(patterns, min_size=1, max_size=8, unique=True), names)
@settings(max_examples=300)
def test_index_agrees_with_a_naive_scan(pattern_list: list[str], name: str) -> None:
    compiled = [compile_pattern(p) for p in pattern_list]
    matching = [k for k, p in enumerate(compiled) if p.matches(name)]
    expected = min(matching, key=lambda k: (*compiled[k].specificity(), k), default=None)
    index = PatternIndex(pattern_list)
    assert index.best(name) == expected
    assert list(index.all_matches(name)) == sorted(
        matching, key=lambda k: (*compiled[k].specificity(), k)
    )


def test_patterns_are_case_insensitive_and_validated() -> None:
    assert compile_pattern("Llama3.1:*").matches("llama3.1:8b")
    with pytest.raises(LimitsDataError, match="never closed"):
        compile_pattern("llama[3")
    with pytest.raises(LimitsDataError, match="empty"):
        compile_pattern("  ")
