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
from ollm_actors.vocab.database import load_builtin_database
from ollm_actors.vocab.entries import Capabilities, LimitsOverride, OverrideCapabilities
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
