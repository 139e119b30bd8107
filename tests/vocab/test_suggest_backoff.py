"""Close-name suggestions and the retry backoff: pure rules, tested without an event loop."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.vocab.backoff import backoff_delay
from ollm_actors.vocab.suggest import close_matches, pullable_names


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
