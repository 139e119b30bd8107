"""Each flat env var and each flag lands on its settings path with the schema's type."""

from __future__ import annotations

from pathlib import Path

import pytest

from ollm_actors.config import ENV_VARS, FLAGS, flags_to_overrides
from tests.config.helpers import load_hermetic, value_at

ENV_CASES = [
    ("OLLM_MODEL", "qwen2.5:7b", ("model", "default"), "qwen2.5:7b"),
    ("OLLM_PROVIDER", "ollama", ("provider",), "ollama"),
    ("OLLM_HOST", "http://gpu-box:11434", ("providers", "ollama", "host"), "http://gpu-box:11434"),
    ("OLLAMA_HOST", "gpu-box", ("providers", "ollama", "host"), "http://gpu-box:11434"),
    (
        "OLLM_HOSTS",
        "http://a:1, http://b:2,",
        ("providers", "ollama", "hosts"),
        ["http://a:1", "http://b:2"],
    ),
    ("OLLM_TEMPERATURE", "0.25", ("options", "temperature"), 0.25),
    ("OLLM_MAX_TOKENS", "512", ("options", "maxTokens"), 512),
    ("OLLM_CONTEXT_SIZE", "16384", ("providers", "ollama", "options", "numCtx"), 16384),
    ("OLLM_CACHE_DIR", "/var/cache/ollm", ("cache", "dir"), "/var/cache/ollm"),
    ("OLLM_STATE_URL", "redis://v:6379/0", ("state", "url"), "redis://v:6379/0"),
]


def test_every_env_var_of_the_table_is_covered() -> None:
    assert {case[0] for case in ENV_CASES} == {var.name for var in ENV_VARS}


@pytest.mark.parametrize(("name", "text", "path", "expected"), ENV_CASES)
def test_env_var_lands_on_its_path_with_its_type(
    tmp_path: Path, name: str, text: str, path: tuple[str, ...], expected: object
) -> None:
    settings = load_hermetic(tmp_path, env={name: text})
    value = value_at(settings, path)
    assert value == expected
    assert type(value) is type(expected)
    assert settings.sources[".".join(path)] == f"env:{name}"


def test_ollm_host_wins_over_ollama_host(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path, env={"OLLM_HOST": "http://one:1", "OLLAMA_HOST": "two:2"}
    )
    assert settings.providers.ollama.host == "http://one:1"
    assert settings.sources["providers.ollama.host"] == "env:OLLM_HOST"


def test_empty_flat_variable_counts_as_unset(tmp_path: Path) -> None:
    settings = load_hermetic(tmp_path, env={"OLLM_MODEL": "  ", "OLLM_TEMPERATURE": ""})
    assert settings.model.default is None
    assert settings.sources["options.temperature"] == "default"


def test_nested_env_form_sets_any_key_with_its_type(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path,
        env={
            "OLLM_SET__options__topP": "0.5",
            "OLLM_SET__model__routing__enabled": "no",
            "OLLM_SET__downloads__concurrency": "4",
            "OLLM_SET__routing__tasks__triage": "fast",
        },
    )
    assert settings.options.top_p == 0.5
    assert settings.model.routing.enabled is False
    assert settings.downloads.concurrency == 4
    assert settings.routing.tasks["triage"] == "fast"
    assert settings.sources["options.topP"] == "env:OLLM_SET__options__topP"


def test_flat_variable_never_replaces_a_whole_section(tmp_path: Path) -> None:
    # The dynaconf trap: OLLM_MODEL must set model.default, not the "model" section.
    settings = load_hermetic(tmp_path, env={"OLLM_MODEL": "phi3:mini"})
    assert settings.model.routing.default_profile == "general"
    assert settings.model.default == "phi3:mini"


FLAG_CASES = [
    ("model", "llama3.1:8b", {"model.default": "llama3.1:8b"}),
    ("profile", "code", {"model.routing.defaultProfile": "code"}),
    ("temperature", 0.1, {"options.temperature": 0.1}),
    ("max_tokens", 99, {"options.maxTokens": 99}),
    ("top_p", 0.25, {"options.topP": 0.25}),
    ("provider", "ollama", {"provider": "ollama"}),
    ("context_size", 2048, {"providers.ollama.options.numCtx": 2048}),
    (
        "host",
        ["http://a:1", "http://b:2"],
        {"providers.ollama.host": "http://a:1", "providers.ollama.hosts": ["http://a:1", "http://b:2"]},
    ),
]


def test_every_flag_of_the_table_is_covered() -> None:
    assert {case[0] for case in FLAG_CASES} == {flag.param for flag in FLAGS}


@pytest.mark.parametrize(("param", "value", "expected"), FLAG_CASES)
def test_flag_lands_on_its_path(
    tmp_path: Path, param: str, value: object, expected: dict[str, object]
) -> None:
    overrides, sources = flags_to_overrides({param: value, "json": True, "verbose": None})
    assert overrides == expected
    flag = "--" + param.replace("_", "-")
    assert set(sources.values()) == {f"flag:{flag}"}
    settings = load_hermetic(tmp_path, overrides=overrides, override_sources=sources)
    for dotted, want in expected.items():
        got = value_at(settings, tuple(dotted.split(".")))
        assert got == want
        assert type(got) is type(want)
        assert settings.sources[dotted] == f"flag:{flag}"


def test_flags_given_as_text_are_converted(tmp_path: Path) -> None:
    overrides, sources = flags_to_overrides({"--temperature": "1.5", "--max-tokens": "10"})
    settings = load_hermetic(tmp_path, overrides=overrides, override_sources=sources)
    assert settings.options.temperature == 1.5
    assert settings.options.max_tokens == 10


def test_unset_flags_are_skipped() -> None:
    assert flags_to_overrides({"model": None, "host": [], "config": "x.yaml"}) == ({}, {})


def test_single_host_flag_sets_host_and_hosts(tmp_path: Path) -> None:
    overrides, sources = flags_to_overrides({"host": "http://solo:11434"})
    settings = load_hermetic(tmp_path, overrides=overrides, override_sources=sources)
    assert settings.hosts() == ["http://solo:11434"]
    assert settings.providers.ollama.hosts == ("http://solo:11434",)
