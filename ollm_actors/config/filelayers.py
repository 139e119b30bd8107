"""From one settings file to its layers, as dynaconf reads such a file: a flat file is one
layer; a file of environments (``default:``, ``production:`` ...) gives the sections that
apply — ``default``, then the one ``OLLM_ENV`` names, then ``global`` — one layer each.

dynaconf's merge markers are taken out here (kept in :attr:`Layer.markers`) so that the
schema sees only settings keys; they go back in just before dynaconf merges.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ollm_actors.config.bounds import shown_path
from ollm_actors.config.layers import KeyPath, Layer, Marks, dotted
from ollm_actors.config.schema import SettingsSchema, TextConversionError, convert_text, show_value
from ollm_actors.config.sources import Problems, env_layer

__all__ = ("FileReading", "read_file_layers", "strip_markers")

_ENVIRONMENT_KEYS = frozenset({"default", "global"})
_LIST_MARKERS = ("dynaconf_merge", "dynaconf_merge_unique")


class FileReading:
    """What reading the files of one load found about environments."""

    def __init__(self, env_name: str | None) -> None:
        self.env_name = env_name
        #: labels of files written as environments, and the sections they have
        self.sections: dict[str, list[str]] = {}


def strip_markers(
    value: Any, path: KeyPath, markers: dict[KeyPath, object]
) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("dynaconf_merge"), bool):
            markers[path] = value["dynaconf_merge"]
        return {
            key: strip_markers(item, (*path, key), markers)
            for key, item in value.items()
            if not (key == "dynaconf_merge" and isinstance(item, bool))
        }
    if isinstance(value, list):
        found = [item for item in value if isinstance(item, str) and item in _LIST_MARKERS]
        if found:
            markers[path] = found[0]
        kept = [item for item in value if not (isinstance(item, str) and item in _LIST_MARKERS)]
        return [strip_markers(item, (*path, str(i)), markers) for i, item in enumerate(kept)]
    return value


def _convert_texts(
    data: dict[str, Any], schema: SettingsSchema, path: KeyPath, layer: Layer, problems: Problems
) -> dict[str, Any]:
    """INI values are all text: each becomes the schema's type, like an env variable's."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        child = (*path, key)
        if isinstance(value, dict):
            out[key] = _convert_texts(value, schema, child, layer, problems)
            continue
        try:
            out[key] = convert_text(value, schema.node_at(child))
        except TextConversionError as exc:
            problems.add(dotted(child), layer.position(child), exc.expected, show_value(value))
    return out


def _is_environments(data: dict[str, Any], schema: SettingsSchema, env_name: str | None) -> bool:
    """Whether a file is written as environments: it names one (``default``, ``production``,
    the ``OLLM_ENV`` one ...), or — holding no settings key itself — has a section of them.
    A file of settings with one unknown mapping among them is settings with a typo."""
    top = schema.tree.get("properties", {})
    has_settings = any(key in top for key in data)
    for key, value in data.items():
        if key in top:
            continue
        lowered = key.lower()
        if lowered in _ENVIRONMENT_KEYS or (env_name and lowered == env_name.lower()):
            return True
        if not has_settings and isinstance(value, dict) and value and all(
            k in top or k == "dynaconf_merge" for k in value
        ):
            return True
    return False


def _rekeyed(marks: Marks, section: str) -> Marks:
    return {path[1:]: mark for path, mark in marks.items() if path and path[0] == section}


def _environment_layers(
    data: dict[str, Any],
    marks: Marks,
    label: str,
    schema: SettingsSchema,
    reading: FileReading,
    problems: Problems,
) -> list[tuple[str, dict[str, Any], Marks]]:
    from ollm_actors.config.dynamerge import active_environments

    top = list(schema.tree.get("properties", {}))
    for key, value in data.items():
        at = marks.get((key,))
        where = label if at is None else f"{label}:{at[0]}:{at[1]}"
        if key in top:
            problems.add(
                key, where, "settings under an environment section (default: ...)",
                f"the settings key {key!r} beside environment sections",
            )
        elif not isinstance(value, dict):
            problems.add(key, where, "an environment section (a mapping)", show_value(value))
    by_name = {key.lower(): key for key, value in data.items() if isinstance(value, dict)}
    reading.sections[label] = sorted(by_name)
    chosen = []
    for name in active_environments(reading.env_name):
        written = by_name.get(name)
        if written is not None:
            chosen.append((written, data[written], _rekeyed(marks, written)))
    return chosen


def read_file_layers(
    path: Path,
    schema: SettingsSchema,
    reading: FileReading,
    problems: Problems,
    *,
    required: str | None,
) -> list[Layer]:
    """The layers of the file at ``path`` (``[]`` when absent or unreadable: a problem when
    ``required`` names who asked for it, or when it cannot be read)."""
    label = f"file:{shown_path(path)}"
    missing = f"no file at {shown_path(path)}"
    if not os.path.exists(path):  # noqa: PTH110 (False, not an error, for NUL or too long)
        if required is not None:
            problems.add("", required, "an existing settings file", missing)
        return []
    # The parsers (PyYAML, tomllib ...) are imported only when there is a file to read.
    from ollm_actors.config.filebytes import SettingsFileError
    from ollm_actors.config.formats import parse_file

    try:
        parsed = parse_file(path)
    except FileNotFoundError:
        # Removed between the check above and the read.
        if required is not None:
            problems.add("", required, "an existing settings file", missing)
        return []
    except SettingsFileError as exc:
        at = "" if exc.line is None else f":{exc.line}" + (
            "" if exc.column is None else f":{exc.column}"
        )
        problems.add("", f"{label}{at}", "a mapping of settings", exc.found)
        return []
    if parsed.env is not None:
        lines = parsed.env_lines or {}
        return [
            env_layer(
                parsed.env, schema, problems,
                label=lambda name: f"{label}:{lines.get(name, 1)}", source=label,
            )
        ]
    sections: list[tuple[str, dict[str, Any], Marks]] = [("", parsed.data, parsed.marks)]
    if _is_environments(parsed.data, schema, reading.env_name):
        sections = _environment_layers(
            parsed.data, parsed.marks, label, schema, reading, problems
        )
    layers = []
    for _, data, marks in sections:
        markers: dict[KeyPath, object] = {}
        clean = strip_markers(data, (), markers)
        if parsed.text_values:
            positions = Layer(source=label, data={}, marks=marks)
            clean = _convert_texts(clean, schema, (), positions, problems)
        layers.append(Layer(source=label, data=clean, marks=marks, markers=markers))
    return layers
