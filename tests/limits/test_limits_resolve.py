"""Resolution of limits across override, server, database, family and default layers."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollm_actors.errors import InvalidModelName, LimitsDataError
from ollm_actors.limits.resolve import (
    ModelLimits,
    ServerFacts,
    resolve_limits,
    server_facts_from_show,
    validate_overrides,
)
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.database import ModelDatabase, load_builtin_database
from ollm_actors.vocab.entries import (
    Capabilities,
    EntryCapabilities,
    LimitsOverride,
    ModelEntry,
    OverrideCapabilities,
)
from ollm_actors.vocab.family_defaults import FAMILY_DEFAULTS, SAFE_DEFAULT

DB = load_builtin_database()


def resolve(name: str, **kwargs: object) -> ModelLimits:
    return resolve_limits(name, database=DB, **kwargs)  # type: ignore[arg-type]


# name -> (context window, max output, capabilities that are true, matched pattern)
KNOWN = {
    "llama3.1:8b": (131072, 8192, {"completion", "streaming", "tools"}, "llama3.1*"),
    "llama3.2:3b": (131072, 8192, {"completion", "streaming", "tools"}, "llama3.2*"),
    "llama3.2:1b": (131072, 8192, {"completion", "streaming", "tools"}, "llama3.2*"),
    "llama3:8b": (8192, 4096, {"completion", "streaming"}, "llama3:*"),
    "llama3.2-vision:11b": (
        131072,
        8192,
        {"completion", "streaming", "vision"},
        "llama3.2-vision:*",
    ),
    "qwen2.5-coder:7b": (
        32768,
        8192,
        {"completion", "streaming", "tools", "insert"},
        "qwen2.5-coder*",
    ),
    "qwen2.5:14b": (32768, 8192, {"completion", "streaming", "tools"}, "qwen2.5:*"),
    "phi3:mini": (4096, 2048, {"completion", "streaming"}, "phi3:*"),
    "phi3:medium-128k": (131072, 8192, {"completion", "streaming"}, "phi3:*128k*"),
    "phi4:14b": (16384, 8192, {"completion", "streaming"}, "phi4:*"),
    "mistral:7b": (32768, 8192, {"completion", "streaming", "tools"}, "mistral:*"),
    "mixtral:8x7b": (32768, 8192, {"completion", "streaming", "tools"}, "mixtral*"),
    "gemma2:2b": (8192, 4096, {"completion", "streaming"}, "gemma2:*"),
    "gemma3:4b": (131072, 8192, {"completion", "streaming", "vision"}, "gemma3:*"),
    "gemma3:1b": (32768, 8192, {"completion", "streaming"}, "gemma3:1b*"),
    "deepseek-r1:7b": (
        131072,
        32768,
        {"completion", "streaming", "tools", "thinking"},
        "deepseek-r1*",
    ),
    "deepseek-coder-v2:16b": (
        163840,
        8192,
        {"completion", "streaming", "insert"},
        "deepseek-coder-v2*",
    ),
    "codellama:13b": (16384, 8192, {"completion", "streaming"}, "codellama*"),
    "llava:7b": (32768, 8192, {"completion", "streaming", "vision"}, "llava:7b*"),
    "llava:13b": (4096, 2048, {"completion", "streaming", "vision"}, "llava:*"),
    "nomic-embed-text": (2048, 0, {"embedding"}, "nomic-embed-text*"),
    "all-minilm:33m": (512, 0, {"embedding"}, "all-minilm*"),
    "mxbai-embed-large:latest": (512, 0, {"embedding"}, "mxbai-embed-large*"),
    "myuser/llama3.1:8b": (131072, 8192, {"completion", "streaming", "tools"}, "llama3.1*"),
    "hf.co/someone/llama3.1-finetune:q4": (
        131072,
        8192,
        {"completion", "streaming", "tools"},
        "llama3.1*",
    ),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_well_known_models_have_exact_limits(name: str) -> None:
    window, output, caps, pattern = KNOWN[name]
    limits = resolve(name)
    assert (limits.context_window, limits.max_output_tokens) == (window, output)
    assert limits.capabilities.names() == caps
    assert limits.matched_pattern == pattern
    assert limits.source == "database"


def test_display_name_and_families() -> None:
    assert resolve("LLAMA3.1").model == "LLAMA3.1:latest"
    assert resolve("myuser/llama3.1:8b").model == "myuser/llama3.1:8b"
    assert resolve("qwen2.5-coder:7b").family == "qwen2.5-coder"
    assert resolve("deepseek-coder:6.7b").family == "deepseek-coder"
    assert resolve("phi3:mini").family == "phi"
    assert resolve("nomic-embed-text").family == "nomic-embed-text"


def test_specificity_order_decides_between_matching_patterns() -> None:
    assert resolve("llama3.2-vision:90b").matched_pattern == "llama3.2-vision:*"
    assert resolve("llama3.2:latest").matched_pattern == "llama3.2*"
    assert resolve("llama-guard3:1b").matched_pattern == "llama*"
    assert resolve("llama3-gradient:8b").context_window == 1048576
    assert resolve("llama3-finetune:8b").matched_pattern == "llama3*"


def test_unknown_model_gets_the_safe_default() -> None:
    limits = resolve("zzz-mystery:7b")
    assert limits.source == "default"
    assert limits.matched_pattern is None
    assert (limits.context_window, limits.max_output_tokens) == (2048, 512)
    assert limits.capabilities.names() == {"completion", "streaming"}
    assert limits.family == "unknown"
    assert limits.profiles == ()
    assert set(msgspec.to_builtins(limits.sources).values()) == {"default"}


def test_unknown_model_with_a_known_family_gets_the_family_default() -> None:
    limits = resolve("zzz-mystery:7b", family="qwen2")
    assert limits.source == "family"
    assert limits.context_window == FAMILY_DEFAULTS["qwen2"].context_window == 32768
    assert limits.family == "qwen"
    embed = resolve("my-embedder", server=ServerFacts(family="nomic-bert"))
    assert embed.source == "family"
    assert embed.capabilities.embedding and not embed.capabilities.completion
    assert embed.max_output_tokens == 0


def test_unknown_family_keeps_the_default_but_reports_the_family() -> None:
    limits = resolve("zzz-mystery:7b", family="Brand-New-Arch")
    assert limits.source == "default"
    assert limits.family == "brand-new-arch"
    assert limits.sources.family == "server"


def test_family_defaults_are_consistent_with_their_profiles() -> None:
    for name, default in (*FAMILY_DEFAULTS.items(), ("safe", SAFE_DEFAULT)):
        assert 0 <= default.max_output_tokens <= default.context_window, name
        for profile_name in default.profiles:
            profile = BUILTIN_PROFILES[profile_name]
            assert default.context_window >= profile.minContextWindow, (name, profile_name)
            assert set(profile.requiredCapabilities) <= default.capabilities.names()


def test_server_facts_beat_the_database() -> None:
    server = ServerFacts(
        context_length=65536,
        capabilities=frozenset({"completion", "vision"}),
        family="llama",
        digest="sha256:abc",
    )
    limits = resolve("llama3.1:8b", server=server)
    assert limits.source == "server"
    assert limits.context_window == 65536
    assert limits.capabilities.names() == {"completion", "vision", "streaming"}
    assert limits.sources.capabilities == "server"
    assert limits.sources.max_output_tokens == "database"
    assert limits.matched_pattern == "llama3.1*"
    assert limits.digest == "sha256:abc"
    # 65536 is exactly long-context's minimum, so the database's profile still holds.
    assert "long-context" in limits.profiles


def test_server_window_smaller_than_output_clamps_output_and_drops_profiles() -> None:
    limits = resolve("llama3.1:8b", server=ServerFacts(context_length=4096))
    assert limits.context_window == 4096
    assert limits.max_output_tokens == 4096
    assert "long-context" not in limits.profiles
    assert "general" not in limits.profiles


def test_overrides_beat_server_facts_and_layer_partially() -> None:
    overrides = {
        "llama3.1:*": LimitsOverride(contextWindow=16384),
        "llama*": LimitsOverride(
            maxOutputTokens=1000,
            contextWindow=2048,
            capabilities=OverrideCapabilities(toolCalling=False),
        ),
        "*": LimitsOverride(profiles=("fast",)),
    }
    server = ServerFacts(context_length=131072, capabilities=frozenset({"completion", "tools"}))
    limits = resolve("llama3.1:8b", overrides=overrides, server=server)
    assert limits.source == "override"
    assert limits.context_window == 16384  # the most specific override setting it
    assert limits.matched_pattern == "llama3.1:*"
    assert limits.override_pattern == "llama3.1:*"
    assert limits.database_pattern == "llama3.1*"
    assert limits.max_output_tokens == 1000
    assert not limits.capabilities.tools
    assert limits.capabilities.completion  # untouched flags keep the server's answer
    assert limits.profiles == ("fast",)
    assert limits.sources == msgspec.convert(
        {
            "context_window": "override",
            "max_output_tokens": "override",
            "capabilities": "override",
            "family": "database",
            "profiles": "override",
        },
        type(limits.sources),
    )


def test_override_without_a_window_leaves_the_window_to_lower_layers() -> None:
    limits = resolve(
        "mistral:7b",
        overrides={"mistral*": LimitsOverride(maxOutputTokens=100)},
        server=ServerFacts(context_length=32768),
    )
    assert limits.source == "server"
    assert limits.max_output_tokens == 100
    assert limits.matched_pattern == "mistral:*"
    assert limits.override_pattern == "mistral*"


def test_override_patterns_with_a_namespace_match_the_display_name() -> None:
    overrides = {"myuser/*": LimitsOverride(contextWindow=12345)}
    assert resolve("myuser/llama3.1:8b", overrides=overrides).context_window == 12345
    assert resolve("llama3.1:8b", overrides=overrides).context_window == 131072


def test_invalid_overrides_are_reported() -> None:
    with pytest.raises(LimitsDataError, match="contextWindow: expected a positive number"):
        resolve("llama3", overrides={"llama*": LimitsOverride(contextWindow=0)})
    with pytest.raises(LimitsDataError, match="never closed"):
        validate_overrides({"llama[": LimitsOverride()})
    validate_overrides({"llama*": LimitsOverride(contextWindow=4096)})


def test_invalid_names_are_rejected() -> None:
    with pytest.raises(InvalidModelName):
        resolve("not a name")


def test_server_facts_from_show() -> None:
    info = {"general.architecture": "qwen2", "qwen2.context_length": 32768.0}
    facts = server_facts_from_show(info, ["completion", "Tools"], "qwen2", "sha256:1")
    assert facts == ServerFacts(
        context_length=32768,
        capabilities=frozenset({"completion", "tools"}),
        family="qwen2",
        digest="sha256:1",
    )
    # No architecture: fall back to the family's key; junk values give None.
    assert server_facts_from_show({"llama.context_length": 8192}, None, "llama", None) == (
        ServerFacts(context_length=8192, family="llama")
    )
    assert server_facts_from_show(
        {"general.architecture": "x", "x.context_length": "big"}, [], None, None
    ) == ServerFacts(family="x")
    assert (
        server_facts_from_show(
            {"general.architecture": "x", "x.context_length": True}, None, None, None
        ).context_length
        is None
    )
    assert server_facts_from_show({}, None, None, None) == ServerFacts()


def test_embedding_server_capabilities() -> None:
    limits = resolve("nomic-embed-text", server=ServerFacts(capabilities=frozenset({"embedding"})))
    assert limits.capabilities == Capabilities(completion=False, embedding=True, streaming=False)
    assert limits.max_output_tokens == 0


_part = st.from_regex(r"[a-z0-9_][a-z0-9_.\-]{0,15}", fullmatch=True)
_namespace = st.from_regex(r"[a-z0-9_][a-z0-9_\-]{0,10}", fullmatch=True)
valid_names = st.builds(
    lambda ns, model, tag: f"{ns + '/' if ns else ''}{model}{':' + tag if tag else ''}",
    st.none() | _namespace,
    _part | st.sampled_from(["llama3.1", "qwen2.5-coder", "phi3", "gemma3", "llava"]),
    st.none() | _part,
)


@given(valid_names, st.none() | st.sampled_from(sorted(FAMILY_DEFAULTS)))
@settings(max_examples=300)
def test_every_valid_name_gets_a_deterministic_sane_answer(name: str, family: str | None) -> None:
    first = resolve(name, family=family)
    assert first == resolve(name, family=family)
    assert first.context_window > 0
    assert 0 <= first.max_output_tokens <= first.context_window
    assert first.source in {"database", "family", "default"}
    assert (first.matched_pattern is None) == (first.source != "database")


def _db(*entries: ModelEntry) -> ModelDatabase:
    return ModelDatabase(list(entries), source="test")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (8192, 8192),
        (0, None),
        (-5, None),
        (1.0, 1),
        (4096.0, 4096),
        (0.0, None),
        (2.5, None),
        (-1.0, None),
        (True, None),
        (False, None),
        ("4096", None),
        (None, None),
    ],
)
def test_context_length_must_be_a_positive_whole_number(
    value: object, expected: int | None
) -> None:
    info = {"general.architecture": "x", "x.context_length": value}
    assert server_facts_from_show(info, None, None, None).context_length == expected


def test_server_facts_read_the_architecture_key_then_the_family_key() -> None:
    # The architecture's key wins when it has a value...
    both = {
        "general.architecture": "qwen2",
        "qwen2.context_length": 32768,
        "qwen.context_length": 8,
    }
    assert server_facts_from_show(both, None, "qwen", None).context_length == 32768
    # ... and the family's key is the fallback when it has none.
    family_only = {"general.architecture": "qwen2", "qwen.context_length": 4096}
    assert server_facts_from_show(family_only, None, "qwen", None).context_length == 4096
    # No architecture (or one that is not a name): the family names the key and the family.
    for arch in ("", 7, None):
        facts = server_facts_from_show(
            {"general.architecture": arch, "llama.context_length": 2048}, None, "llama", None
        )
        assert facts == ServerFacts(context_length=2048, family="llama")
        assert server_facts_from_show({"general.architecture": arch}, None, None, None) == (
            ServerFacts()
        )
    caps = server_facts_from_show({}, [" Completion ", "VISION"], None, "d")
    assert caps == ServerFacts(capabilities=frozenset({"completion", "vision"}), digest="d")


def test_every_server_capability_is_read() -> None:
    names = frozenset({"completion", "tools", "vision", "insert", "thinking"})
    limits = resolve("llama3:8b", server=ServerFacts(capabilities=names))
    assert limits.capabilities == Capabilities(
        completion=True, tools=True, vision=True, insert=True, thinking=True, streaming=True
    )
    bare = resolve("llama3.1:8b", server=ServerFacts(capabilities=frozenset({"completion"})))
    assert bare.capabilities.names() == {"completion", "streaming"}  # the database's tools gone


def test_override_problems_name_the_pattern_and_the_field() -> None:
    with pytest.raises(LimitsDataError) as info:
        validate_overrides(
            {
                "a*": LimitsOverride(contextWindow=0),
                "b*": LimitsOverride(maxOutputTokens=-1),
                "c[": LimitsOverride(),
            }
        )
    assert info.value.source == "limits.overrides"
    assert info.value.problems == (
        "limits.overrides.a*.contextWindow: expected a positive number, got 0",
        "limits.overrides.b*.maxOutputTokens: expected 0 or more, got -1",
        "limits.overrides.c[: pattern 'c[': '[' at 1 is never closed",
    )
    with pytest.raises(LimitsDataError) as info:
        resolve("llama3", overrides={"llama*": LimitsOverride(maxOutputTokens=-2)})
    assert info.value.source == "limits.overrides"
    assert info.value.problems == (
        "limits.overrides.llama*.maxOutputTokens: expected 0 or more, got -2",
    )
    # The smallest valid numbers pass.
    validate_overrides({"a*": LimitsOverride(contextWindow=1, maxOutputTokens=0)})
    limits = resolve(
        "llama3:8b", overrides={"llama3*": LimitsOverride(contextWindow=1, maxOutputTokens=0)}
    )
    assert (limits.context_window, limits.max_output_tokens) == (1, 0)


def test_plain_override_patterns_match_the_model_and_tag_of_any_namespace() -> None:
    overrides = {"llama3.1*": LimitsOverride(contextWindow=12345)}
    assert resolve("myuser/llama3.1:8b", overrides=overrides).context_window == 12345
    assert resolve("hf.co/x/llama3.1:q4", overrides=overrides).override_pattern == "llama3.1*"
    # A pattern with a namespace matches the display form: none for a library model.
    assert (
        resolve(
            "llama3.1:8b", overrides={"library/*": LimitsOverride(contextWindow=9)}
        ).context_window
        == 131072
    )


def test_override_flags_and_family_and_profiles() -> None:
    overrides = {
        "llama3:*": LimitsOverride(
            family="mine",
            capabilities=OverrideCapabilities(vision=True, thinking=True, streaming=False),
        ),
        "llama*": LimitsOverride(
            family="broad",
            profiles=("fast",),
            capabilities=OverrideCapabilities(vision=False, insert=True),
        ),
    }
    limits = resolve("llama3:8b", overrides=overrides)
    assert limits.family == "mine"
    assert limits.sources.family == "override"
    # For each flag the most specific override that sets it wins.
    assert limits.capabilities == Capabilities(
        completion=True, vision=True, thinking=True, insert=True, streaming=False
    )
    assert limits.sources.capabilities == "override"
    assert limits.profiles == ("fast",)
    assert limits.override_pattern == "llama3:*"
    assert limits.matched_pattern == "llama3:*" == limits.database_pattern  # the database's


def test_entries_without_max_output_get_the_window_or_nothing() -> None:
    db = _db(
        ModelEntry(pattern="gen*", family="g", contextWindow=3000, source="t"),
        ModelEntry(
            pattern="emb*",
            family="e",
            contextWindow=700,
            source="t",
            capabilities=EntryCapabilities(embedding=True, streaming=False),
        ),
    )
    gen = resolve_limits("gen:1b", database=db)
    assert (gen.context_window, gen.max_output_tokens, gen.source) == (3000, 3000, "database")
    emb = resolve_limits("emb:1b", database=db)
    assert (emb.context_window, emb.max_output_tokens) == (700, 0)


def test_profiles_the_resolved_model_no_longer_meets_are_dropped() -> None:
    db = _db(
        ModelEntry(
            pattern="big*",
            family="b",
            contextWindow=131072,
            maxOutputTokens=8192,
            source="t",
            capabilities=EntryCapabilities(toolCalling=True),
            profiles=("fast", "general", "tools", "long-context"),
        )
    )
    full = resolve_limits("big:1", database=db)
    assert full.profiles == ("fast", "general", "tools", "long-context")
    small = resolve_limits("big:1", database=db, server=ServerFacts(context_length=8192))
    assert small.profiles == ("fast", "general", "tools")
    no_tools = resolve_limits(
        "big:1", database=db, server=ServerFacts(capabilities=frozenset({"completion"}))
    )
    assert no_tools.profiles == ("fast", "general", "long-context")


def test_an_override_profile_is_kept_even_when_the_model_does_not_meet_it() -> None:
    limits = resolve(
        "phi3:mini", overrides={"phi3*": LimitsOverride(profiles=("long-context", "own"))}
    )
    assert limits.profiles == ("long-context", "own")
    assert limits.sources.profiles == "override"


# -- the safe default, from every side it is reached -------------------------------------


def test_an_unknown_family_and_no_server_window_keep_2048() -> None:
    limits = resolve("zzz-mystery:7b", family="Brand-New-Arch")
    assert (limits.context_window, limits.max_output_tokens) == (2048, 512)
    assert limits.sources.context_window == "default"


def test_server_capabilities_alone_keep_the_default_window() -> None:
    server = ServerFacts(capabilities=frozenset({"completion", "tools"}), family="mystery")
    limits = resolve("zzz-mystery:7b", server=server)
    assert limits.context_window == 2048
    assert limits.max_output_tokens == 512
    assert limits.capabilities.names() == {"completion", "tools", "streaming"}
    assert (limits.source, limits.sources.capabilities) == ("default", "server")


def test_an_override_of_one_field_keeps_the_default_for_the_others() -> None:
    limits = resolve("zzz-mystery:7b", overrides={"zzz*": LimitsOverride(maxOutputTokens=100)})
    assert (limits.context_window, limits.max_output_tokens) == (2048, 100)
    wider = resolve("zzz-mystery:7b", overrides={"zzz*": LimitsOverride(maxOutputTokens=4000)})
    assert wider.max_output_tokens == 2048  # never more than the (default) window


def test_an_embedding_server_without_a_window_gets_the_default_window_and_no_output() -> None:
    server = ServerFacts(capabilities=frozenset({"embedding"}))
    limits = resolve("zzz-embedder:latest", server=server)
    assert (limits.context_window, limits.max_output_tokens) == (2048, 0)


@given(st.from_regex(r"zzz[a-z0-9_.\-]{0,12}", fullmatch=True), st.none() | st.just("no-such-arch"))
def test_every_unknown_name_gets_the_same_safe_answer(name: str, family: str | None) -> None:
    limits = resolve(name, family=family)
    assert (limits.context_window, limits.max_output_tokens, limits.source) == (
        2048,
        512,
        "default",
    )


# -- the specificity order, through the database and the overrides ------------------------


def test_the_most_specific_database_entry_wins_wherever_it_is_listed() -> None:
    # Patterns match 'model:tag'.
    entries = [
        ModelEntry(pattern="ab*", family="broad", contextWindow=1000, source="t"),
        ModelEntry(pattern="ab*:c?", family="specific", contextWindow=2000, source="t"),
        ModelEntry(pattern="a?*:c?", family="wild", contextWindow=3000, source="t"),
    ]
    for ordered in (entries, entries[::-1]):
        # 'ab*:c?' has the most literals (4), although it also has more wildcards than 'ab*'.
        assert resolve_limits("abx:c1", database=_db(*ordered)).family == "specific"
        assert resolve_limits("abx:z", database=_db(*ordered)).family == "broad"


def test_overrides_rank_by_literals_then_wildcards_then_order() -> None:
    overrides = {
        "ab*": LimitsOverride(contextWindow=1000),
        "ab*:c?": LimitsOverride(contextWindow=2000),
        "a*:c?": LimitsOverride(contextWindow=3000, maxOutputTokens=7),
    }
    db = _db(ModelEntry(pattern="a*", family="a", contextWindow=50_000, source="t"))
    limits = resolve_limits("abx:c1", database=db, overrides=overrides)
    assert (limits.context_window, limits.override_pattern) == (2000, "ab*:c?")
    assert limits.max_output_tokens == 7  # the field only the least specific one sets
    # Equal literals: fewer wildcards first; then the earlier pattern.
    fewer = {"a?c*": LimitsOverride(contextWindow=1), "a*t": LimitsOverride(contextWindow=2)}
    assert resolve_limits("abc:t", database=db, overrides=fewer).context_window == 2
    same = {"a*t": LimitsOverride(contextWindow=1), "*:t": LimitsOverride(contextWindow=2)}
    assert resolve_limits("abc:t", database=db, overrides=same).context_window == 1
    swapped = {"*:t": LimitsOverride(contextWindow=2), "a*t": LimitsOverride(contextWindow=1)}
    assert resolve_limits("abc:t", database=db, overrides=swapped).context_window == 2
