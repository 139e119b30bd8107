"""defaults < user file < project file < environment < flags, for every key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ollm_actors.config import ENV_VARS
from tests.config.helpers import load_hermetic, value_at

_FLAT = {var.path: var.name for var in ENV_VARS if var.fallback_for is None}

# path, then the values set by the user file, the project file, the environment, the flags
KEYS: list[tuple[tuple[str, ...], list[Any]]] = [
    (("provider",), ["ollama"] * 4),
    (("model", "default"), ["a:1", "b:2", "c:3", "d:4"]),
    (("model", "routing", "enabled"), [False, True, False, True]),
    (("model", "routing", "defaultProfile"), ["fast", "code", "creative", "vision"]),
    (("model", "routing", "overrides", "code"), ["m1", "m2", "m3", "m4"]),
    (("options", "temperature"), [0.1, 0.2, 0.3, 0.4]),
    (("options", "maxTokens"), [11, 12, 13, 14]),
    (("options", "topP"), [0.5, 0.6, 0.7, 0.8]),
    (("options", "topK"), [10, 20, 30, 40]),
    (("options", "minP"), [0.05, 0.1, 0.15, 0.2]),
    (("options", "repeatPenalty"), [1.05, 1.1, 1.15, 1.2]),
    (("options", "seed"), [1, 2, 3, 4]),
    (("options", "stop"), [["u"], ["p", "q"], ["e"], ["f"]]),
    (("models", "qwen*", "options", "top_k"), [1, 2, 3, 4]),
    (("models", "qwen*", "options", "stop"), [["u", "v"], ["p"], ["e"], ["f"]]),
    (("providers", "ollama", "host"), ["http://u:1", "http://p:2", "http://e:3", "http://f:4"]),
    (
        ("providers", "ollama", "hosts"),
        [["http://u:1", "http://u:2"], ["http://p:1"], ["http://e:1"], ["http://f:1"]],
    ),
    (("providers", "ollama", "options", "numCtx"), [1024, 2048, 4096, 8192]),
    (("providers", "ollama", "timeouts", "connect"), [1.5, 2.5, 3.5, 4.5]),
    (("providers", "ollama", "timeouts", "firstByte"), [0.5, 1.5, 2.0, 3.0]),
    (("providers", "ollama", "timeouts", "stall"), [10.5, 20.5, 30.5, 40.5]),
    (("providers", "ollama", "timeouts", "request"), [5.5, 6.5, 7.5, 8.5]),
    (("providers", "ollama", "timeouts", "read"), [11.5, 12.5, 13.5, 14.5]),
    (("routing", "profiles", "code", "minContextWindow"), [1000, 2000, 3000, 4000]),
    (("routing", "profiles", "code", "description"), ["u", "p", "e", "f"]),
    (("routing", "tasks", "triage"), ["fast", "code", "general", "vision"]),
    (("limits", "overrides", "llama3*", "contextWindow"), [100, 200, 300, 400]),
    (("inventory", "ttl"), [1.5, 2.5, 3.5, 4.5]),
    (("inventory", "probe", "initial"), [0.5, 0.75, 1.5, 2.5]),
    (("inventory", "probe", "max"), [10.5, 20.5, 30.5, 40.5]),
    (("downloads", "concurrency"), [1, 3, 5, 7]),
    (("downloads", "retries"), [0, 2, 4, 6]),
    (("downloads", "backoff", "initial"), [0.25, 0.5, 0.75, 1.5]),
    (("downloads", "backoff", "max"), [5.5, 6.5, 7.5, 8.5]),
    (("downloads", "stallTimeout"), [10.5, 20.5, 30.5, 40.5]),
    (("downloads", "progressDeadline"), [11.5, 21.5, 31.5, 41.5]),
    (("downloads", "attemptTimeout"), [12.5, 22.5, 32.5, 42.5]),
    (("downloads", "maxLayers"), [11, 21, 31, 41]),
    (("providers", "ollama", "limits", "maxBodyBytes", "tags"), [1001, 2001, 3001, 4001]),
    (("providers", "ollama", "limits", "maxBodyBytes", "show"), [1002, 2002, 3002, 4002]),
    (("providers", "ollama", "limits", "maxBodyBytes", "ps"), [1003, 2003, 3003, 4003]),
    (("providers", "ollama", "limits", "maxBodyBytes", "version"), [1004, 2004, 3004, 4004]),
    (("providers", "ollama", "limits", "maxBodyBytes", "error"), [1005, 2005, 3005, 4005]),
    (("providers", "ollama", "limits", "maxLineBytes"), [1006, 2006, 3006, 4006]),
    (("providers", "ollama", "limits", "maxJsonDepth"), [16, 26, 36, 46]),
    (("providers", "ollama", "health", "interval"), [0, 5.5, 15.5, 25.5]),
    (("providers", "ollama", "health", "slow"), [0.5, 1.5, 2.5, 3.5]),
    (("providers", "ollama", "showConcurrency"), [2, 3, 4, 5]),
    (("routing", "cooldown", "failures"), [0, 2, 4, 6]),
    (("routing", "cooldown", "window"), [10.5, 20.5, 30.5, 40.5]),
    (("routing", "cooldown", "duration"), [11.5, 21.5, 31.5, 41.5]),
    (("routing", "memory", "evict"), [True, False, True, False]),
    (("cache", "dir"), ["/u", "/p", "/e", "/f"]),
    (("events", "buffer"), [16, 32, 64, 128]),
    (("state", "backend"), ["local", "valkey", "local", "valkey"]),
    (("state", "url"), ["redis://a:1/0", "redis://b:2/0", "redis://c:3/0", "redis://d:4/0"]),
    (("state", "namespace"), ["a", "b", "c", "d"]),
    (("state", "staleness"), [0.5, 1.0, 1.5, 2.5]),
    (("state", "leaseTtl"), [5.0, 10.0, 20.0, 30.0]),
    (("state", "streamLength"), [10, 20, 30, 40]),
    (("state", "maxValueBytes"), [2048, 4096, 8192, 16384]),
    (("state", "timeouts", "connect"), [0.5, 1.5, 2.0, 3.0]),
    (("state", "timeouts", "call"), [0.1, 0.2, 0.3, 0.4]),
]


def test_every_schema_leaf_is_covered() -> None:
    from ollm_actors.config.layers import leaf_paths

    defaults = set(leaf_paths(_defaults_doc()))
    covered = {path for path, _ in KEYS}
    maps = {
        ("model", "routing", "overrides"),
        ("routing", "profiles"),
        ("routing", "tasks"),
        ("limits", "overrides"),
        ("models",),
    }
    assert defaults - maps <= covered, defaults - maps - covered


def _defaults_doc() -> dict[str, Any]:
    import yaml

    from ollm_actors.config.datafiles import data_file_text

    doc: dict[str, Any] = yaml.safe_load(data_file_text("default.yaml"))
    return doc


def _nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: Any = value
    for key in reversed(path):
        out = {key: out}
    result: dict[str, Any] = out
    return result


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


@pytest.mark.parametrize("top", range(5), ids=["default", "user", "project", "env", "flag"])
@pytest.mark.parametrize(("path", "values"), KEYS, ids=[".".join(k[0]) for k in KEYS])
def test_highest_layer_wins(
    tmp_path: Path, path: tuple[str, ...], values: list[Any], top: int
) -> None:
    dotted = ".".join(path)
    flat = _FLAT.get(dotted)
    env_var = flat if flat is not None else "OLLM_SET__" + "__".join(path)
    settings = load_hermetic(
        tmp_path,
        user=_nest(path, values[0]) if top >= 1 else None,
        project=_nest(path, values[1]) if top >= 2 else None,
        env={env_var: _env_text(values[2])} if top >= 3 else None,
        overrides={dotted: values[3]} if top >= 4 else None,
    )
    expected_source = [
        "default",
        f"file:{tmp_path / 'user.yaml'}",
        f"file:{tmp_path / 'work' / '.ollm' / 'settings.yaml'}",
        f"env:{env_var}",
        f"flag:{dotted}",
    ][top]
    # A key that exists in no layer (a new task type at "default") has no source entry.
    assert settings.sources.get(dotted, "default") == expected_source
    if top:
        assert value_at(settings, path) == values[top - 1]


def test_project_file_is_found_in_a_parent_directory(tmp_path: Path) -> None:
    from ollm_actors.config import load_settings
    from tests.config.helpers import write_yaml

    write_yaml(tmp_path / ".ollm" / "settings.yaml", {"options": {"maxTokens": 77}})
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_settings(empty, env={}, cwd=deep).options.max_tokens == 77


def test_lists_are_replaced_not_appended(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path,
        user={"providers": {"ollama": {"hosts": ["http://a:1", "http://b:1"]}}},
        overrides={"providers.ollama.hosts": ["http://c:1"]},
    )
    assert settings.hosts() == ["http://c:1"]


def test_mappings_merge_key_by_key(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path,
        user={"options": {"temperature": 1.0}},
        project={"options": {"topP": 0.5}},
    )
    assert (settings.options.temperature, settings.options.top_p) == (1.0, 0.5)
    assert settings.options.max_tokens == 4096
