"""Model parameters (``ollm create --param K=V``, ``create_model(parameters=)``), checked
before any request against the one vocabulary of Ollama's options:
:class:`~ollm_actors.config.model.OllamaRequestOptions` (the names and types that
``models.<pattern>.options`` accepts and ``schemas/settings.schema.json`` ``$defs/
ollamaOptions`` describes). No second table: a name or type is right here exactly when it is
right there.

Ollama itself accepts an unknown parameter in ``/api/create`` and fails only when the model is
loaded (``Options.FromMap``), so a typo would make a model that cannot run; checking first
turns that into one clear error naming the parameter.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from ollm_actors.config.model import OllamaRequestOptions
from ollm_actors.errors import BadModelParameter
from ollm_actors.vocab.suggest import close_matches

__all__ = ("check_model_parameters", "parameter_names", "parse_parameter_args")

_NOT_AN_OPTION = "not one of Ollama's model parameters"
# Parameters that must be positive for a model to load at all.
_POSITIVE = frozenset({"num_ctx", "num_batch"})


def _field_types() -> dict[str, type]:
    """Each option's value type without its ``None`` (``stop`` is ``tuple``)."""
    hints = typing.get_type_hints(OllamaRequestOptions)
    found: dict[str, type] = {}
    for name in OllamaRequestOptions.__struct_fields__:
        args = [a for a in typing.get_args(hints[name]) if a is not types.NoneType]
        kind = typing.get_origin(args[0]) or args[0]
        found[name] = kind
    return found


def parameter_names() -> tuple[str, ...]:
    """Ollama's parameter names, as ``OllamaRequestOptions`` lists them."""
    return tuple(OllamaRequestOptions.__struct_fields__)


def _unknown(name: str) -> BadModelParameter:
    close = close_matches(name, parameter_names())
    return BadModelParameter(name, _NOT_AN_OPTION, suggestions=close)


_EXPECTED = {int: "a whole number", float: "a number", tuple: "a string or a list of strings"}


def check_model_parameters(parameters: Mapping[str, object]) -> dict[str, Any]:
    """``parameters`` as they may be sent in ``/api/create`` (``stop`` as a list).

    Raises :class:`BadModelParameter` for the first name that is not an Ollama option (with
    close names) or whose value has the wrong type (a bool is not a number; a whole number
    is a float's value too), and for a ``num_ctx``/``num_batch`` below 1.
    """
    kinds = _field_types()
    checked: dict[str, Any] = {}
    for name, value in parameters.items():
        kind = kinds.get(name)
        if kind is None:
            raise _unknown(name)
        if kind is tuple and isinstance(value, str):
            value = (value,)
        try:
            converted = msgspec.convert({name: value}, OllamaRequestOptions)
        except msgspec.ValidationError:
            raise BadModelParameter(name, f"expected {_EXPECTED[kind]}", repr(value)) from None
        out = getattr(converted, name)
        if name in _POSITIVE and out is not None and out < 1:
            raise BadModelParameter(name, "expected 1 or more", repr(value))
        checked[name] = list(out) if isinstance(out, tuple) else out
    return checked


def parse_parameter_args(args: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings (``--param``) as typed parameters: numbers read by the option's
    type, ``stop`` gathered over repeats. Raises :class:`BadModelParameter` like
    :func:`check_model_parameters`, and for an argument without ``=``."""
    kinds = _field_types()
    raw: dict[str, Any] = {}
    for arg in args:
        name, sep, text = arg.partition("=")
        name = name.strip()
        if not sep or not name:
            raise BadModelParameter(arg, "expected KEY=VALUE, e.g. temperature=0.2")
        kind = kinds.get(name)
        if kind is None:
            raise _unknown(name)
        if kind is tuple:
            raw.setdefault(name, []).append(text)
            continue
        try:
            raw[name] = int(text) if kind is int else float(text)
        except ValueError:
            raise BadModelParameter(name, f"expected {_EXPECTED[kind]}", repr(text)) from None
    return check_model_parameters(raw)
