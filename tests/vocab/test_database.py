"""The built-in model database and the rules a database must follow."""

from __future__ import annotations

import itertools

import msgspec
import pytest

from ollm_actors.errors import InvalidModelName, LimitsDataError
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.database import ModelDatabase, load_builtin_database
from ollm_actors.vocab.entries import EntryCapabilities, ModelEntry
from ollm_actors.vocab.patterns import compile_pattern, patterns_overlap


def entry(pattern: str, **fields: object) -> ModelEntry:
    base: dict[str, object] = {
        "pattern": pattern,
        "family": "llama",
        "contextWindow": 8192,
        "maxOutputTokens": 4096,
        "profiles": ("general",),
        "source": "test",
    }
    base.update(fields)
    return msgspec.convert(base, ModelEntry)


def test_builtin_database_loads_and_is_large_enough() -> None:
    db = load_builtin_database()
    assert len(db) >= 60
    again = load_builtin_database()
    # No process-wide cache: each load is its own (equal) database, shared by injection.
    assert again is not db and list(again) == list(db)


REQUIRED_MODELS = (
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama3.2-vision",
    "codellama",
    "mistral",
    "mistral-nemo",
    "mistral-small",
    "mixtral",
    "qwen2",
    "qwen2.5",
    "qwen3",
    "qwen2.5-coder",
    "qwq",
    "deepseek-r1",
    "deepseek-coder",
    "deepseek-coder-v2",
    "deepseek-v3",
    "phi",
    "phi3",
    "phi3.5",
    "phi4",
    "gemma",
    "gemma2",
    "gemma3",
    "codegemma",
    "starcoder2",
    "llava",
    "llava-llama3",
    "bakllava",
    "moondream",
    "minicpm-v",
    "granite3.1-dense",
    "granite3.3",
    "granite-code",
    "command-r",
    "command-r-plus",
    "smollm2",
    "tinyllama",
    "orca-mini",
    "vicuna",
    "openchat",
    "dolphin-mistral",
    "dolphin-llama3",
    "nous-hermes2",
    "yi",
    "falcon",
    "nomic-embed-text",
    "mxbai-embed-large",
    "all-minilm",
    "snowflake-arctic-embed",
    "bge-m3",
)


@pytest.mark.parametrize("model", REQUIRED_MODELS)
def test_builtin_database_covers_the_models_people_pull(model: str) -> None:
    match = load_builtin_database().match(f"{model}:latest")
    assert match is not None, model
    # Only a pattern naming the model (not a broader catch-all) counts as covering it.
    assert compile_pattern(match.pattern).prefix.startswith(model.split(":")[0][:4])


def test_every_builtin_entry_is_valid_and_sourced() -> None:
    db = load_builtin_database()
    for item in db:
        assert item.contextWindow > 0
        assert item.maxOutputTokens is None or 0 < item.maxOutputTokens <= item.contextWindow
        assert item.source
        caps = item.capabilities.to_capabilities()
        if item.maxOutputTokens is None:
            assert caps.embedding and not caps.completion
        for name in item.profiles:
            profile = BUILTIN_PROFILES[name]
            assert item.contextWindow >= profile.minContextWindow
            assert set(profile.requiredCapabilities) <= caps.names()


def _numbers(item: ModelEntry) -> tuple[object, ...]:
    return (item.contextWindow, item.maxOutputTokens, item.capabilities, item.family)


def test_no_equal_specificity_patterns_can_disagree_on_one_name() -> None:
    # Database order breaks ties between equally specific patterns; this makes sure the order
    # never decides any number.
    db = load_builtin_database()
    by_specificity: dict[tuple[int, int], list[ModelEntry]] = {}
    for item in db:
        by_specificity.setdefault(compile_pattern(item.pattern).specificity(), []).append(item)
    conflicts = [
        (a.pattern, b.pattern)
        for group in by_specificity.values()
        for a, b in itertools.combinations(group, 2)
        if _numbers(a) != _numbers(b) and patterns_overlap(a.pattern, b.pattern)
    ]
    assert conflicts == []


def test_patterns_are_unique() -> None:
    patterns = [item.pattern.lower() for item in load_builtin_database()]
    assert len(patterns) == len(set(patterns))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (entry("a*", contextWindow=0), "contextWindow must be positive"),
        (entry("a*", maxOutputTokens=0), "maxOutputTokens must be positive"),
        (entry("a*", maxOutputTokens=9000), "exceeds contextWindow 8192"),
        (entry("a*", profiles=("speedy",)), "unknown profile 'speedy'"),
        (entry("a*", profiles=("long-context",)), "needs a window of 65536"),
        (entry("a*", profiles=("vision",)), "needs capabilities \\['vision'\\]"),
        (entry("a b*"), "characters a model name cannot have"),
        (entry("a[b"), "never closed"),
        (entry("a*", family=" "), "family is empty"),
        (entry("a*", source=None), "source is missing"),
    ],
)
def test_invalid_entries_are_rejected(bad: ModelEntry, message: str) -> None:
    with pytest.raises(LimitsDataError, match=message) as info:
        ModelDatabase([bad], source="test.json")
    assert info.value.source == "test.json"


