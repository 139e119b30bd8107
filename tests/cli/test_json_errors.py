"""Errors scripts can read: with ``--json`` every error is ``{"error": {...}}`` on stdout with
the documented exit code, usage errors included; the help and suggestions know the global
options; a bare `ollm` is help."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.support import cli_env


def ollm(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ollm_actors", *args],
        env={**cli_env(tmp_path), **env}, capture_output=True, text=True, timeout=60,
        check=False,
    )


def _error(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert "Traceback" not in done.stderr and "╭" not in done.stderr, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {"error"}, document
    error: dict[str, object] = document["error"]
    assert {"type", "message"} <= set(error), error
    return error


@pytest.mark.parametrize(
    ("args", "option", "suggested"),
    [
        (("--json", "list", "--sort", "bogus"), "--sort", None),
        (("list", "--jsn", "--json"), "--jsn", "--json"),  # a global option is suggested
        (("--json", "list", "--refrsh"), "--refrsh", "--refresh"),
    ],
)
def test_a_usage_error_is_json_on_stdout_exit_2(
    tmp_path: Path, args: tuple[str, ...], option: str, suggested: str | None
) -> None:
    done = ollm(tmp_path, *args)
    assert done.returncode == 2, done
    error = _error(done)
    assert error["type"] == "UsageError" and error["command"] == "list", error
    assert error["option"] == option, error
    if suggested is not None:
        assert suggested in error["suggestions"], error  # type: ignore[operator]


def test_an_unknown_command_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    done = ollm(tmp_path, "--json", "lst")
    assert done.returncode == 2
    error = _error(done)
    assert error["type"] == "UsageError" and "list" in error["suggestions"]  # type: ignore[operator]


def test_a_settings_error_is_json_on_stdout_exit_2(tmp_path: Path) -> None:
    done = ollm(tmp_path, "--json", "list", OLLM_TEMPERATURE="hot")
    assert done.returncode == 2, done
    error = _error(done)
    assert error["type"] == "SettingsError", error
    assert "OLLM_TEMPERATURE" in str(error["message"]), error


def test_an_operation_error_is_json_on_stdout_exit_1(tmp_path: Path) -> None:
    with socket.socket() as held:  # a port where nothing answers
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
    done = ollm(tmp_path, "--json", "show", "llama3.1:8b", "--host", f"127.0.0.1:{port}")
    assert done.returncode == 1, done
    assert _error(done)["type"] == "HostUnreachable"


def test_without_json_a_usage_error_is_one_line_on_stderr(tmp_path: Path) -> None:
    done = ollm(tmp_path, "list", "--jsn")
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines == ["error: no such option: --jsn (did you mean '--json'?)"], lines


def test_bare_ollm_prints_help_and_exits_0(tmp_path: Path) -> None:
    done = ollm(tmp_path)
    assert done.returncode == 0, done
    assert "Usage: ollm" in done.stdout and "list" in done.stdout


@pytest.mark.parametrize("command", [("list",), ("pull",), ("show",), ("config", "show")])
def test_every_command_help_lists_the_global_options(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    done = ollm(tmp_path, *command, "--help", COLUMNS="200")
    assert done.returncode == 0, done
    text = " ".join(done.stdout.split())
    for flag in ("--host URL", "--config FILE", "--json", "--verbose", "--context-size"):
        assert flag in text, (flag, text)


def test_the_emulator_on_a_taken_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = ollm(tmp_path, "emulator", "--port", str(port))
        as_json = ollm(tmp_path, "--json", "emulator", "--port", str(port))
    assert done.returncode == 1, done
    assert done.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the address is already in use; another "
        "server (Ollama itself?) has it; choose another with --port"
    ], done.stderr
    assert as_json.returncode == 1 and _error(as_json)["type"] == "ListenFailed"


def test_a_bug_is_one_line_naming_where_to_report_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ollm_actors.cli import main as entry

    def broken(**_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("ollm_actors.cli.app.app", broken)
    with pytest.raises(SystemExit) as ended:
        entry.main(["list"])
    assert ended.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" not in err, err
    assert "RuntimeError: a bug" in err and "report it to" in err and "-v" in err
