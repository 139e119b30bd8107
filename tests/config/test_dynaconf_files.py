"""Settings files as dynaconf users write them: every format, ``.secrets.*`` beside, the
environments of ``OLLM_ENV``, merge markers, literal ``@format``, exact keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from ollm_actors.config import load_settings
from ollm_actors.errors import SettingsError
from tests.config.helpers import load_hermetic, write_yaml

_FORMATS = {
    "settings.yaml": "options:\n  temperature: 0.25\n  topK: 7\nproviders:\n  ollama:\n"
    "    hosts: ['http://a:1', 'http://b:2']\n",
    "settings.toml": "[options]\ntemperature = 0.25\ntopK = 7\n\n[providers.ollama]\n"
    "hosts = ['http://a:1', 'http://b:2']\n",
    "settings.json": '{"options": {"temperature": 0.25, "topK": 7},'
    ' "providers": {"ollama": {"hosts": ["http://a:1", "http://b:2"]}}}',
    "settings.ini": "[options]\ntemperature = 0.25\ntopK = 7\n\n[providers.ollama]\n"
    "hosts = http://a:1,http://b:2\n",
    "settings.env": "# a .env file\nOLLM_TEMPERATURE=0.25\nOLLM_SET__options__topK=7\n"
    "export OLLM_HOSTS='http://a:1,http://b:2'\n",
}


@pytest.mark.parametrize("name", sorted(_FORMATS))
def test_each_file_format_gives_the_same_settings(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(_FORMATS[name])
    settings = load_settings(path, env={}, cwd=tmp_path)
    assert settings.options.temperature == 0.25
    assert settings.options.top_k == 7
    assert settings.hosts() == ["http://a:1", "http://b:2"]
    assert settings.sources["options.temperature"].startswith(f"file:{path}")


@pytest.mark.parametrize("ext", [".yaml", ".toml", ".json", ".ini"])
def test_the_project_file_may_be_any_format(tmp_path: Path, ext: str) -> None:
    text = {".yaml": "options: {maxTokens: 77}\n", ".toml": "[options]\nmaxTokens = 77\n",
            ".json": '{"options": {"maxTokens": 77}}', ".ini": "[options]\nmaxTokens = 77\n"}
    folder = tmp_path / "work" / ".ollm"
    folder.mkdir(parents=True)
    (folder / f"settings{ext}").write_text(text[ext])
    assert load_hermetic(tmp_path).options.max_tokens == 77


def test_a_typo_in_an_ini_or_toml_file_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    path.write_text("[options]\ntemperature = hot\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, env={}, cwd=tmp_path)
    [problem] = caught.value.problems
    assert (problem.path, problem.source) == ("options.temperature", f"file:{path}:2:1")
    bad = tmp_path / "s.toml"
    bad.write_text("[options\n")
    with pytest.raises(SettingsError, match="invalid TOML"):
        load_settings(bad, env={}, cwd=tmp_path)


def test_secrets_beside_the_file_win_over_it(tmp_path: Path) -> None:
    user = write_yaml(tmp_path / "conf" / "settings.yaml", {
        "providers": {"ollama": {"host": "http://box:11434"}}, "options": {"topP": 0.5},
    })
    write_yaml(tmp_path / "conf" / ".secrets.yaml", {
        "providers": {"ollama": {"host": "http://me:pw@box:11434"}},
    })
    settings = load_settings(user, env={}, cwd=tmp_path)
    assert settings.providers.ollama.host == "http://me:pw@box:11434"
    assert settings.options.top_p == 0.5  # merged, not replaced
    assert settings.sources["providers.ollama.host"] == f"file:{tmp_path}/conf/.secrets.yaml"
    assert "pw" not in repr(settings)


_ENVIRONMENTS = {
    "default": {"options": {"temperature": 0.5, "maxTokens": 100}},
    "production": {"options": {"temperature": 0.1}},
    "development": {"options": {"temperature": 1.5}},
}


def test_ollm_env_picks_the_section_over_default(tmp_path: Path) -> None:
    settings = load_hermetic(tmp_path, user=_ENVIRONMENTS, env={"OLLM_ENV": "production"})
    assert (settings.options.temperature, settings.options.max_tokens) == (0.1, 100)
    plain = load_hermetic(tmp_path, user=_ENVIRONMENTS)
    assert plain.options.temperature == 0.5  # without OLLM_ENV only default applies
    upper = load_hermetic(tmp_path, user=_ENVIRONMENTS, env={"OLLM_ENV": "DEVELOPMENT"})
    assert upper.options.temperature == 1.5


def test_an_unknown_environment_is_named_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_hermetic(tmp_path, user=_ENVIRONMENTS, env={"OLLM_ENV": "prodution"})
    [problem] = caught.value.problems
    assert problem.source == "env:OLLM_ENV"
    assert problem.suggestion == "production"


def test_settings_keys_beside_environment_sections_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_hermetic(tmp_path, user={"default": {"options": {}}, "model": {"default": "x"}})
    assert [p.path for p in caught.value.problems] == ["model"]


def test_lists_replace_unless_a_merge_marker_asks_to_add(tmp_path: Path) -> None:
    user = {"providers": {"ollama": {"hosts": ["http://a:1", "http://b:1"]}}}
    replaced = load_hermetic(
        tmp_path, user=user, project={"providers": {"ollama": {"hosts": ["http://c:1"]}}}
    )
    assert replaced.hosts() == ["http://c:1"]
    added = load_hermetic(
        tmp_path, user=user,
        project={"providers": {"ollama": {"hosts": ["dynaconf_merge", "http://c:1"]}}},
    )
    assert added.hosts() == ["http://a:1", "http://b:1", "http://c:1"]
    unique = load_hermetic(
        tmp_path, user=user,
        project={"providers": {"ollama": {"hosts": ["dynaconf_merge_unique", "http://a:1"]}}},
    )
    assert unique.hosts() == ["http://b:1", "http://a:1"]


def test_a_mapping_marked_not_to_merge_replaces(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path,
        user={"routing": {"tasks": {"triage": "fast", "sql": "code"}}},
        project={"routing": {"tasks": {"dynaconf_merge": False, "docs": "general"}}},
    )
    assert "triage" not in settings.routing.tasks and settings.routing.tasks["docs"] == "general"


def test_format_and_jinja_text_stays_literal(tmp_path: Path) -> None:
    settings = load_hermetic(tmp_path, user={
        "model": {"default": "@format{env[HOME]}"},
        "routing": {"profiles": {"code": {"description": "@jinja {{ this.x }}"}}},
        "cache": {"dir": "@read_file /etc/passwd"},
    })
    assert settings.model.default == "@format{env[HOME]}"
    assert settings.routing.profiles["code"].description == "@jinja {{ this.x }}"
    assert settings.cache.dir == "@read_file /etc/passwd"


def test_keys_are_exact_topp_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_hermetic(tmp_path, user={"options": {"topp": 0.5}})
    [problem] = caught.value.problems
    assert problem.path == "options.topp"
    assert problem.suggestion == "topP"
    assert "did you mean 'topP'" in str(caught.value)
    with pytest.raises(SettingsError, match="'Options'"):
        load_hermetic(tmp_path, user={"Options": {"topP": 0.5}})


def test_dynaconf_does_not_read_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dynaconf's own variables: none of them may reach a load that was given env={}.
    monkeypatch.setenv("ENV_FOR_DYNACONF", "production")
    monkeypatch.setenv("DYNACONF_OLLM__options__temperature", "1.9")
    monkeypatch.setenv("INCLUDES_FOR_DYNACONF", str(tmp_path / "evil.yaml"))
    write_yaml(tmp_path / "evil.yaml", {"OLLM": {"options": {"temperature": 1.8}}})
    settings = load_hermetic(tmp_path, user=_ENVIRONMENTS)
    assert settings.options.temperature == 0.5


def test_an_unknown_mapping_among_settings_is_a_typo_not_an_environment(tmp_path: Path) -> None:
    # Found by hypothesis: `x: {model: ...}` beside real settings is an unknown key, not an
    # environment section that would make every real key "beside environment sections".
    path = tmp_path / "settings.yaml"
    path.write_text("events: {buffer: 1}\nx: {model: {default: phi3}}\n")
    with pytest.raises(SettingsError) as info:
        load_settings(path, env={}, cwd=tmp_path)
    [problem] = info.value.problems
    assert problem.path == "x"
    assert "environment" not in problem.found
