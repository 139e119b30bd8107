"""Catalog candidates: what the model database says would fit if pulled."""

from __future__ import annotations

from ollm_actors.routing.candidates_from import catalog_candidates
from ollm_actors.vocab.database import ModelDatabase, load_builtin_database
from ollm_actors.vocab.entries import ModelEntry
from ollm_actors.vocab.names import parse_model_name


def database(*patterns: str) -> ModelDatabase:
    entries = [ModelEntry(pattern=p, family=p[:3], contextWindow=4096 * (i + 1), source="test")
               for i, p in enumerate(patterns)]
    return ModelDatabase(entries, source="test")


def names(*patterns: str) -> list[str]:
    return [c.name for c in catalog_candidates(database(*patterns))]


def test_a_catch_all_over_a_line_of_models_is_skipped() -> None:
    assert names("llama*", "llama2*", "llama3.1*") == ["llama2:latest", "llama3.1:latest"]
    # Alone, the same catch-all names one model.
    assert names("llama*") == ["llama:latest"]


def test_one_candidate_per_model_the_first_entry_wins() -> None:
    found = catalog_candidates(database("llama4*", "llama4:scout*", "phi3:*", "phi3:*128k*"))
    assert [c.name for c in found] == ["llama4:latest", "phi3:latest"]
    assert found[0].context_window == 4096  # from llama4*, the first entry


def test_a_tagged_pattern_first_of_its_model_gives_its_tag() -> None:
    assert names("mistral-small*", "mistral-small3.*", "mistral-small:22b*") == [
        "mistral-small3:latest",
        "mistral-small:22b",
    ]


def test_patterns_that_spell_no_name_are_skipped() -> None:
    assert names("*", "q*", ":*") == []


def test_the_builtin_catalogue_names_distinct_valid_models() -> None:
    found = catalog_candidates(load_builtin_database())
    keys = [parse_model_name(c.name).key.rsplit(":", 1)[0] for c in found]
    assert len(keys) == len(set(keys)) > 50
    assert all(c.host == "" and not c.online for c in found)
