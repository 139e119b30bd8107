"""Settings layers and how they merge: plain functions over plain data.

A :class:`Layer` is one source's partial settings document (defaults, a file or one of its
environment sections, the environment, the flags) together with where each of its values
came from. Layers are merged by dynaconf (:mod:`ollm_actors.config.dynamerge`), in one order
written once in the loader; what is here only says which layer set a path.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

__all__ = (
    "DEFAULT_SOURCE",
    "Layer",
    "dotted",
    "leaf_paths",
    "set_path",
    "source_of",
    "touches",
    "where",
    "with_markers",
)

DEFAULT_SOURCE = "default"

KeyPath = tuple[str, ...]
#: dotted path (as a tuple of keys) -> (line, column) in a settings file, both from 1
Marks = dict[tuple[str, ...], tuple[int, int]]


def dotted(path: KeyPath) -> str:
    """``("options", "topP")`` -> ``"options.topP"``."""
    return ".".join(path)


class Layer(msgspec.Struct, frozen=True, kw_only=True):
    """One source's partial settings.

    ``source`` labels every value unless ``sources`` has a label for the value's path or one
    of its parents (environment variables and flags each label their own path). ``marks``
    gives file positions for problems.
    """

    source: str
    data: dict[str, Any]
    sources: dict[KeyPath, str] = msgspec.field(default_factory=dict)
    marks: Marks = msgspec.field(default_factory=dict)
    #: dynaconf merge markers the file had, taken out of ``data`` so it can be validated
    markers: dict[KeyPath, object] = msgspec.field(default_factory=dict)

    def label(self, path: KeyPath) -> str:
        """The source label of the value at ``path`` (``file:PATH``, ``env:VAR`` ...)."""
        for end in range(len(path), 0, -1):
            found = self.sources.get(path[:end])
            if found is not None:
                return found
        return self.source

    def position(self, path: KeyPath) -> str:
        """:meth:`label`, plus ``:LINE:COLUMN`` of the nearest marked key for a file."""
        for end in range(len(path), 0, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return f"{self.label(path)}:{mark[0]}:{mark[1]}"
        return self.label(path)


def set_path(data: dict[str, Any], path: KeyPath, value: object) -> None:
    """Set ``path`` in the nested mapping ``data`` to ``value``, making mappings on the way
    (a non-mapping in the way is replaced by one)."""
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value


def touches(data: dict[str, Any], path: KeyPath) -> bool:
    """Whether ``data`` sets ``path``: it holds the path itself, or a non-mapping value at
    one of its parents (which replaces everything below it)."""
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
        if not isinstance(node, dict):
            return True
    return True


def with_markers(data: dict[str, Any], markers: dict[KeyPath, object]) -> dict[str, Any]:
    """A copy of ``data`` with dynaconf's merge markers put back where a file had them
    (a list's ``dynaconf_merge`` first item, a mapping's ``dynaconf_merge`` key)."""
    out = copy.deepcopy(data)
    for path, marker in markers.items():
        node: Any = out
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list) and isinstance(marker, str):
            node.insert(0, marker)
        elif isinstance(node, dict):
            node["dynaconf_merge"] = marker
    return out


def source_of(layers: Sequence[Layer], path: KeyPath) -> str:
    """The label of the highest layer that sets ``path``, or ``default``."""
    for layer in reversed(layers):
        if touches(layer.data, path):
            return layer.label(path)
    return DEFAULT_SOURCE


def where(layers: Sequence[Layer], path: KeyPath) -> str:
    """Like :func:`source_of`, with the file position where there is one."""
    for layer in reversed(layers):
        if touches(layer.data, path):
            return layer.position(path)
    return DEFAULT_SOURCE


def leaf_paths(data: dict[str, Any], prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Paths of every non-mapping value and every empty mapping in ``data``."""
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            yield from leaf_paths(value, path)
        else:
            yield path
