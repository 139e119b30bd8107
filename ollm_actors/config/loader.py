"""``load_settings``: defaults < user file < project file < environment < flags, merged by
dynaconf.

Each source is read here into one or more :class:`~ollm_actors.config.layers.Layer`\\ s and
checked against ``settings.schema.json`` on its own, raw keys and all, so that a problem
names its file and line (or variable, or flag) and a misspelt ``topp`` is refused with a
suggestion before dynaconf, whose keys are case-insensitive, could take it for ``topP``.
Files may be YAML, TOML, JSON, INI or ``.env``; ``.secrets.*`` and ``.env`` files beside a
settings file count with it; a file may be written as dynaconf environments (``default:``
plus the section ``OLLM_ENV`` names). The layers then go to dynaconf
(:mod:`ollm_actors.config.dynamerge`) to merge, lowest first.

Why the environment is not read by dynaconf. Its ``envvar_prefix="OLLM"`` lets
``OLLM_MODEL=x`` replace the whole ``model:`` section with a string, so the seed's flat
variables (``OLLM_MODEL``, ``OLLM_HOST`` ...) are mapped explicitly through the one table in
:mod:`ollm_actors.config.options`; nested keys use dynaconf's ``__`` spelling under a prefix
no flat variable can collide with (``OLLM_SET__options__topP=0.5``). And ``load_settings``
reads only the ``env`` mapping it is given, never ``os.environ`` behind its back.

Start-up: when no file (and no ``Dynaconf`` object) is involved and the environment and
flags set only plain values, there is nothing to merge but values at their paths, and they
are put there without importing dynaconf (~80 ms of a command's start).

Nothing but :class:`~ollm_actors.errors.SettingsError` leaves :func:`load_settings`, and it
lists every problem found in one pass: schema errors, unknown keys, unknown profiles,
dangling overrides and fallback cycles together. A flag overrides a bad environment value of
the same key; the settings then carry a warning naming the ignored variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from ollm_actors.config import options as table
from ollm_actors.config.bounds import MAX_ENV_VALUE, shown_path
from ollm_actors.config.checks import check_layer, normalise
from ollm_actors.config.filelayers import FileReading, read_file_layers
from ollm_actors.config.layers import (
    DEFAULT_SOURCE,
    KeyPath,
    Layer,
    touches,
    with_markers,
)
from ollm_actors.config.model import Settings, default_document
from ollm_actors.config.resolve import build_settings
from ollm_actors.config.schema import SettingsSchema
from ollm_actors.config.sources import Problems, env_layer, env_text_problem, override_layer
from ollm_actors.errors import SettingsError, SettingsProblem

__all__ = ("PROJECT_FILE", "check_settings_file", "load_settings", "user_settings_file")

#: the project file, looked up in the working directory and its parents (also with the
#: other extensions of :data:`~ollm_actors.config.formats.EXTENSIONS`)
PROJECT_FILE = Path(".ollm") / "settings.yaml"
#: names the dynaconf environment section of settings files (``default`` only when unset)
ENV_SWITCH = "OLLM_ENV"

_NO_OVERRIDES: Mapping[str, object] = {}
_EXTENSIONS = (".yaml", ".yml", ".toml", ".json", ".ini")


def user_settings_file() -> Path:
    """The default user settings file: ``settings.yaml`` in the platform config dir of
    ``ollm`` (``~/.config/ollm/settings.yaml`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("ollm", appauthor=False)) / "settings.yaml"


def _first_settings_file(folder: Path) -> Path | None:
    for ext in _EXTENSIONS:
        candidate = folder / f"settings{ext}"
        if candidate.is_file():
            return candidate
    return None


def _project_file(cwd: Path) -> Path | None:
    for folder in (cwd, *cwd.parents):
        found = _first_settings_file(folder / PROJECT_FILE.parent)
        if found is not None:
            return found
    return None


def _file_rank(
    path: Path, schema: SettingsSchema, reading: FileReading, problems: Problems,
    required: str | None,
) -> list[Layer]:
    """The layers of a settings file, then of the ``.secrets.*`` and ``.env`` beside it."""
    layers = read_file_layers(path, schema, reading, problems, required=required)
    if not os.path.exists(path):  # noqa: PTH110
        return layers
    folder = path.parent
    for name in (*(f".secrets{ext}" for ext in _EXTENSIONS), ".env"):
        beside = folder / name
        if beside != path and beside.is_file():
            layers += read_file_layers(beside, schema, reading, problems, required=None)
    return layers


def _dynaconf_layers(obj: object, section: str, problems: Problems) -> list[Layer]:
    """An agent's own ``Dynaconf`` instance: its ``section`` holds our keys."""
    from ollm_actors.config.dynamerge import section_of
    from ollm_actors.config.filelayers import strip_markers

    label = f"dynaconf:{section}"
    try:
        data = section_of(obj, section)
    except Exception as exc:
        problems.add("", label, "a readable dynaconf section", f"{type(exc).__name__}: {exc}")
        return []
    if data is None:
        problems.add("", label, f"a section {section!r} holding the ollm settings", "none")
        return []
    if not isinstance(data, dict):
        problems.add("", label, "a mapping of settings", type(data).__name__)
        return []
    markers: dict[KeyPath, object] = {}
    clean = strip_markers(data, (), markers)
    return [Layer(source=label, data=clean, markers=markers)]


def _merge(layers: Sequence[Layer]) -> dict[str, Any]:
    """The layers merged, lowest first: by dynaconf, unless only plain values are set (then
    by its fast path, which tests hold equal to it)."""
    from ollm_actors.config._fast import merge_plain_leaves, plain_leaves_only

    above = layers[1:]
    if all(
        not layer.markers and layer.source in ("env", "flag") and plain_leaves_only(layer.data)
        for layer in above
    ):
        return merge_plain_leaves(layers[0].data, [layer.data for layer in above])
    from ollm_actors.config.dynamerge import merge_documents

    return merge_documents(
        [(layer.position(()), with_markers(layer.data, layer.markers)) for layer in layers]
    )


def _load(
    layers: Sequence[Layer],
    schema: SettingsSchema,
    problems: Problems,
    warnings: Sequence[str] = (),
) -> Settings:
    for layer in layers:
        check_layer(layer, schema, problems)
    for layer in layers:
        normalise(layer.data)
    # One pass: what references another key (profiles, overrides, fallbacks) is checked on
    # the merge of what is valid, and reported together with the schema's problems.
    result = build_settings(_merge(layers), layers)
    found = problems.problems + (result if isinstance(result, list) else [])
    if found or isinstance(result, list):
        raise SettingsError(found)
    return msgspec.structs.replace(result, warnings=tuple(warnings))


def _env_switch(env: Mapping[str, str], problems: Problems) -> str | None:
    text = (env.get(ENV_SWITCH) or "").strip()
    if not text:
        return None
    if env_text_problem(ENV_SWITCH, "", text, problems):
        return None
    if not text.replace("_", "").replace("-", "").isalnum():
        problems.add("", f"env:{ENV_SWITCH}", "the name of an environment section", repr(text))
        return None
    return text


def _missing_section(reading: FileReading, problems: Problems) -> None:
    from ollm_actors.vocab.suggest import close_match

    name = reading.env_name
    if name is None or not reading.sections:
        return
    known = sorted({s for sections in reading.sections.values() for s in sections})
    if name.lower() not in known:
        problems.add(
            "", f"env:{ENV_SWITCH}",
            "an environment section of the settings files (" + ", ".join(known) + ")",
            f"no section {name!r}", close_match(name.lower(), known),
        )


def _flags_beat_env(
    env_problems: list[SettingsProblem], flags: Layer
) -> tuple[list[SettingsProblem], list[str]]:
    """Env problems a flag makes moot become warnings naming the ignored variable."""
    kept: list[SettingsProblem] = []
    warnings: list[str] = []
    for problem in env_problems:
        path = tuple(problem.path.split(".")) if problem.path else ()
        if path and touches(flags.data, path):
            warnings.append(
                f"ignored {problem.source.removeprefix('env:')} ({problem.path}: expected"
                f" {problem.expected}, got {problem.found}): {flags.label(path)} sets it"
            )
        else:
            kept.append(problem)
    return kept, warnings


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] = os.environ,
    overrides: Mapping[str, object] = _NO_OVERRIDES,
    *,
    override_sources: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    dynaconf: object | None = None,
    section: str | None = None,
) -> Settings:
    """Load, merge and validate the settings; later sources win.

    Layers: the packaged defaults < the user file (``config_file``, else ``OLLM_CONFIG`` from
    ``env``, else ``settings.{yaml,yml,toml,json,ini}`` in the platform config dir) < the
    project file (``.ollm/settings.*`` in ``cwd`` or its nearest parent that has one) <
    ``env`` (the flat ``OLLM_*`` variables of :data:`~ollm_actors.config.options.ENV_VARS`
    and nested ``OLLM_SET__a__b``) < ``overrides`` (dotted paths -> values, as CLI flags give
    them; ``override_sources`` labels them, default ``flag:<path>``). A file's
    ``.secrets.*`` and ``.env`` neighbours count with it; ``OLLM_ENV`` picks the environment
    section of files written as dynaconf environments. Text from the environment or the
    overrides is converted to the schema's type.

    ``dynaconf`` is an agent's own ``Dynaconf`` instance whose ``section`` (default
    ``"ollm"``) holds our keys; it takes the place of the user and project files and is
    validated like them. A user file named explicitly (argument or ``OLLM_CONFIG``) must
    exist; the default one may be absent. ``env`` is the only environment read.
    Raises :class:`~ollm_actors.errors.SettingsError` listing every problem, each with its
    dotted path, its source (``file:PATH:LINE:COLUMN``, ``env:VAR``, ``flag:--x``), what was
    expected and found, and a suggestion for a misspelt key or profile.
    """
    problems = Problems()
    schema = SettingsSchema.load()
    try:
        reading = FileReading(_env_switch(env, problems))
        files: list[Layer] = []
        if dynaconf is not None:
            files = _dynaconf_layers(dynaconf, section or "ollm", problems)
        elif config_file is not None:
            files = _file_rank(
                Path(config_file), schema, reading, problems,
                required=f"file:{shown_path(config_file)}",
            )
        elif (env.get(table.CONFIG_ENV) or "").strip():
            named = env[table.CONFIG_ENV].strip()
            if len(named) > MAX_ENV_VALUE:  # a file name may be any bytes, not any length
                env_text_problem(table.CONFIG_ENV, "", named, problems)
            else:
                files = _file_rank(
                    Path(named), schema, reading, problems, required=f"env:{table.CONFIG_ENV}"
                )
        else:
            folder = user_settings_file().parent
            user = _first_settings_file(folder) or user_settings_file()
            files = _file_rank(user, schema, reading, problems, required=None)
        if dynaconf is None:
            project = _project_file(Path.cwd() if cwd is None else cwd)
            if project is not None:
                files += _file_rank(project, schema, reading, problems, required=None)
        _missing_section(reading, problems)
        env_problems, flag_problems = Problems(), Problems()
        environment = env_layer(env, schema, env_problems)
        flags = override_layer(overrides, override_sources or {}, schema, flag_problems)
        kept, warnings = _flags_beat_env(env_problems.problems, flags)
        problems.problems += kept + flag_problems.problems
        defaults = Layer(source=DEFAULT_SOURCE, data=default_document())
        return _load([defaults, *files, environment, flags], schema, problems, warnings)
    except RecursionError:
        problems.add("", "settings", "settings nested a few levels deep", "runaway nesting")
        raise SettingsError(problems.problems) from None


def check_settings_file(path: str | os.PathLike[str]) -> Settings:
    """Validate one settings file on its own: the defaults with only ``path`` above them.

    Returns the settings it gives; raises :class:`~ollm_actors.errors.SettingsError` (a
    missing file included) like :func:`load_settings`.
    """
    problems = Problems()
    schema = SettingsSchema.load()
    layers = read_file_layers(
        Path(path), schema, FileReading(None), problems, required=f"file:{shown_path(path)}"
    )
    defaults = Layer(source=DEFAULT_SOURCE, data=default_document())
    return _load([defaults, *layers], schema, problems)
