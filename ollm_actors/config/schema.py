"""The settings schema: validation of one layer, and text conversion to the schema's types.

``schemas/settings.schema.json`` (JSON Schema draft 2020-12) is read into a
:class:`SettingsSchema` once per settings load (its ``$ref``s inlined, so every node stands on
its own); its jsonschema validator is built only when the fast path of
:mod:`ollm_actors.config._fast` cannot vouch for a layer. Every key is optional, so the same
schema checks each layer on its own (defaults, a file, the environment, the flags), which
is what lets a problem name the layer and line it came from. Problems come back as
:class:`Issue`s with a human ``expected`` text derived from the schema (``a number from 0 to
2``) and a spelling suggestion for unknown keys.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec

from ollm_actors.config._fast import json_types, layer_plainly_valid
from ollm_actors.config.datafiles import data_file_text
from ollm_actors.vocab.suggest import close_match

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = (
    "Issue",
    "SettingsSchema",
    "TextConversionError",
    "check_layer",
    "convert_text",
    "describe",
    "show_value",
)

Path_ = tuple[str, ...]


class Issue(msgspec.Struct, frozen=True):
    """A schema problem at ``path`` in one layer."""

    path: Path_
    expected: str
    found: str
    suggestion: str | None = None


class TextConversionError(ValueError):
    """Text that cannot become the schema's type; ``expected`` describes that type."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/x"}`` replaced by (a copy of) its target."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


class SettingsSchema:
    """The settings schema of one load: the document as shipped (for jsonschema) and its
    tree with references inlined (for finding the node of a path and describing it)."""

    __slots__ = ("_validator", "document", "tree")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.tree: dict[str, Any] = _inline(document, document.get("$defs", {}))
        self._validator: Validator | None = None

    @classmethod
    def load(cls) -> SettingsSchema:
        """The shipped ``settings.schema.json``."""
        document: dict[str, Any] = json.loads(data_file_text("settings.schema.json"))
        return cls(document)

    @property
    def validator(self) -> Validator:
        """jsonschema's validator (imported and built on first use)."""
        if self._validator is None:
            from jsonschema import Draft202012Validator

            self._validator = Draft202012Validator(self.document)
        return self._validator

    def node_at(self, path: Path_) -> dict[str, Any] | None:
        """The schema node describing ``path``, or ``None`` for an unknown key."""
        node = self.tree
        for key in path:
            properties = node.get("properties", {})
            if key in properties:
                node = properties[key]
            elif isinstance(node.get("additionalProperties"), dict):
                node = node["additionalProperties"]
            elif node.get("type") == "array" and key.isdigit():
                node = node["items"]
            else:
                return None
        return node

    def check_layer(self, data: dict[str, Any]) -> list[Issue]:
        """Every schema problem of one layer, sorted by path; ``[]`` when it is valid."""
        issues: list[Issue] = list(_check_finite(data, ()))
        if not issues and layer_plainly_valid(data, self.node_at):
            return []
        issues += _jsonschema_issues(self.validator, data)
        issues.sort(key=lambda issue: issue.path)
        return issues


def _fmt(number: float) -> str:
    return f"{number:g}"


def _describe_type(kind: str, node: dict[str, Any]) -> str:
    if kind in ("number", "integer"):
        noun = "a number" if kind == "number" else "an integer"
        low, high = node.get("minimum"), node.get("maximum")
        if low is not None and high is not None:
            return f"{noun} from {_fmt(low)} to {_fmt(high)}"
        if node.get("exclusiveMinimum") is not None:
            return f"{noun} > {_fmt(node['exclusiveMinimum'])}"
        if low is not None:
            return f"{noun} ≥ {_fmt(low)}"
        return noun
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        if node.get("pattern", "").startswith("^[Hh][Tt][Tt][Pp]"):
            return "an http(s) URL"
        if "pattern" in node or node.get("minLength"):
            return "a non-empty name without spaces"
        return "a string"
    if kind == "array":
        items = node.get("items")
        return f"a list of {_plural(describe(items))}" if isinstance(items, dict) else "a list"
    if kind == "object":
        keys = list(node.get("properties", {}))
        return f"a mapping with keys {', '.join(keys)}" if keys else "a mapping"
    return kind


def _plural(text: str) -> str:
    for article in ("an ", "a "):
        if text.startswith(article):
            return f"({text.removeprefix(article)})s" if " " in text[len(article):] else (
                text.removeprefix(article) + "s"
            )
    return text


