"""Reading one settings file: YAML data plus the line and column of every key.

The positions come from the YAML node tree (``compose`` keeps each node's start mark), so a
problem found later by the schema can name ``file:PATH:LINE:COLUMN``. libyaml's C loader is
used when PyYAML was built with it, because the CLI reads the settings on every start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ollm_actors.config.layers import Marks

__all__ = ("Marks", "SettingsFileError", "parse_settings_text", "read_settings_file")


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Far deeper than any settings file; stops alias cycles and pathological nesting early.
_MAX_DEPTH = 64


class SettingsFileError(Exception):
    """A settings file that cannot be read or parsed (internal; the loader turns it into a
    :class:`~ollm_actors.errors.SettingsProblem`)."""

    def __init__(self, found: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(found)
        self.found = found
        self.line = line
        self.column = column


def _plain(value: Any, depth: int) -> Any:
    # A fresh tree: aliases no longer share (or cycle through) containers, keys are text.
    if depth > _MAX_DEPTH:
        raise SettingsFileError(f"nesting deeper than {_MAX_DEPTH} levels (or an alias cycle)")
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, depth + 1) for v in value]
    return value


def _collect_marks(node: yaml.Node, path: tuple[str, ...], marks: Marks, depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key_path = (*path, str(key_node.value))
            mark = key_node.start_mark
            marks.setdefault(key_path, (mark.line + 1, mark.column + 1))
            _collect_marks(value_node, key_path, marks, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            item_path = (*path, str(index))
            mark = item.start_mark
            marks.setdefault(item_path, (mark.line + 1, mark.column + 1))
            _collect_marks(item, item_path, marks, depth + 1)


def parse_settings_text(text: str) -> tuple[dict[str, Any], Marks]:
    """Parse settings YAML into ``(data, marks)``; an empty document is ``{}``.

    Raises :class:`SettingsFileError` for YAML that does not parse (with the line and column
    the parser stopped at) or whose top level is not a mapping.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "unparsable YAML"
        raise SettingsFileError(
            f"invalid YAML ({what})",
            None if mark is None else mark.line + 1,
            None if mark is None else mark.column + 1,
        ) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        # PyYAML raises plain ValueError/TypeError for a few malformed scalars (e.g. a
        # timestamp with an impossible date) and unhashable keys.
        raise SettingsFileError(f"invalid YAML ({exc})") from None
    finally:
        loader.dispose()
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        line = None if node is None else node.start_mark.line + 1
        raise SettingsFileError(
            f"a {type(data).__name__} at the top level instead of a mapping", line, 1
        )
    data = _plain(data, 0)
    marks: Marks = {}
    if node is not None:
        _collect_marks(node, (), marks, 0)
    return data, marks


def read_settings_file(path: Path) -> tuple[dict[str, Any], Marks]:
    """Read and parse the settings file at ``path`` (see :func:`parse_settings_text`).

    Raises :class:`FileNotFoundError` when it does not exist, and :class:`SettingsFileError`
    when it cannot be read (a directory, no permission, not UTF-8) or parsed.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except UnicodeDecodeError as exc:
        raise SettingsFileError(f"a file that is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise SettingsFileError(f"an unreadable file ({exc.strerror or exc})") from None
    return parse_settings_text(text)
