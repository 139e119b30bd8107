"""The settings file formats dynaconf users keep their settings in: YAML, TOML, JSON, INI and
``.env``, each parsed here (bounded, see :mod:`ollm_actors.config.filebytes`) so that its
raw keys can be checked against the schema, with their lines, before dynaconf merges them.

INI and ``.env`` hold only text; :class:`ParsedFile` says so (``text_values``) and the loader
converts each value to the schema's type, as it does for environment variables. A ``.env``
file holds ``OLLM_*`` variables (flat or ``OLLM_SET__a__b``), read like the environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from ollm_actors.config.filebytes import SettingsFileError, read_text
from ollm_actors.config.layers import Marks

__all__ = ("EXTENSIONS", "ParsedFile", "is_dotenv", "parse_file")

#: settings file names looked for, in this order: ``settings<ext>``
EXTENSIONS = (".yaml", ".yml", ".toml", ".json", ".ini")


class ParsedFile(msgspec.Struct, frozen=True, kw_only=True):
    """One file's data; ``env`` (for a ``.env`` file) holds its variables instead."""

    data: dict[str, Any]
    marks: Marks
    text_values: bool = False
    env: dict[str, str] | None = None
    env_lines: dict[str, int] | None = None


def is_dotenv(path: Path) -> bool:
    """Whether ``path`` names a ``.env`` file (``.env``, ``prod.env``)."""
    return path.name == ".env" or path.suffix == ".env"


def _toml(text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError(f"invalid TOML ({exc})") from None


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsFileError(f"invalid JSON ({exc.msg})", exc.lineno, exc.colno) from None
    except RecursionError:
        raise SettingsFileError("invalid JSON (nesting too deep)") from None
    if not isinstance(data, dict):
        raise SettingsFileError(f"a JSON {type(data).__name__} instead of an object", 1, 1)
    return data


def _ini(text: str) -> tuple[dict[str, Any], Marks]:
    import configparser

    # No interpolation (``%(x)s`` stays literal), no DEFAULT section copied into every
    # other, keys as written (configparser lower-cases them by default; ours are exact).
    parser = configparser.ConfigParser(
        interpolation=None, default_section="\0none", strict=True, delimiters=("=",)
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        message = str(exc).splitlines()[0]
        raise SettingsFileError(f"invalid INI ({message})", line) from None
    data: dict[str, Any] = {}
    marks: Marks = {}
    lines = text.splitlines()
    for section in parser.sections():
        path = tuple(section.split("."))
        node = data
        for key in path:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise SettingsFileError(f"the INI section [{section}] under a value")
            node = child
        row = next((i for i, t in enumerate(lines, 1) if t.strip() == f"[{section}]"), None)
        for key, value in parser.items(section):
            node[key] = value
            if row is not None:
                line = next(
                    (i for i, t in enumerate(lines[row:], row + 1)
                     if t.split("=", 1)[0].strip() == key),
                    row,
                )
                marks[(*path, key)] = (line, 1)
    return data, marks


def _dotenv(text: str) -> tuple[dict[str, str], dict[str, int]]:
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise SettingsFileError("a line that is not NAME=value", number, 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name.strip()] = value
        lines[name.strip()] = number
    return values, lines


def parse_file(path: Path) -> ParsedFile:
    """Read and parse the settings file at ``path`` by its name (``.toml``, ``.json``,
    ``.ini``/``.cfg``, ``.env``; anything else is YAML, a superset of JSON).

    Raises :class:`FileNotFoundError` and :class:`SettingsFileError` like
    :func:`~ollm_actors.config.filebytes.read_text`, and for text that does not parse.
    """
    if is_dotenv(path):
        values, lines = _dotenv(read_text(path))
        return ParsedFile(data={}, marks={}, env=values, env_lines=lines)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return ParsedFile(data=_toml(read_text(path)), marks={})
    if suffix == ".json":
        return ParsedFile(data=_json(read_text(path)), marks={})
    if suffix in (".ini", ".cfg"):
        data, marks = _ini(read_text(path))
        return ParsedFile(data=data, marks=marks, text_values=True)
    from ollm_actors.config.yamlfile import parse_settings_text

    data, marks = parse_settings_text(read_text(path))
    return ParsedFile(data=data, marks=marks)