def test_duplicate_patterns_are_rejected_case_insensitively() -> None:
    with pytest.raises(LimitsDataError, match="repeats models\\[0\\]"):
        ModelDatabase([entry("llama3:*"), entry("LLAMA3:*")], source="t")


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(LimitsDataError) as info:
        ModelDatabase([entry("a*", contextWindow=-1), entry("b*", family="")], source="t")
    assert len(info.value.problems) >= 2
    assert info.value.facts()["problems"] == list(info.value.problems)


def test_from_json_rejects_unknown_keys_bad_types_and_versions() -> None:
    good = (
        b'{"version": 1, "models": [{"pattern": "x*", "family": "x", "contextWindow": 4096,'
        b' "source": "s"}]}'
    )
    db = ModelDatabase.from_json(good, source="mem")
    assert db.match("x1:latest") == ModelEntry(
        pattern="x*", family="x", contextWindow=4096, source="s"
    )
    with pytest.raises(LimitsDataError, match="contextWindow"):
        ModelDatabase.from_json(good.replace(b"4096", b'"big"'), source="mem")
    with pytest.raises(LimitsDataError, match="windowSize"):
        ModelDatabase.from_json(
            good.replace(b'"source"', b'"windowSize": 1, "source"'), source="mem"
        )
    with pytest.raises(LimitsDataError, match="version 2"):
        ModelDatabase.from_json(good.replace(b'"version": 1', b'"version": 2'), source="mem")


def test_match_normalises_and_caches() -> None:
    db = ModelDatabase(
        [
            entry("llama3.1*", contextWindow=131072),
            entry("llama*", contextWindow=4096, profiles=()),
        ],
        source="t",
    )
    first = db.match("registry.ollama.ai/library/LLAMA3.1:8B")
    assert first is not None and first.pattern == "llama3.1*"
    assert db.match("llama3.1:8b") is first
    assert db.match_normalised("llama2:7b") == db.entries[1]
    assert db.match("mistral") is None
    assert [e.pattern for e in db.matches("llama3.1")] == ["llama3.1*", "llama*"]
    db.cache_clear()
    assert db.match("llama3.1:8b") is first
    with pytest.raises(InvalidModelName):
        db.match("bad name")


def test_embedding_entries_have_no_output_and_do_not_stream() -> None:
    db = load_builtin_database()
    for name in ("nomic-embed-text", "mxbai-embed-large", "all-minilm:22m", "bge-m3"):
        match = db.match(name)
        assert match is not None
        assert match.maxOutputTokens is None
        assert match.capabilities == EntryCapabilities(embedding=True, streaming=False)


# From the public model cards (ollama.com/library), independent of models.json: a deleted
# or mistyped entry falls through to a catch-all and changes these numbers or the pattern.
KNOWN_MODELS = (
    ("llama3.3:70b", "llama3.3*", 131072, frozenset({"tools"})),
    ("llama3.1:8b", "llama3.1*", 131072, frozenset({"tools"})),
    ("llama3.2:3b", "llama3.2*", 131072, frozenset({"tools"})),
    ("llama3:8b", "llama3:*", 8192, frozenset()),
    ("llama3.2-vision:11b", "llama3.2-vision:*", 131072, frozenset({"vision"})),
    ("phi3:mini", None, 4096, frozenset()),
    ("nomic-embed-text:latest", None, 2048, frozenset({"embedding"})),
)


@pytest.mark.parametrize(("name", "pattern", "window", "caps"), KNOWN_MODELS)
def test_known_models_resolve_to_their_own_entry(
    name: str, pattern: str | None, window: int, caps: frozenset[str]
) -> None:
    entry = load_builtin_database().match(name)
    assert entry is not None, name
    if pattern is not None:
        assert entry.pattern == pattern
    assert entry.contextWindow == window
    assert caps <= entry.capabilities.to_capabilities().names()


def test_lookups_follow_the_specificity_order_not_the_list_order() -> None:
    entries = [
        entry("phi3*", contextWindow=4096, maxOutputTokens=1024, profiles=()),
        entry("phi3:*128k*", contextWindow=131072, profiles=("long-context",)),
        entry("phi3:mini-128k", contextWindow=8192),
        entry("phi3:?ini*", contextWindow=2048, maxOutputTokens=1024, profiles=()),
    ]
    for ordered in (entries, entries[::-1]):
        db = ModelDatabase(ordered, source="t")

        def pattern_of(name: str, db: ModelDatabase = db) -> str | None:
            found = db.match_normalised(name)
            return None if found is None else found.pattern

        assert db.match("phi3:mini-128k") == entry("phi3:mini-128k", contextWindow=8192)
        assert pattern_of("phi3:medium-128k") == "phi3:*128k*"
        assert pattern_of("phi3:mini") == "phi3:?ini*"
        assert pattern_of("phi3:medium") == "phi3*"
        assert pattern_of("mistral:7b") is None
        assert [e.pattern for e in db.matches("phi3:mini-128k")] == [
            "phi3:mini-128k",
            "phi3:*128k*",
            "phi3:?ini*",
            "phi3*",
        ]
