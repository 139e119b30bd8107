"""One validation pass for every problem; an agent's own ``Dynaconf``; a flag that makes a
bad environment value moot."""

from __future__ import annotations

from pathlib import Path

import pytest
from dynaconf import Dynaconf

from ollm_actors.config import load_settings
from ollm_actors.errors import SettingsError
from tests.config.helpers import load_hermetic, write_yaml


def test_one_pass_reports_type_profile_and_cycle_problems_together(tmp_path: Path) -> None:
    user = {
        "options": {"temperature": 9, "maxToken": 5},
        "model": {"routing": {"defaultProfile": "cdoe", "overrides": {"nosuch": "m:1"}}},
        "routing": {"profiles": {
            "code": {"fallbackProfile": "general"},
            "general": {"fallbackProfile": "code"},
        }},
    }
    with pytest.raises(SettingsError) as caught:
        load_hermetic(tmp_path, user=user)
    found = {p.path: p for p in caught.value.problems}
    assert set(found) >= {
        "options.temperature",  # a type/range error
        "options.maxToken",  # an unknown key
        "model.routing.defaultProfile",  # an unknown profile
        "model.routing.overrides.nosuch",  # a dangling override
        "routing.profiles.code.fallbackProfile",  # the cycle
    }
    assert found["options.maxToken"].suggestion == "maxTokens"
    assert found["model.routing.defaultProfile"].suggestion == "code"
    assert "code -> general -> code" in found["routing.profiles.code.fallbackProfile"].found
    assert all(p.source.startswith(f"file:{tmp_path}/user.yaml:") for p in found.values())


def test_a_flag_overrides_a_bad_env_value_with_a_warning(tmp_path: Path) -> None:
    env = {"OLLM_TEMPERATURE": "hot"}
    with pytest.raises(SettingsError, match="OLLM_TEMPERATURE"):
        load_hermetic(tmp_path, env=env)
    settings = load_hermetic(
        tmp_path, env=env, overrides={"options.temperature": 0.2},
        override_sources={"options.temperature": "flag:--temperature"},
    )
    assert settings.options.temperature == 0.2
    [warning] = settings.warnings
    assert "OLLM_TEMPERATURE" in warning and "--temperature" in warning
    # Another key's bad variable still stops the load.
    with pytest.raises(SettingsError, match="OLLM_MAX_TOKENS"):
        load_hermetic(
            tmp_path, env={**env, "OLLM_MAX_TOKENS": "many"},
            overrides={"options.temperature": 0.2},
        )


def _agent_settings(tmp_path: Path, text: str) -> Dynaconf:
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return Dynaconf(settings_files=[str(path)], envvar_prefix="AGENT", load_dotenv=False)


def test_an_agents_own_dynaconf_object_is_read_and_validated(tmp_path: Path) -> None:
    obj = _agent_settings(tmp_path, (
        "agent_name: helper\n"
        "ollm:\n  options:\n    temperature: 0.3\n  providers:\n    ollama:\n"
        "      host: http://gpu:11434\n"
    ))
    settings = load_settings(dynaconf=obj, section="ollm", env={}, cwd=tmp_path)
    assert settings.options.temperature == 0.3
    assert settings.hosts() == ["http://gpu:11434"]
    assert settings.sources["options.temperature"] == "dynaconf:ollm"
    # Environment and overrides still stand above it.
    higher = load_settings(
        dynaconf=obj, section="ollm", env={"OLLM_TEMPERATURE": "0.9"}, cwd=tmp_path
    )
    assert higher.options.temperature == 0.9


def test_an_agents_dynaconf_section_is_validated_like_a_file(tmp_path: Path) -> None:
    obj = _agent_settings(tmp_path, "ollm:\n  options:\n    topp: 0.3\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(dynaconf=obj, section="ollm", env={}, cwd=tmp_path)
    [problem] = caught.value.problems
    assert (problem.path, problem.source, problem.suggestion) == (
        "options.topp", "dynaconf:ollm", "topP",
    )
    with pytest.raises(SettingsError, match="dynaconf:llm"):
        load_settings(dynaconf=obj, section="llm", env={}, cwd=tmp_path)


def test_the_project_file_is_ignored_when_a_dynaconf_object_is_given(tmp_path: Path) -> None:
    write_yaml(tmp_path / ".ollm" / "settings.yaml", {"options": {"maxTokens": 9}})
    obj = _agent_settings(tmp_path, "ollm:\n  options:\n    maxTokens: 7\n")
    assert load_settings(dynaconf=obj, env={}, cwd=tmp_path).options.max_tokens == 7


def test_the_cli_warns_about_the_ignored_variable_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ollm_actors.cli.state import CliState
    from ollm_actors.config import flags_to_overrides

    monkeypatch.setenv("OLLM_TEMPERATURE", "hot")
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    overrides, sources = flags_to_overrides({"--temperature": 0.3})
    state = CliState(config_file=empty, overrides=overrides, override_sources=sources)
    assert state.load_settings().options.temperature == 0.3  # no SystemExit: exit 0
    err = capsys.readouterr().err
    assert "warning:" in err and "OLLM_TEMPERATURE" in err and "--temperature" in err
