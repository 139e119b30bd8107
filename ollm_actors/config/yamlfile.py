"""Reading one settings file: YAML data plus the line and column of every key.

The positions come from the YAML node tree (``compose`` keeps each node's start mark), so a
problem found later by the schema can name ``file:PATH:LINE:COLUMN``. libyaml's C loader is
used when PyYAML was built with it, because the CLI reads the settings on every start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ollm_actors.config.filebytes import MAX_FILE_BYTES, SettingsFileError, read_text
from ollm_actors.config.layers import Marks

__all__ = (
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Marks",
    "SettingsFileError",
    "parse_settings_text",
    "read_settings_file",
)

#: most YAML nodes a document may hold with its aliases expanded. Composing shares an
#: anchored node between its aliases, so a few hundred bytes can stand for a billion nodes
#: ("billion laughs"); the walks that copy the data and collect the marks would visit each.
MAX_NODES = 100_000


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Far deeper than any settings file; stops alias cycles and pathological nesting early.
_MAX_DEPTH = 64


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a node tree that holds more than :data:`MAX_NODES` nodes once aliases are
    expanded, or is nested deeper than the walks below go, or contains itself. Linear in
    the composed (unexpanded) tree: each shared node is sized once."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in active:
            raise SettingsFileError("an alias inside the node it names (an alias cycle)")
        if depth > _MAX_DEPTH:
            raise SettingsFileError(f"nesting deeper than {_MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        active.add(key)
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                raise SettingsFileError(
                    f"more than {MAX_NODES} values once its aliases are expanded"
                )
        active.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


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
        if node is not None:
            _check_expanded_size(node)
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
    at once, without reading, when it is not a regular file (a directory, a device such as
    ``/dev/zero``, a FIFO) or is larger than :data:`MAX_FILE_BYTES`; also when it cannot
    be read (no permission), is not UTF-8 or does not parse.
    """
    return parse_settings_text(read_text(path))
