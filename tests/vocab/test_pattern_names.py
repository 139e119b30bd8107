"""The one rule from a model-database pattern to the model name it spells."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.errors import InvalidModelName
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.pattern_names import pattern_name
from ollm_actors.vocab.suggest import pullable_names


@pytest.mark.parametrize(
    ("pattern", "name"),
    [
        ("llama3.1*", "llama3.1"),
        ("llama3.1:*", "llama3.1"),
        ("llama4:scout*", "llama4:scout"),
        ("phi3:*128k*", "phi3"),
        ("codellama:*code*", "codellama"),
        ("mistral-small3.*", "mistral-small3"),
        ("llama4:latest", "llama4:latest"),
        ("qwen2.5-coder?", "qwen2.5-coder"),
        ("gemma[23]*", "gemma"),
        ("*", None),
        ("q*", None),
        ("a b*", None),
        ("-*", None),
    ],
)
def test_pattern_names(pattern: str, name: str | None) -> None:
    assert pattern_name(pattern) == name


@given(st.text(alphabet="abcXYZ019_-.:/ *?[]", max_size=20))
def test_a_spelled_name_is_a_valid_literal_start_of_its_pattern(pattern: str) -> None:
    name = pattern_name(pattern)
    if name is None:
        return
    assert pattern.startswith(name)
    assert len(name) >= 2 and not any(c in name for c in "*?[")
    assert not name.endswith((":", "-", ".", "_", "/"))
    try:
        parse_model_name(name)
    except InvalidModelName:  # pragma: no cover - the property under test
        pytest.fail(f"{name!r} is not a valid model name")


def test_pullable_names_are_the_names_the_patterns_spell() -> None:
    patterns = [entry.pattern for entry in load_builtin_database()]
    spelled = [pattern_name(p) for p in patterns]
    assert pullable_names(patterns) == list(dict.fromkeys(n for n in spelled if n))
