"""Usage and settings errors, end to end: exit 2 and a message that names the culprit.

These fail before any server is asked (none is served), so no event loop is involved.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from tests.e2e.support import Ollm
from tests.inventory.support import free_port

BAD_SETTINGS = """\
options:
  temprature: 0.5
  maxTokens: -3
"""


def test_invalid_settings_file_names_every_problem_with_file_and_line(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    settings = tmp_path / "bad.yaml"
    settings.write_text(BAD_SETTINGS)
    run = ollm.run_sync("list", "--config", str(settings))
    assert run.code == 2
    assert "Traceback" not in run.err
    assert len(run.error_lines) == 1  # one error, listing both problems
    typo = next(line for line in run.err.splitlines() if "temprature" in line)
    assert f"{settings}:2" in typo and "did you mean 'temperature'" in typo
    negative = next(line for line in run.err.splitlines() if "maxTokens" in line)
    assert f"{settings}:3" in negative and "-3" in negative

    error = ollm.run_sync("list", "--json", "--config", str(settings)).json_error()
    assert error["type"] == "SettingsError"
    problems = error["problems"]
    assert isinstance(problems, list)
    assert {p["path"] for p in problems} == {"options.temprature", "options.maxTokens"}


def test_bad_env_var_is_named(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    run = ollm.run_sync("list", env={"OLLM_TEMPERATURE": "hot"})
    assert run.code == 2
    line = run.one_error()
    assert "OLLM_TEMPERATURE" in line and "'hot'" in line
    as_json = ollm.run_sync("list", "--json", env={"OLLM_TEMPERATURE": "hot"})
    assert as_json.code == 2
    error = as_json.json_error()
    assert error["type"] == "SettingsError" and "OLLM_TEMPERATURE" in str(error["message"])


def test_invalid_model_names_are_refused_before_any_request(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    # Nothing listens there: a name check that needed the server would fail differently.
    host = f"http://127.0.0.1:{free_port()}"
    pull = ollm.run_sync("pull", "bad name!", "--host", host)
    assert pull.code == 2
    line = pull.one_error()
    assert "invalid model name 'bad name!'" in line and "space" in line

    pull_json = ollm.run_sync("pull", "bad name!", "--json", "--host", host)
    assert pull_json.code == 2
    [event] = [msgspec.json.decode(line) for line in pull_json.out.splitlines()]
    assert event["event"] == "failed" and event["error_type"] == "InvalidModelName"

    show = ollm.run_sync("show", "../etc", "--host", host)
    assert show.code == 2
    assert "invalid model name '../etc'" in show.one_error()
    as_json = ollm.run_sync("show", "../etc", "--json", "--host", host)
    assert as_json.code == 2
    error = as_json.json_error()
    assert error["type"] == "InvalidModelName" and error["model"] == "../etc"
    assert error["reason"]
