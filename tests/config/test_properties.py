"""Round trips, robustness against arbitrary input, the seed's example, and the model."""

from __future__ import annotations

import copy
import operator
import re
import tempfile
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ollm_actors.config import ENV_VARS, FrozenDict, Settings, load_settings
from ollm_actors.config.loader import check_settings_file
from ollm_actors.errors import SettingsError
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES, BUILTIN_TASKS
from tests.config.helpers import load_hermetic

SEED_EXAMPLE = """\
model:
  default: llama3.1:8b
  routing:
    enabled: true
    defaultProfile: general
    overrides:
      code: deepseek-coder:6.7b
      fast: phi3:mini

options:
  temperature: 0.7
  maxTokens: 4096
  topP: 0.9

providers:
  ollama:
    host: http://localhost:11434
    options:
      numCtx: 8192
"""


def test_seed_configuration_example_loads_as_written(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    # The seed's example has whitespace-only blank lines; keep them, as written.
    path.write_text(SEED_EXAMPLE.replace("phi3:mini\n\n", "phi3:mini\n      \n"))
    settings = check_settings_file(path)
    assert settings.model.default == "llama3.1:8b"
    assert settings.model.routing.overrides == {"code": "deepseek-coder:6.7b", "fast": "phi3:mini"}
    assert settings.providers.ollama.options.num_ctx == 8192
    assert settings.sources["options.topP"] == f"file:{path}"


def test_load_without_arguments_works() -> None:
    assert isinstance(load_settings(), Settings)


def test_defaults_are_valid_against_the_schema() -> None:
    from ollm_actors.config.datafiles import data_file_text
    from ollm_actors.config.schema import check_layer

    assert check_layer(yaml.safe_load(data_file_text("default.yaml"))) == []


def test_settings_are_frozen_and_hashable(tmp_path: Path) -> None:
    settings = load_hermetic(tmp_path)
    assert hash(settings) == hash(load_hermetic(tmp_path))
    with pytest.raises(AttributeError):
        settings.options.temperature = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.routing.tasks["x"] = "fast"
    assert isinstance(settings.routing.profiles, FrozenDict)


def test_profiles_are_builtins_patched_with_capabilities_normalised(tmp_path: Path) -> None:
    settings = load_hermetic(
        tmp_path,
        user={
            "routing": {
                "profiles": {
                    "code": {"minContextWindow": 32768, "requiredCapabilities": ["toolCalling"]},
                    "mine": {"preferredFamilies": ["qwen"], "fallbackProfile": "general"},
                },
                "tasks": {"triage": "mine"},
            },
            "limits": {
                "overrides": {"qwen*": {"contextWindow": 1, "capabilities": {"tools": True}}}
            },
        },
    )
    code = settings.routing.profiles["code"]
    assert code.minContextWindow == 32768
    assert code.requiredCapabilities == ("tools",)
    assert code.preferredFamilies == BUILTIN_PROFILES["code"].preferredFamilies
    assert settings.routing.profiles["mine"].fallbackProfile == "general"
    assert settings.routing.tasks == {**BUILTIN_TASKS, "triage": "mine"}
    override = settings.limits.overrides["qwen*"]
    assert override.contextWindow == 1
    assert override.capabilities is not None and override.capabilities.toolCalling is True


def test_config_show_sources_cover_as_dict(tmp_path: Path) -> None:
    from ollm_actors.config.layers import dotted, leaf_paths

    settings = load_hermetic(tmp_path)
    assert set(settings.sources) == {dotted(p) for p in leaf_paths(settings.as_dict())}


# -- hypothesis ---------------------------------------------------------------------------

# Strings built to fit their shape, not filtered into it (from_regex rejects some draws).
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def _word(rest: str, size: int) -> st.SearchStrategy[str]:
    return st.builds(operator.add, st.sampled_from(_ALNUM), st.text(_ALNUM + rest, max_size=size))


_name = _word("._-", 12)
_model = _word(".:_/-", 20)
# Host names made valid by construction (no filter to reject draws): labels joined by dots.
_host_name = st.lists(_word("-", 6), min_size=1, max_size=3).map(".".join)
_host = st.builds(
    "http{}://{}:{}".format, st.sampled_from(["", "s"]), _host_name, st.integers(1, 65535)
)
_seconds = st.floats(0.001, 1e6, allow_nan=False)
_builtin = st.sampled_from(sorted(BUILTIN_PROFILES))
_caps = st.lists(
    st.sampled_from(["completion", "tools", "toolCalling", "vision", "embedding", "streaming"]),
    max_size=3,
)
_patch = st.fixed_dictionaries(
    {},
    optional={
        "description": st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))),
        "preferredFamilies": st.lists(_name, max_size=3),
        "minContextWindow": st.integers(0, 2**20),
        "requiredCapabilities": _caps,
    },
)
_new_profile = _patch.flatmap(
    lambda p: st.builds(lambda fb: {**p, "fallbackProfile": fb}, st.none() | _builtin)
)


