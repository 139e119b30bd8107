"""Close-name suggestions and the retry backoff: pure rules, tested without an event loop."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.errors import InvalidModelName
from ollm_actors.vocab.backoff import backoff_delay
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.suggest import close_match, close_matches, pullable_names


def test_pullable_names_strip_globs_and_duplicates() -> None:
    patterns = ["llama3.1*", "llama3.1:*", "llama4:scout*", "codellama:*code*", "*", "q*"]
    assert pullable_names(patterns) == ["llama3.1", "llama4:scout", "codellama"]


def test_suggestions_rank_close_names_first() -> None:
    names = ["llama3.1:8b", "llama3", "mistral:7b", "phi3:mini"]
    assert close_matches("lama3", names)[:2] == ("llama3", "llama3.1:8b")
    assert close_matches("phi3:minii", names) == ("phi3:mini",)
    assert close_matches("zzzz", names) == ()


def test_the_name_itself_is_never_suggested() -> None:
    assert close_matches("llama3", ["llama3", "llama3:latest", "LLAMA3"]) == ()


@given(st.text(min_size=1, max_size=12), st.lists(st.text(max_size=12), max_size=8))
def test_suggestions_are_few_distinct_candidates(name: str, names: list[str]) -> None:
    found = close_matches(name, names, limit=3)
    assert len(found) <= 3 and len(set(found)) == len(found)
    assert all(candidate in names for candidate in found)


@given(st.integers(min_value=1, max_value=60))
def test_backoff_doubles_up_to_its_cap(retry: int) -> None:
    delay = backoff_delay(retry, 0.5, 30.0)
    assert 0.5 <= delay <= 30.0
    assert backoff_delay(retry + 1, 0.5, 30.0) in (min(30.0, delay * 2), 30.0)


def test_a_tagged_name_may_suggest_its_bare_model() -> None:
    # 'phi3' is phi3:latest, another model than the misspelt phi3:minii.
    assert close_matches("phi3:minii", ["phi3", "phi3:mini"]) == ("phi3:mini", "phi3")
    assert close_matches("phi3:latest", ["phi3", "PHI3:latest"]) == ()


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [(-3, 0.5), (0, 0.5), (1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (6, 16.0), (7, 30.0), (99, 30.0)],
)
def test_backoff_table(attempt: int, delay: float) -> None:
    # 0.5 s doubled for each retry before this one, capped at 30 s; attempts below 1 are 1.
    assert backoff_delay(attempt, 0.5, 30.0) == delay


def test_a_name_is_compared_by_its_part_before_the_first_colon() -> None:
    # The whole words are far apart; their parts before the first ':' are close.
    assert close_matches("lama3.1:aaaaaaaaaaaa:bbbbbbbbbbb", ["llama3.1"]) == ("llama3.1",)


def test_ranking_is_by_best_score_then_whole_name_then_alphabet() -> None:
    # 'llama3:zzzzzzzz' shares the base (score 1.0) but little of the whole name (0.58);
    # 'llama3.8b' is closer as a whole (0.89) but that is its best score: the score ranks first.
    assert close_matches("llama3:8b", ["llama3.8b", "llama3:zzzzzzzz"]) == (
        "llama3:zzzzzzzz",
        "llama3.8b",
    )
    # Equal scores and lengths: alphabetical, whatever the input order.
    assert close_matches("abcd", ["abcz", "abcy"]) == ("abcy", "abcz")
    # Equal best scores (the same base): the closer whole name first.
    assert close_matches("phi3:minii", ["phi3:mi", "phi3:mini"]) == ("phi3:mini", "phi3:mi")


def test_at_most_three_by_default_and_limit_respected() -> None:
    names = ["llama3d", "llama3c", "llama3b", "llama3a", "zzz"]
    assert close_matches("llama3", names) == ("llama3a", "llama3b", "llama3c")
    assert close_matches("llama3", names, limit=1) == ("llama3a",)
    assert close_matches("llama3", names, limit=10) == ("llama3a", "llama3b", "llama3c", "llama3d")


def test_skipped_candidates_do_not_end_the_search() -> None:
    # The word itself and repeated candidates are skipped, and the rest still considered.
    assert close_matches("llama3", ["llama3", "LLAMA3:latest", "llama3.1"]) == ("llama3.1",)
    assert close_matches("llama3", ["llama3.1", "llama3.1", "llama3.2"]) == (
        "llama3.1",
        "llama3.2",
    )


def test_close_match_is_the_best_one() -> None:
    assert close_match("lama3", ["mistral", "llama3.1:8b", "llama3"]) == "llama3"
    assert close_match("zzzz", ["llama3"]) is None
    assert close_match(" PHI3:MINII ", ["phi3:mini"]) == "phi3:mini"


@pytest.mark.parametrize(
    ("patterns", "names"),
    [
        (["qw*"], ["qw"]),  # two literal characters are enough
        (["q*", "q:*"], []),  # one is not
        (["*llama3"], []),  # a pattern that starts with a glob names nothing
        (["?x", "[ab]c"], []),
        (["llama3"], ["llama3"]),  # no glob at all: the whole pattern
        (["phi3:mini"], ["phi3:mini"]),
        (["llama4:scout*"], ["llama4:scout"]),
        (["qwen2.5-*", "qwen2.5:*", "qwen2.5_*", "qwen2.5/*"], ["qwen2.5"]),
        (["mistral-X*"], ["mistral-X"]),  # only separators are stripped
        (["a?b", "ab[c]"], ["ab"]),
    ],
)
def test_pullable_names_table(patterns: list[str], names: list[str]) -> None:
    assert pullable_names(patterns) == names


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abX19.:-_/", max_size=6),
            st.sampled_from(["", "*", "?", "[ab]", "*x", ":*"]),
        ),
        max_size=6,
    )
)
def test_pullable_names_are_the_literal_prefixes_without_trailing_separators(
    items: list[tuple[str, str]],
) -> None:
    patterns = [literal + glob for literal, glob in items]
    expected: list[str] = []
    for literal, _ in items:
        name = re.sub(r"[:\-._/]+$", "", literal)
        if len(name) >= 2 and name not in expected and _valid_name(name):
            expected.append(name)
    assert pullable_names(patterns) == expected


def _valid_name(name: str) -> bool:
    # Only what Ollama's name grammar accepts can be pulled (a rule of its own, names.py).
    try:
        parse_model_name(name)
    except InvalidModelName:
        return False
    return True
