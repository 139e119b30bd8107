"""The layers of settings that are not files: the environment (or a ``.env`` file, read the
same way), and the overrides (CLI flags). Text is converted to the schema's type here, so a
bad value is a problem naming its variable or flag."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ollm_actors.config import options as table
from ollm_actors.config.bounds import env_value_problem, is_utf8
from ollm_actors.config.layers import Layer, dotted, set_path
from ollm_actors.config.schema import SettingsSchema, TextConversionError, convert_text, show_value
from ollm_actors.errors import SettingsProblem

__all__ = ("Problems", "env_layer", "env_text_problem", "override_layer")


class Problems:
    """Problems found so far, in the order found."""

    def __init__(self) -> None:
        self.problems: list[SettingsProblem] = []

    def add(
        self, path: str, source: str, expected: str, found: str, suggestion: str | None = None
    ) -> None:
        self.problems.append(SettingsProblem(path, source, expected, found, suggestion))


def env_text_problem(
    name: str, path: str, text: str, problems: Problems, label: str | None = None
) -> bool:
    """Whether ``text`` (the value of ``name``) is refused unparsed, as a new problem."""
    refused = env_value_problem(text)
    if refused is not None:
        problems.add(path, label or f"env:{name}", *refused)
    return refused is not None


def env_layer(
    env: Mapping[str, str],
    schema: SettingsSchema,
    problems: Problems,
    *,
    label: Callable[[str], str] | None = None,
    source: str = "env",
) -> Layer:
    """The layer of the ``OLLM_*`` variables in ``env``; ``label`` names each variable's
    source (``env:VAR``, or a ``.env`` file's ``file:PATH:LINE``)."""
    name_label = label or (lambda name: f"env:{name}")
    data: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}

    def put(name: str, path: tuple[str, ...], text: str) -> None:
        label = name_label(name)
        if env_text_problem(name, dotted(path), text, problems, label):
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
                "", name_label(name), f"{table.NESTED_ENV_PREFIX}section__key", "an empty segment"
            )
            continue
        put(name, path, env[name])
    for var in table.ENV_VARS:
        text = env.get(var.name)
        if text is None or not text.strip():
            continue
        if var.fallback_for is not None and (env.get(var.fallback_for) or "").strip():
            continue
        if env_text_problem(var.name, var.path, text, problems, name_label(var.name)):
            continue
        put(var.name, tuple(var.path.split(".")), text)
        for implied_path, implied in var.implies:
            put(var.name, tuple(implied_path.split(".")), implied)
    return Layer(source=source, data=data, sources=sources)


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def override_layer(
    overrides: Mapping[str, object],
    labels: Mapping[str, str],
    schema: SettingsSchema,
    problems: Problems,
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