def describe(node: dict[str, Any]) -> str:
    """A person's description of what ``node`` accepts (``a number from 0 to 2``)."""
    if "enum" in node:
        return "one of " + ", ".join(repr(v) for v in node["enum"])
    parts = [_describe_type(kind, node) for kind in json_types(node) if kind != "null"]
    if "null" in json_types(node):
        parts.append("null")
    return " or ".join(parts) or "a value"


def show_value(value: object, limit: int = 60) -> str:
    """``value`` as shown in a problem: ``repr`` for text, YAML-ish for the rest, shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, dict):
        text = "a mapping"
    elif isinstance(value, list):
        text = "a list" if len(repr(value)) > limit else repr(value)
    else:
        text = repr(value)
    from ollm_actors.vocab.hosts import redact_url

    # Masked before shortening: a shortened URL may have lost the '@' that marks a password.
    text = redact_url(text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_NULL = frozenset({"", "null", "none", "~"})


def _convert_as(kind: str, text: str, node: dict[str, Any]) -> object:
    stripped = text.strip()
    if kind == "null":
        if stripped.lower() in _NULL:
            return None
        raise ValueError(text)
    if kind == "boolean":
        if stripped.lower() in _TRUE:
            return True
        if stripped.lower() in _FALSE:
            return False
        raise ValueError(text)
    if kind == "integer":
        return int(stripped)
    if kind == "number":
        number = float(stripped)
        if not math.isfinite(number):
            raise ValueError(text)
        return int(number) if number.is_integer() and "." not in stripped else number
    if kind == "array":
        items = node.get("items", {})
        return [convert_text(part, items) for part in stripped.split(",") if part.strip()]
    if kind == "object":
        from ollm_actors.config.yamlfile import SettingsFileError, parse_settings_text

        try:
            return parse_settings_text(text)[0]
        except SettingsFileError:
            raise ValueError(text) from None
    return stripped


def convert_text(text: str, node: dict[str, Any] | None) -> object:
    """Convert environment or flag ``text`` to the type ``node`` wants.

    Numbers, integers, booleans (true/false, yes/no, on/off, 1/0) and null (empty or
    ``null``) are parsed; a list is comma-separated; a mapping is YAML; strings are stripped.
    Range and pattern checks are left to the schema. For an unknown key (``node`` is
    ``None``) the text is returned as is. Raises :class:`TextConversionError`.
    """
    if node is None:
        return text
    kinds = json_types(node)
    if not kinds or "string" in kinds:
        # Text already is a string; "null" in a nullable string field still means null.
        if "null" in kinds and text.strip().lower() in _NULL:
            return None
        return text.strip()
    # Non-null types first, so "0" is a number rather than a failed null.
    for kind in sorted(kinds, key=lambda k: k == "null"):
        try:
            return _convert_as(kind, text, node)
        except (ValueError, TextConversionError):
            continue
    raise TextConversionError(describe(node))


def _check_finite(value: object, path: Path_) -> Iterator[Issue]:
    if isinstance(value, float) and not math.isfinite(value):
        yield Issue(path, "a finite number", show_value(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _check_finite(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _check_finite(item, (*path, str(index)))


def check_layer(data: dict[str, Any]) -> list[Issue]:
    """:meth:`SettingsSchema.check_layer` against the shipped schema."""
    return SettingsSchema.load().check_layer(data)


def _jsonschema_issues(validator: Validator, data: dict[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    for error in validator.iter_errors(data):
        schema = error.schema if isinstance(error.schema, dict) else {}
        path: Path_ = tuple(str(p) for p in error.absolute_path)
        schema_path = list(error.relative_schema_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(schema.get("properties", {}))
            for key in error.instance:
                if key in known:
                    continue
                # Keys are exact, so 'topp' is wrong, and it is 'topP' the user meant; the
                # suggestion helper skips candidates equal to the word but for case.
                same = [k for k in known if k.casefold() == str(key).casefold()]
                close = same[0] if same else close_match(str(key), known)
                issues.append(
                    Issue(
                        (*path, str(key)),
                        f"one of the keys {', '.join(known)}",
                        f"unknown key {str(key)!r}",
                        close,
                    )
                )
        elif "propertyNames" in schema_path:
            issues.append(
                Issue(
                    (*path, str(error.instance)),
                    f"a key that is {describe(schema)}",
                    f"the key {show_value(error.instance)}",
                )
            )
        else:
            issues.append(Issue(path, describe(schema), show_value(error.instance)))
    return issues
