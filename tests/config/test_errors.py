"""Every kind of settings problem is reported, all at once, naming its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from ollm_actors.cli.exits import exit_code
from ollm_actors.config import load_settings
from ollm_actors.errors import SettingsError, SettingsProblem
from tests.config.helpers import load_hermetic


def _problems(exc: pytest.ExceptionInfo[SettingsError]) -> list[SettingsProblem]:
    return list(exc.value.problems)


def test_misspelt_key_names_file_line_and_suggestion(tmp_path: Path) -> None:
    user = tmp_path / "user.yaml"
    user.write_text("options:\n  temperature: 0.5\n  maxToken: 100\n")
    with pytest.raises(SettingsError) as exc:
        load_settings(user, env={}, cwd=tmp_path)
    [problem] = _problems(exc)
    assert problem.path == "options.maxToken"
    assert problem.source == f"file:{user}:3:3"
    assert problem.suggestion == "maxTokens"
    assert "did you mean 'maxTokens'" in str(exc.value)
    assert exit_code(exc.value) == 2


def test_unparsable_yaml_gives_line_and_column(tmp_path: Path) -> None:
    user = tmp_path / "user.yaml"
    user.write_text("options:\n  temperature: [0.5\n  topP: 1\n")
    with pytest.raises(SettingsError) as exc:
        load_settings(user, env={}, cwd=tmp_path)
    [problem] = _problems(exc)
    assert problem.source.startswith(f"file:{user}:")
    line, column = problem.source.removeprefix(f"file:{user}:").split(":")
    assert (int(line), int(column)) >= (3, 1)
    assert "invalid YAML" in problem.found


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="instead of a mapping"):
        load_hermetic(tmp_path, user=["a", "b"])


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, env={"OLLM_TEMPERATURE": "hot"})
    [problem] = _problems(exc)
    assert str(problem) == (
        "env:OLLM_TEMPERATURE: options.temperature expected a number from 0 to 2, got 'hot'"
    )


def test_out_of_range_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, env={"OLLM_MAX_TOKENS": "0"})
    [problem] = _problems(exc)
    assert (problem.source, problem.path) == ("env:OLLM_MAX_TOKENS", "options.maxTokens")
    assert problem.expected == "an integer ≥ 1"


def test_bad_flag_names_the_flag(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(
            tmp_path,
            overrides={"options.temperature": 7},
            override_sources={"options.temperature": "flag:--temperature"},
        )
    [problem] = _problems(exc)
    assert problem.source == "flag:--temperature"
    assert problem.found == "7"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(
            tmp_path,
            user={"options": {"topP": 2}, "provider": "openai"},
            env={"OLLM_CONTEXT_SIZE": "big"},
            overrides={"events.buffer": 0},
        )
    sources = sorted(p.source.split(":")[0] + ":" + p.path for p in _problems(exc))
    assert sources == [
        "env:providers.ollama.options.numCtx",
        "file:options.topP",
        "file:provider",
        "flag:events.buffer",
    ]
    assert "4 problems" in str(exc.value)


def test_fallback_cycle_is_named(tmp_path: Path) -> None:
    user = {"routing": {"profiles": {"general": {"fallbackProfile": "code"}}}}
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, user=user)
    [problem] = _problems(exc)
    assert problem.found == "a cycle code -> general -> code"
    assert problem.source.startswith(f"file:{tmp_path / 'user.yaml'}:")


def test_self_fallback_is_a_cycle(tmp_path: Path) -> None:
    user = {"routing": {"profiles": {"mine": {"fallbackProfile": "mine"}}}}
    with pytest.raises(SettingsError, match="mine -> mine"):
        load_hermetic(tmp_path, user=user)


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ({"routing": {"profiles": {"x": {"fallbackProfile": "genral"}}}},
         "routing.profiles.x.fallbackProfile"),
        ({"model": {"routing": {"overrides": {"coding": "m:1"}}}},
         "model.routing.overrides.coding"),
        ({"routing": {"tasks": {"triage": "fastt"}}}, "routing.tasks.triage"),
        ({"model": {"routing": {"defaultProfile": "genral"}}}, "model.routing.defaultProfile"),
        ({"limits": {"overrides": {"m*": {"profiles": ["cod"]}}}},
         "limits.overrides.m*.profiles.0"),
    ],
)
def test_unknown_profile_reference(tmp_path: Path, user: object, path: str) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, user=user)
    [problem] = _problems(exc)
    assert problem.path == path
    assert problem.found.startswith("unknown profile")
    assert problem.suggestion is not None
    assert problem.source.startswith(f"file:{tmp_path / 'user.yaml'}")


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SettingsError) as exc:
        load_settings(missing, env={}, cwd=tmp_path)
    assert _problems(exc)[0].source == f"file:{missing}"


def test_missing_ollm_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_settings(env={"OLLM_CONFIG": str(tmp_path / "nope.yaml")}, cwd=tmp_path)
    assert _problems(exc)[0].source == "env:OLLM_CONFIG"


def test_ollm_config_names_the_user_file(tmp_path: Path) -> None:
    user = tmp_path / "mine.yaml"
    user.write_text("options: {maxTokens: 5}\n")
    settings = load_settings(env={"OLLM_CONFIG": str(user)}, cwd=tmp_path)
    assert settings.options.max_tokens == 5
    assert settings.sources["options.maxTokens"] == f"file:{user}"


def test_invalid_host_is_checked_by_parse_host(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, user={"providers": {"ollama": {"host": "http://h:99999"}}})
    [problem] = _problems(exc)
    assert problem.path == "providers.ollama.host"
    assert "65535" in problem.found


def test_non_http_host_is_refused_by_parse_host(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, env={"OLLM_HOST": "ftp://h"})
    [problem] = _problems(exc)
    assert problem.source == "env:OLLM_HOST"
    assert problem.expected.startswith("an Ollama host")
    assert "not http or https" in problem.found


def test_credentials_never_appear_in_problems(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, env={"OLLM_HOST": "http://user:s3cret@h:99999"})
    assert "s3cret" not in str(exc.value)


def test_bad_ollama_host_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, env={"OLLAMA_HOST": "gopher://x"})
    assert _problems(exc)[0].source == "env:OLLAMA_HOST"


def test_non_finite_number_is_rejected(tmp_path: Path) -> None:
    user = tmp_path / "user.yaml"
    user.write_text("options:\n  temperature: .nan\n")
    with pytest.raises(SettingsError, match="a finite number"):
        load_settings(user, env={}, cwd=tmp_path)


def test_alias_cycle_is_reported_not_crashing(tmp_path: Path) -> None:
    user = tmp_path / "user.yaml"
    user.write_text("routing: &a\n  tasks: *a\n")
    with pytest.raises(SettingsError):
        load_settings(user, env={}, cwd=tmp_path)


def test_malformed_nested_env_name(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, env={"OLLM_SET__options____topP": "1"})
    assert _problems(exc)[0].source == "env:OLLM_SET__options____topP"


def test_whole_section_replaced_by_text_is_caught(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as exc:
        load_hermetic(tmp_path, overrides={"model": "llama3"})
    [problem] = _problems(exc)
    assert (problem.path, problem.source) == ("model", "flag:model")


def test_env_and_flag_text_that_is_not_utf8_is_a_settings_error(tmp_path: Path) -> None:
    # os.environ and sys.argv turn bytes that are not UTF-8 into lone surrogates.
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(SettingsError) as caught:
        load_settings(empty, env={"OLLM_MODEL": "llama\udcff"}, cwd=tmp_path)
    assert "env:OLLM_MODEL" in str(caught.value) and "not UTF-8" in str(caught.value)
    with pytest.raises(SettingsError, match="not UTF-8"):
        load_settings(empty, env={}, overrides={"model.default": "\ud800"}, cwd=tmp_path)
