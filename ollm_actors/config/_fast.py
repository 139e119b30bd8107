"""The fast paths of settings, beside their plain rules.

- Validation (the plain rule: jsonschema, in :mod:`ollm_actors.config.schema`): a small
  layer of flags or environment variables whose every leaf passes the simple keywords is
  accepted without importing jsonschema, a fifth of the CLI's start-up.
  ``tests/config/test_schema_fast_path.py`` holds, by hypothesis, that the fast path never
  accepts what jsonschema rejects. Nodes are schema nodes with their references inlined.
- Merging (the plain rule: dynaconf, in :mod:`ollm_actors.config.dynamerge`): when every
  layer above the defaults only sets plain values at paths (no mapping to merge, no merge
  marker), setting them in order is what dynaconf's merge gives, without importing it (about
  50 ms). ``tests/config/test_merge_fast_path.py`` holds, by hypothesis, that both agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = (
    "json_types",
    "layer_plainly_valid",
    "merge_plain_leaves",
    "plain_leaves_only",
    "plainly_valid",
)

Path_ = tuple[str, ...]


def json_types(node: dict[str, Any]) -> list[str]:
    """The JSON types a schema node allows (from ``type``, else from its ``enum``)."""
    kind = node.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind]
    if isinstance(kind, str):
        return [kind]
    if "enum" in node:
        return sorted({type(v).__name__.replace("str", "string") for v in node["enum"]})
    return []


# Keywords the fast path below checks itself, or that never reject a value.
_FAST_KEYWORDS = frozenset(
    {
        "type",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "enum",
        "pattern",
        "minLength",
        "items",
        "description",
        "title",
        "default",
        "examples",
        "$comment",
    }
)
# Object keywords that only steer which node a key leads to (node_at follows them).
_FAST_OBJECT_KEYWORDS = frozenset(
    {"type", "properties", "additionalProperties", "description", "title", "default", "$comment"}
)
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list, tuple),
}


# Keywords that apply to objects only: they never reject a value of another type, and an
# object value is never plainly valid here (it goes to jsonschema).
_OBJECT_ONLY_KEYWORDS = frozenset({"properties", "additionalProperties", "required"})


def plainly_valid(value: object, node: dict[str, Any]) -> bool:
    """True only when ``value`` certainly satisfies ``node`` (False means: ask jsonschema)."""
    if not node.keys() <= _FAST_KEYWORDS | _OBJECT_ONLY_KEYWORDS:
        return False
    kinds = json_types(node) if "type" in node else []
    if kinds:
        if isinstance(value, bool) and "boolean" not in kinds:
            return False
        if not any(isinstance(value, _JSON_TYPES.get(k, ())) for k in kinds):
            return False
    if "enum" in node and value not in node["enum"]:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in node and value < node["minimum"]:
            return False
        if "maximum" in node and value > node["maximum"]:
            return False
        if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
            return False
        if "exclusiveMaximum" in node and value >= node["exclusiveMaximum"]:
            return False
    if isinstance(value, str):
        if "pattern" in node and re.search(node["pattern"], value) is None:
            return False
        if len(value) < node.get("minLength", 0):
            return False
    if isinstance(value, (list, tuple)):
        items = node.get("items")
        if not isinstance(items, dict):
            return False
        return all(plainly_valid(item, items) for item in value)
    return not isinstance(value, dict)


def layer_plainly_valid(
    data: dict[str, Any], node_at: Callable[[Path_], dict[str, Any] | None], path: Path_ = ()
) -> bool:
    """The fast path of ``check_layer`` for the small layers of flags and env vars
    (``node_at`` finds the schema node of a path).

    It accepts a layer only when every key is known, every object on the way is a plain
    container, and every leaf passes the simple keywords above; anything else goes to
    jsonschema, whose import is a fifth of the CLI's start-up.
    """
    for key, value in data.items():
        child = (*path, str(key))
        node = node_at(child)
        if node is None:
            return False
        if isinstance(value, dict):
            # A mapping where the schema wants something else (an empty one has no leaf
            # to fail on) is for jsonschema to name.
            if "object" not in json_types(node) or not node.keys() <= _FAST_OBJECT_KEYWORDS:
                return False
            if not layer_plainly_valid(value, node_at, child):
                return False
        elif not plainly_valid(value, node):
            return False
    return True


def _leaves(data: dict[str, Any], prefix: Path_ = ()) -> list[tuple[Path_, Any]]:
    found: list[tuple[Path_, Any]] = []
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            found.extend(_leaves(value, path))
        else:
            found.append((path, value))
    return found


def plain_leaves_only(data: dict[str, Any]) -> bool:
    """Whether ``data`` only sets plain values at its paths: no empty or non-empty mapping as
    a value (which dynaconf would merge) and no ``dynaconf_merge`` marker."""
    for path, value in _leaves(data):
        if isinstance(value, dict) or "dynaconf_merge" in path:
            return False
        if isinstance(value, list) and any(
            item == "dynaconf_merge" or item == "dynaconf_merge_unique" for item in value
        ):
            return False
    return True


def merge_plain_leaves(base: dict[str, Any], overlays: list[dict[str, Any]]) -> dict[str, Any]:
    """``base`` (copied) with every leaf of each overlay set in order, the later winning: the
    merge of overlays that :func:`plain_leaves_only` accepts."""
    import copy

    document = copy.deepcopy(base)
    for overlay in overlays:
        for path, value in _leaves(overlay):
            node = document
            for key in path[:-1]:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
            node[path[-1]] = copy.deepcopy(value)
    return document
