"""``ollm config show`` / ``ollm config validate`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import typer
from typer.testing import CliRunner

from ollm_actors.cli.config_cmd import config_app
from ollm_actors.cli.exits import exit_code
from ollm_actors.config import Settings, load_settings
from ollm_actors.errors import OllmError


class StubState:
    """The attributes and methods of the lead's CliState that config_cmd relies on."""

    def __init__(self, tmp: Path, *, env: dict[str, str], as_json: bool = False) -> None:
        self.config_file: Path | None = tmp / "user.yaml"
        self.overrides: dict[str, object] = {}
        self.override_sources: dict[str, str] = {}
        self.json = as_json
        self.verbose = False
        self._env = env
        self._cwd = tmp

    def load_settings(self) -> Settings:
        return load_settings(
            self.config_file,
            env=self._env,
            overrides=self.overrides,
            override_sources=self.override_sources,
            cwd=self._cwd,
        )

    def fail(self, error: OllmError) -> NoReturn:
        if self.json:
            typer.echo(json.dumps({"error": error.facts()}))
        else:
            typer.echo(error.message, err=True)
        raise typer.Exit(exit_code(error))


def _app(state: StubState) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = state

    app.add_typer(config_app, name="config")
    return app


def _state(tmp_path: Path, text: str = "", **kw: object) -> StubState:
    (tmp_path / "user.yaml").write_text(text)
    return StubState(tmp_path, **kw)  # type: ignore[arg-type]


def test_show_json_prints_settings_and_sources(tmp_path: Path) -> None:
    state = _state(tmp_path, "options: {maxTokens: 100}\n", env={"OLLM_TEMPERATURE": "0.3"})
    state.overrides = {"model.default": "phi3:mini"}
    state.override_sources = {"model.default": "flag:--model"}
    result = CliRunner().invoke(_app(state), ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    options = out["settings"]["options"]
    assert {k: options[k] for k in ("temperature", "maxTokens", "topP")} == {
        "temperature": 0.3, "maxTokens": 100, "topP": 0.9,
    }
    assert options["topK"] is None  # the generation parameters added later: Ollama's default
    assert out["sources"]["options.temperature"] == "env:OLLM_TEMPERATURE"
    assert out["sources"]["options.maxTokens"] == f"file:{tmp_path / 'user.yaml'}"
    assert out["sources"]["model.default"] == "flag:--model"
    assert out["sources"]["options.topP"] == "default"


def test_show_redacts_credentials(tmp_path: Path) -> None:
    state = _state(tmp_path, env={"OLLM_HOST": "http://me:s3cret@box:11434"}, as_json=True)
    result = CliRunner().invoke(_app(state), ["config", "show"])
    assert result.exit_code == 0
    assert "s3cret" not in result.stdout
    assert json.loads(result.stdout)["settings"]["providers"]["ollama"]["host"] == (
        "http://***@box:11434"
    )


def test_show_table_lists_values_with_sources(tmp_path: Path) -> None:
    state = _state(tmp_path, env={"OLLM_MAX_TOKENS": "321"})
    result = CliRunner().invoke(_app(state), ["config", "show"], terminal_width=200)
    assert result.exit_code == 0
    line = next(row for row in result.stdout.splitlines() if "options.maxTokens" in row)
    assert "321" in line and "env:OLLM_MAX_TOKENS" in line


def test_show_with_bad_settings_exits_2(tmp_path: Path) -> None:
    state = _state(tmp_path, env={"OLLM_TEMPERATURE": "hot"}, as_json=True)
    result = CliRunner().invoke(_app(state), ["config", "show"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "SettingsError"
    assert error["problems"][0]["source"] == "env:OLLM_TEMPERATURE"


def test_validate_ok_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("options: {topP: 0.5}\n")
    result = CliRunner().invoke(_app(_state(tmp_path, env={})), ["config", "validate", str(good)])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"OK: {good} is valid"


def test_validate_bad_file_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("options:\n  maxToken: 1\n  topP: 5\n")
    # A bad environment must not matter when one file is checked on its own.
    state = _state(tmp_path, env={"OLLM_TEMPERATURE": "hot"})
    result = CliRunner().invoke(_app(state), ["config", "validate", str(bad)])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(lines) == 2
    assert f"file:{bad}:2:3" in lines[0] and "maxTokens" in lines[0]
    assert f"file:{bad}:3:3" in lines[1]


def test_validate_current_settings(tmp_path: Path) -> None:
    ok = CliRunner().invoke(_app(_state(tmp_path, env={})), ["config", "validate"])
    assert (ok.exit_code, ok.stdout.strip()) == (0, "OK: the settings are valid")
    bad = CliRunner().invoke(
        _app(_state(tmp_path, env={"OLLM_MAX_TOKENS": "lots"})), ["config", "validate"]
    )
    assert bad.exit_code == 2
    assert "env:OLLM_MAX_TOKENS" in bad.stderr


def test_validate_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(_state(tmp_path, env={})), ["config", "validate", str(tmp_path / "nope.yaml")]
    )
    assert result.exit_code == 2
