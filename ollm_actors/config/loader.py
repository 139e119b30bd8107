"""``load_settings``: defaults < user file < project file < environment < flags.

Why not dynaconf's own loading. Its ``envvar_prefix="OLLM"`` lets ``OLLM_MODEL=x`` replace
the whole ``model:`` section with a string, so the seed's flat variables (``OLLM_MODEL``,
``OLLM_HOST`` ...) are mapped explicitly through the one table in
:mod:`ollm_actors.config.options`. Nested keys use dynaconf's ``__`` spelling under a prefix
no flat variable can collide with: ``OLLM_SET__options__topP=0.5`` sets ``options.topP``
(segments are case-sensitive, as the schema's keys are). Beyond that trap, dynaconf 3.3's
loaders and merge do not keep this module's promises, each checked: they read ``os.environ``
(including ``DYNACONF_*`` and ``SECRETS_FOR_DYNACONF``) where settings must come from the
``env`` argument; merging concatenates lists, so ``--host`` could not replace a file's hosts;
keys merge case-insensitively across layers, so a misspelt ``topp`` silently sets ``topP``;
strings such as ``@format {env[HOME]}`` or ``@read_file`` are evaluated; and its import costs
more than the rest of the loading. So the layers are read here (YAML with line marks, the
``env`` mapping, the overrides), each is validated against ``settings.schema.json`` on its own
so a problem names its source, and they merge with the small rule in
:mod:`ollm_actors.config.layers` (mappings merge, everything else is replaced).

Nothing but :class:`~ollm_actors.errors.SettingsError` leaves :func:`load_settings`, and it
lists every problem found, not just the first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ollm_actors.config import options as table
from ollm_actors.config.bounds import (
    MAX_ENV_VALUE,
    CacheDirError,
    env_value_problem,
    expand_cache_dir,
    is_utf8,
    shown_path,
)
from ollm_actors.config.hostcheck import canonical_hosts
from ollm_actors.config.layers import DEFAULT_SOURCE, Layer, dotted, merge_layers, set_path
from ollm_actors.config.model import Settings, default_document
from ollm_actors.config.resolve import build_settings
from ollm_actors.config.schema import SettingsSchema, TextConversionError, convert_text, show_value
from ollm_actors.errors import SettingsError, SettingsProblem

__all__ = ("PROJECT_FILE", "check_settings_file", "load_settings", "user_settings_file")

#: the project file, looked up in the working directory and its parents
PROJECT_FILE = Path(".ollm") / "settings.yaml"

_NO_OVERRIDES: Mapping[str, object] = {}



def user_settings_file() -> Path:
    """The default user settings file: ``settings.yaml`` in the platform config dir of
    ``ollm`` (``~/.config/ollm/settings.yaml`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("ollm", appauthor=False)) / "settings.yaml"


def _project_file(cwd: Path) -> Path | None:
    for folder in (cwd, *cwd.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


class _Collector:
    """Problems found so far, in the order found."""

    def __init__(self) -> None:
        self.problems: list[SettingsProblem] = []

    def add(
        self, path: str, source: str, expected: str, found: str, suggestion: str | None = None
    ) -> None:
        self.problems.append(SettingsProblem(path, source, expected, found, suggestion))


def _file_layer(
    path: Path, problems: _Collector, *, required: str | None, source: str | None = None
) -> Layer | None:
    """The layer of the file at ``path``; ``required`` names who asked for it (a missing
    file is then a problem, else it is skipped)."""
    label = source or f"file:{shown_path(path)}"
    missing = f"no file at {shown_path(path)}"
    if not os.path.exists(path):  # noqa: PTH110 (False, not an error, for NUL or too long)
        if required is not None:
            problems.add("", required, "an existing settings file", missing)
        return None
    # PyYAML is imported only when there is a file to read (a fifth of a command's start).
    from ollm_actors.config.yamlfile import SettingsFileError, read_settings_file

    try:
        data, marks = read_settings_file(path)
    except FileNotFoundError:
        # Removed between the check above and the read.
        if required is not None:
            problems.add("", required, "an existing settings file", missing)
        return None
    except SettingsFileError as exc:
        at = "" if exc.line is None else f":{exc.line}" + (
            "" if exc.column is None else f":{exc.column}"
        )
        problems.add("", f"{label}{at}", "a YAML mapping of settings", exc.found)
        return None
    return Layer(source=label, data=data, marks=marks)


def _defaults_layer(problems: _Collector) -> Layer | None:
    """The packaged ``config/default.yaml``, taken from the ``Settings`` types' own defaults.

    tests/config/test_defaults.py holds the two equal and the file valid, so the YAML needs
    no parsing here: PyYAML is imported only when the user has a settings file, which keeps
    it off the start of commands such as ``ollm list --json``.
    """
    return Layer(source=DEFAULT_SOURCE, data=default_document())


def _env_text_problem(name: str, path: str, text: str, problems: _Collector) -> bool:
    """Whether ``text`` (the value of ``name``) is refused unparsed, as a new problem."""
    refused = env_value_problem(text)
    if refused is not None:
        problems.add(path, f"env:{name}", *refused)
    return refused is not None


def _env_layer(env: Mapping[str, str], schema: SettingsSchema, problems: _Collector) -> Layer:
    data: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}

    def put(name: str, path: tuple[str, ...], text: str) -> None:
        label = f"env:{name}"
        if _env_text_problem(name, dotted(path), text, problems):
            return
        try:
            value = convert_text(text, schema.node_at(path))
        except TextConversionError as exc:
            problems.add(dotted(path), label, exc.expected, show_value(text))
            return
        set_path(data, path, value)
        sources[path] = label

    # Nested variables first, so that a flat variable naming the same path wins.
    for name in sorted(env):
        if not name.startswith(table.NESTED_ENV_PREFIX):
            continue
        path = tuple(name.removeprefix(table.NESTED_ENV_PREFIX).split("__"))
        if not all(path):
            problems.add(
                "", f"env:{name}", f"{table.NESTED_ENV_PREFIX}section__key", "an empty segment"
            )
            continue
        put(name, path, env[name])
    for var in table.ENV_VARS:
        text = env.get(var.name)
        if text is None or not text.strip():
            continue
        if var.fallback_for is not None and (env.get(var.fallback_for) or "").strip():
            continue
        if _env_text_problem(var.name, var.path, text, problems):
            continue
        put(var.name, tuple(var.path.split(".")), text)
    return Layer(source="env", data=data, sources=sources)


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _override_layer(
    overrides: Mapping[str, object],
    labels: Mapping[str, str],
    schema: SettingsSchema,
    problems: _Collector,
) -> Layer:
    data: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    # Parents before children, so {"model": {...}, "model.default": "x"} keeps both.
    for key in sorted(overrides, key=lambda k: k.count(".")):
        label = labels.get(key, f"flag:{key}")
        path = tuple(key.split("."))
        if not all(path):
            problems.add(key, label, "a dotted settings path", repr(key))
            continue
        value = _plain(overrides[key])
        node = schema.node_at(path)
        if isinstance(value, str) and not is_utf8(value):
            problems.add(key, label, "UTF-8 text", "bytes that are not UTF-8")
            continue
        if isinstance(value, str):
            try:
                value = convert_text(value, node)
            except TextConversionError as exc:
                problems.add(key, label, exc.expected, show_value(value))
                continue
        elif isinstance(value, list) and not all(
            is_utf8(item) for item in value if isinstance(item, str)
        ):
            problems.add(key, label, "UTF-8 text", "bytes that are not UTF-8")
            continue
        elif isinstance(value, list) and node is not None and isinstance(node.get("items"), dict):
            try:
                value = [
                    convert_text(item, node["items"]) if isinstance(item, str) else item
                    for item in value
                ]
            except TextConversionError as exc:
                problems.add(key, label, f"a list of: {exc.expected}", show_value(value))
                continue
        set_path(data, path, value)
        sources[path] = label
    return Layer(source="flag", data=data, sources=sources)


_CACHE_DIR = ("cache", "dir")


def _cache_dir_problems(
    layer: Layer, bad_paths: set[tuple[str, ...]], problems: _Collector
) -> None:
    """Expand a leading ``~`` of ``cache.dir`` in place, or report why it cannot be: here
    the problem can name its source, and the runtime gets a path it can use as is."""
    cache = layer.data.get("cache")
    text = cache.get("dir") if isinstance(cache, dict) else None
    if not isinstance(cache, dict) or not isinstance(text, str):
        return
    if _CACHE_DIR in bad_paths or ("cache",) in bad_paths:
        return
    try:
        cache["dir"] = expand_cache_dir(text)
    except CacheDirError as exc:
        problems.add(dotted(_CACHE_DIR), layer.position(_CACHE_DIR), "a directory path", str(exc))


def _normalise(data: dict[str, Any]) -> None:
    """Spell capability aliases one way: ``tools`` in profiles, ``toolCalling`` in limits."""
    for patch in (data.get("routing", {}).get("profiles") or {}).values():
        required = patch.get("requiredCapabilities")
        if isinstance(required, list):
            names = ["tools" if c == "toolCalling" else c for c in required]
            patch["requiredCapabilities"] = list(dict.fromkeys(names))
    for entry in (data.get("limits", {}).get("overrides") or {}).values():
        caps = entry.get("capabilities")
        if isinstance(caps, dict) and "tools" in caps:
            tools = caps.pop("tools")
            caps.setdefault("toolCalling", tools)


def _check(layer: Layer, schema: SettingsSchema, problems: _Collector) -> None:
    if not layer.data or layer.source == DEFAULT_SOURCE:
        # The packaged defaults are validated by the test suite; skipping them (and empty
        # layers) spares the CLI importing jsonschema when nothing was configured.
        return
    issues = schema.check_layer(layer.data)
    for issue in issues:
        problems.add(
            dotted(issue.path), layer.position(issue.path), issue.expected, issue.found,
            issue.suggestion,
        )
    bad_paths = {issue.path for issue in issues}
    canonical_hosts(layer, bad_paths, problems.add)
    _cache_dir_problems(layer, bad_paths, problems)


def _load(
    layers: Sequence[Layer | None], schema: SettingsSchema, problems: _Collector
) -> Settings:
    present = [layer for layer in layers if layer is not None]
    for layer in present:
        _check(layer, schema, problems)
    if problems.problems:
        # Cross-reference checks need a document that is valid key by key.
        raise SettingsError(problems.problems)
    for layer in present:
        _normalise(layer.data)
    result = build_settings(merge_layers(present), present)
    if isinstance(result, list):
        raise SettingsError(result)
    return result


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] = os.environ,
    overrides: Mapping[str, object] = _NO_OVERRIDES,
    *,
    override_sources: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Load, merge and validate the settings; later sources win.

    Layers: the packaged defaults < the user file (``config_file``, else ``OLLM_CONFIG`` from
    ``env``, else ``settings.yaml`` in the platform config dir) < the project file
    (``.ollm/settings.yaml`` in ``cwd`` or its nearest parent that has one) < ``env`` (the
    flat ``OLLM_*`` variables of :data:`~ollm_actors.config.options.ENV_VARS` and nested
    ``OLLM_SET__a__b``) < ``overrides`` (dotted paths -> values, as CLI flags give them;
    ``override_sources`` labels them, default ``flag:<path>``). Text from the environment or
    the overrides is converted to the schema's type.

    A user file named explicitly (argument or ``OLLM_CONFIG``) must exist; the default one
    may be absent. ``env`` is the only environment read (``os.environ`` by default).
    Raises :class:`~ollm_actors.errors.SettingsError` listing every problem, each with its
    dotted path, its source (``file:PATH:LINE:COLUMN``, ``env:VAR``, ``flag:--x``), what was
    expected and found, and a suggestion for a misspelt key or profile.
    """
    problems = _Collector()
    schema = SettingsSchema.load()
    try:
        if config_file is not None:
            user: Layer | None = _file_layer(
                Path(config_file), problems, required=f"file:{shown_path(config_file)}"
            )
        elif (env.get(table.CONFIG_ENV) or "").strip():
            named = env[table.CONFIG_ENV].strip()
            user = None
            if len(named) > MAX_ENV_VALUE:  # a file name may be any bytes, not any length
                _env_text_problem(table.CONFIG_ENV, "", named, problems)
            else:
                user = _file_layer(Path(named), problems, required=f"env:{table.CONFIG_ENV}")
        else:
            user = _file_layer(user_settings_file(), problems, required=None)
        project_path = _project_file(Path.cwd() if cwd is None else cwd)
        project = (
            None if project_path is None else _file_layer(project_path, problems, required=None)
        )
        layers = [
            _defaults_layer(problems),
            user,
            project,
            _env_layer(env, schema, problems),
            _override_layer(overrides, override_sources or {}, schema, problems),
        ]
        return _load(layers, schema, problems)
    except RecursionError:
        problems.add("", "settings", "settings nested a few levels deep", "runaway nesting")
        raise SettingsError(problems.problems) from None


def check_settings_file(path: str | os.PathLike[str]) -> Settings:
    """Validate one settings file on its own: the defaults with only ``path`` above them.

    Returns the settings it gives; raises :class:`~ollm_actors.errors.SettingsError` (a
    missing file included) like :func:`load_settings`.
    """
    problems = _Collector()
    layers = [
        _defaults_layer(problems),
        _file_layer(Path(path), problems, required=f"file:{shown_path(path)}"),
    ]
    return _load(layers, SettingsSchema.load(), problems)