def _section(**fields: Any) -> Any:
    return st.fixed_dictionaries({}, optional=fields)


_settings_doc = _section(
    model=_section(
        default=st.none() | _model,
        routing=_section(
            enabled=st.booleans(),
            defaultProfile=_builtin,
            overrides=st.dictionaries(_builtin, _model, max_size=3),
        ),
    ),
    options=_section(
        temperature=st.floats(0, 2), maxTokens=st.integers(1, 2**31), topP=st.floats(0, 1)
    ),
    providers=_section(
        ollama=_section(
            host=_host,
            hosts=st.lists(_host, max_size=3),
            options=_section(numCtx=st.none() | st.integers(1, 2**20)),
            timeouts=_section(
                connect=_seconds, firstByte=_seconds, stall=_seconds, request=_seconds
            ),
        )
    ),
    routing=_section(
        profiles=st.dictionaries(_builtin, _patch, max_size=3)
        | st.dictionaries(_name.map(lambda n: "p-" + n), _new_profile, max_size=3),
        tasks=st.dictionaries(_name, _builtin, max_size=3),
    ),
    limits=_section(
        overrides=st.dictionaries(
            _model,
            _section(
                family=_name,
                contextWindow=st.integers(1, 2**20),
                maxOutputTokens=st.integers(1, 2**20),
                capabilities=_section(vision=st.booleans(), toolCalling=st.booleans()),
                profiles=st.lists(_builtin, max_size=2),
            ),
            max_size=3,
        )
    ),
    downloads=_section(concurrency=st.integers(1, 64), retries=st.integers(0, 100)),
    cache=_section(dir=st.none() | _name),
    events=_section(buffer=st.integers(1, 10_000)),
)


