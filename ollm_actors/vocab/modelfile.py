"""Reading the ``parameters`` text of ``/api/show``: one ``key value`` a line, the key padded
to 30 columns, string values in double quotes, ``stop`` repeated. Pure; never raises."""

from __future__ import annotations

import json
from typing import Literal

__all__ = (
    "SERVER_DEFAULT_NUM_CTX",
    "DefaultContextSource",
    "ParameterValue",
    "default_num_ctx",
    "parse_parameters",
)

ParameterValue = int | float | str | list[str]
#: where a model's default context comes from
DefaultContextSource = Literal["modelfile", "server default"]
#: the context Ollama gives a model whose Modelfile sets no ``num_ctx`` when the request
#: sends none either: 4096 on current servers without a large GPU (with 24 GiB or more of
#: VRAM they choose more; see ollama-protocol.md §8): the safe figure to assume
SERVER_DEFAULT_NUM_CTX = 4096


def _value(text: str) -> int | float | str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            decoded = json.loads(text)
        except ValueError:
            return text[1:-1]
        return decoded if isinstance(decoded, str) else text[1:-1]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def parse_parameters(text: str) -> dict[str, ParameterValue]:
    """The parameters as typed values: numbers as numbers, strings unquoted, a key given on
    several lines (``stop``) as the list of its values. Lines without a value are skipped."""
    found: dict[str, ParameterValue] = {}
    for line in text.splitlines():
        key, _, rest = line.strip().partition(" ")
        if not key or not rest.strip():
            continue
        value = _value(rest)
        if key == "stop" or key in found:
            previous = found.get(key)
            values = previous if isinstance(previous, list) else (
                [] if previous is None else [str(previous)]
            )
            found[key] = [*values, str(value)]
        else:
            found[key] = value
    return found


def default_num_ctx(text: str) -> int | None:
    """The model's own ``num_ctx`` (``PARAMETER num_ctx`` of its Modelfile) from the
    ``parameters`` text, or None when it sets none (or no positive whole number)."""
    value = parse_parameters(text).get("num_ctx")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None
