"""Hostile settings input: every refusal is a SettingsError naming its source, at once.

Billion-laughs YAML, files that are not regular or too large, overlong or non-UTF-8
environment values, a ``~user`` without a home, and the secrets in host URLs kept out of
``repr(settings)`` and of settings errors.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ollm_actors.config import load_settings
from ollm_actors.config.schema import show_value
from ollm_actors.config.yamlfile import MAX_NODES, SettingsFileError, parse_settings_text
from ollm_actors.errors import SettingsError
from tests.config.helpers import load_hermetic

# 342 bytes standing for 9**9 strings once the aliases are expanded.
BILLION_LAUGHS = "".join(
    f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9 if prev else ['"lol"'] * 9) + "]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)


def _refusal(tmp_path: Path, **env: str) -> str:
    """The message of the SettingsError that loading with ``env`` raises (how fast: see
    ``benchmarks/bench_hostile.py``; the refusal here is by budget, which the message names)."""
    with pytest.raises(SettingsError) as info:
        load_settings(None, env=env, cwd=tmp_path) if "OLLM_CONFIG" in env else load_hermetic(
            tmp_path, env=env
        )
    return str(info.value)


def test_billion_laughs_is_refused_in_under_a_second(tmp_path: Path) -> None:
    assert len(BILLION_LAUGHS.encode()) == 342
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    message = _refusal(tmp_path, OLLM_CONFIG=str(path))
    assert f"file:{path}" in message and f"more than {MAX_NODES} values" in message


def test_aliases_within_the_budget_still_work() -> None:
    data, _ = parse_settings_text("a: &a [1, 2]\nb: [*a, *a]\n")
    assert data == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_merge_keys_count_towards_the_budget() -> None:
    lines = ["a0: &a0 {k: 1, j: 2}"]
    lines += [f"a{i}: &a{i} {{<<: [*a{i - 1}], x{i}: {i}}}" for i in range(1, 40)]
    lines += [f"b{i}: [{', '.join(['*a39'] * 50)}]" for i in range(60)]
    with pytest.raises(SettingsFileError, match="once its aliases are expanded"):
        parse_settings_text("\n".join(lines))


def test_an_alias_cycle_is_refused() -> None:
    with pytest.raises(SettingsFileError, match="an alias inside the node it names"):
        parse_settings_text("a: &a [*a]\n")


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "directory", "two-megabytes"])
def test_settings_files_must_be_small_regular_files(tmp_path: Path, kind: str) -> None:
    if kind == "dev-zero":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero here")
        path = Path("/dev/zero")
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        path = tmp_path / "settings.yaml"
        os.mkfifo(path)  # nobody ever writes: opening it blocking would hang
    elif kind == "directory":
        path = tmp_path / "settings.yaml"
        path.mkdir()
    else:
        path = tmp_path / "settings.yaml"
        path.write_text("model:\n  default: x\n" + "# padding\n" * 200_000, encoding="utf-8")
    message = _refusal(tmp_path, OLLM_CONFIG=str(path))
    assert f"file:{path}" in message
    assert {
        "dev-zero": "not a regular file",
        "fifo": "not a regular file",
        "directory": "a directory",
        "two-megabytes": "settings files are at most 1048576",
    }[kind] in message


def test_a_file_just_under_the_limit_loads(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("model:\n  default: x\n" + "#" * 1_000_000 + "\n", encoding="utf-8")
    assert load_settings(path, env={}, cwd=tmp_path).model.default == "x"


@pytest.mark.parametrize("name", ["OLLM_HOST", "OLLAMA_HOST", "OLLM_HOSTS", "OLLM_MODEL"])
def test_every_environment_value_has_a_length_limit(tmp_path: Path, name: str) -> None:
    message = _refusal(tmp_path, **{name: "http://gpu-box/" + "x" * 120_000})
    assert f"env:{name}" in message and "at most 65536 characters" in message
    assert "internal error" not in message and len(message) < 400


def test_an_overlong_nested_variable_and_config_name_are_refused(tmp_path: Path) -> None:
    assert "env:OLLM_SET__model__default" in _refusal(
        tmp_path, OLLM_SET__model__default="m" * 70_000
    )
    assert "env:OLLM_CONFIG" in _refusal(tmp_path, OLLM_CONFIG="/" + "d" * 70_000)


def test_a_home_that_does_not_exist_is_a_settings_error(tmp_path: Path) -> None:
    message = _refusal(tmp_path, OLLM_CACHE_DIR="~nosuchuser-ollm/x")
    assert "env:OLLM_CACHE_DIR" in message and "nosuchuser-ollm" in message


def test_the_cache_dir_is_expanded_once_at_load(tmp_path: Path) -> None:
    settings = load_hermetic(tmp_path, env={"OLLM_CACHE_DIR": "~/ollm-cache"})
    assert settings.cache.dir == str(Path("~/ollm-cache").expanduser())
    assert settings.sources["cache.dir"] == "env:OLLM_CACHE_DIR"
    from ollm_actors.runtime import cache_dir_for

    assert cache_dir_for(settings) == Path(settings.cache.dir)


def test_a_cache_dir_in_a_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"user\.yaml:\d+:\d+.*nosuchuser-ollm"):
        load_hermetic(tmp_path, user={"cache": {"dir": "~nosuchuser-ollm"}})


@pytest.mark.parametrize("name", ["OLLAMA_HOST", "OLLM_HOST", "OLLM_HOSTS"])
def test_host_bytes_that_are_not_utf8_are_a_settings_error(tmp_path: Path, name: str) -> None:
    message = _refusal(tmp_path, **{name: os.fsdecode(b"http://gpu-\xff-box")})
    assert f"env:{name}" in message and "not UTF-8" in message
    message.encode("utf-8")


def test_any_variable_that_is_not_utf8_is_a_settings_error(tmp_path: Path) -> None:
    message = _refusal(tmp_path, OLLM_MODEL=os.fsdecode(b"llama-\xff"))
    assert "env:OLLM_MODEL" in message and "not UTF-8" in message


def test_host_flags_that_are_not_utf8_are_a_settings_error(tmp_path: Path) -> None:
    bad = os.fsdecode(b"http://gpu-\xff-box")
    with pytest.raises(SettingsError, match="not UTF-8") as info:
        load_hermetic(
            tmp_path,
            overrides={"providers.ollama.host": "http://ok", "providers.ollama.hosts": [bad]},
        )
    str(info.value).encode("utf-8")


# --- secrets --------------------------------------------------------------------------------

PASSWORD = "s3c/r?t#pw"
TOKEN = "t0kenvalue"


def test_repr_of_settings_shows_no_password_or_token(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path,
        env={
            "OLLM_HOST": f"https://alice:{PASSWORD}@gpu-box/ollama?token={TOKEN}",
            "OLLM_HOSTS": f"http://bob:{PASSWORD}@a:1/,http://c:2/?key={TOKEN}",
        },
    )
    for shown in (repr(settings), str(settings), repr(settings.providers)):
        assert "s3c" not in shown and TOKEN not in shown
        assert "https://***@gpu-box:443/ollama?***" in shown
    # The values themselves (canonical URLs) stay usable for requests.
    from ollm_actors.vocab.hosts import parse_host

    assert settings.providers.ollama.host.endswith(f"?token={TOKEN}")
    assert parse_host(settings.providers.ollama.hosts[0]).password == PASSWORD


def test_ollama_host_keeps_its_credentials_encoded_once(tmp_path: Path) -> None:
    from ollm_actors.vocab.hosts import parse_host

    settings = load_hermetic(tmp_path, env={"OLLAMA_HOST": "alice:p%2540ss@gpu-box?t=1"})
    host = parse_host(settings.providers.ollama.host)
    assert (host.password, host.query) == ("p%40ss", "t=1")


@pytest.mark.parametrize(
    "value",
    [
        f"http://alice:{PASSWORD}@gpu-box:notaport",  # parses: the host check refuses
        f"http://alice:{PASSWORD}@gpu box",  # parse_host refuses the space
        f"ftp://alice:{PASSWORD}@gpu-box",
        f"http://gpu-box:x1?token={TOKEN}",
        f"http://alice:{'x' * 80}{PASSWORD}@gpu-box:bad",  # longer than a shown value
    ],
)
@pytest.mark.parametrize("where", ["env", "file"])
def test_settings_errors_about_hosts_echo_no_secret(
    tmp_path: Path, value: str, where: str
) -> None:
    with pytest.raises(SettingsError) as info:
        if where == "env":
            load_hermetic(tmp_path, env={"OLLM_HOST": value})
        else:
            load_hermetic(tmp_path, user={"providers": {"ollama": {"hosts": [value]}}})
    shown = str(info.value) + repr(info.value.facts())
    assert "s3c" not in shown and "r?t#pw" not in shown and TOKEN not in shown
    assert "xxxx" not in shown


def test_show_value_masks_before_it_shortens() -> None:
    shown = show_value("http://alice:" + "p" * 100 + "@gpu-box")
    assert "pp" not in shown