def _without_sources(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, sources=FrozenDict())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_settings_doc)
def test_valid_settings_survive_a_yaml_round_trip(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first_path = Path(tmp) / "first.yaml"
        first_path.write_text(yaml.safe_dump(doc))
        first = load_settings(first_path, env={}, cwd=Path(tmp))
        second_path = Path(tmp) / "second.yaml"
        second_path.write_text(yaml.safe_dump(first.as_dict()))
        second = load_settings(second_path, env={}, cwd=Path(tmp))
    assert _without_sources(second) == _without_sources(first)
    assert second.as_dict() == first.as_dict()


def _load_text(text: str) -> tuple[Settings | None, SettingsError | None, Path]:
    """Load ``text`` as the only settings file: the settings or the error, and the file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "settings.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_settings(path, env={}, cwd=Path(tmp)), None, path
        except SettingsError as exc:
            return None, exc, path


def _assert_from_the_file(
    settings: Settings | None, error: SettingsError | None, path: Path
) -> None:
    """Loaded: every value is a default or the file's. Rejected: every problem names the file
    (with a line and a column when the file parsed) and what was expected."""
    if settings is not None:
        event("loaded")
        assert set(settings.sources.values()) <= {"default", f"file:{path}"}
        return
    event("rejected")
    assert error is not None and error.problems
    for problem in error.problems:
        assert problem.source.startswith(f"file:{path}"), problem.source
        assert problem.expected and problem.found, problem.as_dict()
        assert str(problem) in str(error)


def _edited(text: str, at: int, cut: int, insert: str) -> str:
    at = min(at, len(text))
    return text[:at] + insert + text[at + cut :]


# Arbitrary text, valid documents, and valid documents with a piece cut or typed in: about
# half of these load, so both branches of the check are taken.
_texts = st.one_of(
    st.text(),
    _settings_doc.map(yaml.safe_dump),
    st.builds(
        _edited,
        _settings_doc.map(yaml.safe_dump),
        st.integers(0, 400),
        st.integers(0, 3),
        st.sampled_from(["", ":", " ", "\n", "- ", "[", "x", "0", "{"]),
    ),
)


@settings(max_examples=150, deadline=None)
@given(_texts)
def test_any_yaml_text_loads_or_is_rejected_naming_the_file(text: str) -> None:
    _assert_from_the_file(*_load_text(text))


_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
_trees = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["model", "options", "topP", "host", "x", "code"])
                      | st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@st.composite
def _documents_with_one_change(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A valid document with the value at one path (existing or new) replaced by any tree."""
    from ollm_actors.config.layers import leaf_paths, set_path

    doc = copy.deepcopy(draw(_settings_doc))
    prefixes = sorted({p[:n] for p in leaf_paths(doc) for n in range(1, len(p) + 1)})
    tops = [(k,) for k in ("provider", "model", "options", "providers", "routing", "limits",
                           "cache", "x")]
    path = draw(st.sampled_from(prefixes + tops))
    if draw(st.booleans()):
        path = (*path, draw(st.sampled_from(["default", "topP", "x", "host"])))
    set_path(doc, path, draw(_trees))
    return doc, path


@settings(max_examples=150, deadline=None)
@given(_documents_with_one_change())
def test_one_bad_value_is_reported_where_it_is(
    case: tuple[dict[str, Any], tuple[str, ...]],
) -> None:
    doc, changed = case
    settings, error, path = _load_text(yaml.safe_dump(doc))
    _assert_from_the_file(settings, error, path)
    if error is not None:
        # Everything else in the document is valid: each problem is at the changed path,
        # above it (a value that breaks its section) or below it (inside the new value).
        where = ".".join(changed)
        for problem in error.problems:
            assert (
                problem.path == where
                or problem.path.startswith(where + ".")
                or where.startswith(problem.path + ".")
            ), (problem.path, where)


_ENV_NAMES = [var.name for var in ENV_VARS] + [
    "OLLM_SET__options__topP",
    "OLLM_SET__routing__profiles__x__fallbackProfile",
    "OLLM_SET__limits__overrides",
    "OLLM_SET__",
    "OLLM_SET__model",
    "OLLM_SET__providers__ollama__hosts",
]
_GOOD_ENV = {
    "OLLM_MODEL": "qwen2.5:7b",
    "OLLM_PROVIDER": "ollama",
    "OLLM_HOST": "http://h:1",
    "OLLAMA_HOST": "h:2",
    "OLLM_HOSTS": "http://a:1,http://b:2",
    "OLLM_TEMPERATURE": "0.7",
    "OLLM_MAX_TOKENS": "100",
    "OLLM_CONTEXT_SIZE": "4096",
    "OLLM_CACHE_DIR": "/tmp/ollm-cache",
    "OLLM_SET__options__topP": "0.5",
    "OLLM_SET__routing__profiles__x__fallbackProfile": "general",
    "OLLM_SET__providers__ollama__hosts": "http://c:3",
}
_env_values = st.text(st.characters(exclude_characters="\x00"))


@st.composite
def _environments(draw: st.DrawFn) -> dict[str, str]:
    """Variables with a good value, a blank one or any text: about half of them load."""
    names = draw(st.permutations(_ENV_NAMES))[: draw(st.integers(0, 4))]
    env = {}
    for name in names:
        good = _GOOD_ENV.get(name)
        choices = [_env_values, st.just(" ")] + ([st.just(good)] * 3 if good else [])
        env[name] = draw(st.one_of(choices))
    return env


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(env=_environments())
def test_any_env_values_load_or_are_rejected_naming_the_variable(
    tmp_path: Path, env: dict[str, str]
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    flat = {var.name for var in ENV_VARS}
    # A blank flat variable counts as unset; a nested one is always read.
    read = {name for name, value in env.items() if name not in flat or value.strip()}
    try:
        settings = load_settings(empty, env=env, cwd=tmp_path)
    except SettingsError as error:
        event("rejected")
        assert error.problems
        for problem in error.problems:
            # A list variable names the item too: env:OLLM_HOSTS[1].
            name = re.sub(r"\[\d+\]$", "", problem.source.removeprefix("env:"))
            assert name in read, problem
            assert problem.expected and problem.found, problem
        return
    event("loaded")
    for var in ENV_VARS:
        if var.name in read and var.fallback_for not in read:  # OLLAMA_HOST yields to OLLM_HOST
            assert settings.sources[var.path] == f"env:{var.name}"
    assert set(settings.sources.values()) <= {"default"} | {f"env:{name}" for name in read}
