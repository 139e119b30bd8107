"""The model name a model-database pattern spells: one rule for the router's "would fit if
pulled" and the "did you mean" of ``pull`` and ``status``.

A database pattern is a glob over ``model:tag`` (``llama3.1*``, ``phi3:*128k*``,
``llama4:latest``). The name it spells is its literal part, up to the first glob character,
less the separators that trail it: the name one would type to pull a model it matches.
"""

from __future__ import annotations

from ollm_actors.errors import InvalidModelName
from ollm_actors.vocab.names import parse_model_name

__all__ = ("pattern_name",)

_GLOB_CHARS = "*?["
_TRAILING = ":-._/"
# A one-letter stem (``q*``) is the start of many names, not one of them.
_MIN_LENGTH = 2


def pattern_name(pattern: str) -> str | None:
    """The model name ``pattern`` spells, as it is spelled.

    ``llama3.1*`` → ``llama3.1``, ``llama3.1:*`` → ``llama3.1``, ``llama4:scout*`` →
    ``llama4:scout``, ``phi3:*128k*`` → ``phi3``, ``llama4:latest`` → itself. None when that
    part is shorter than two characters (``*``, ``q*``) or Ollama's name grammar rejects it.
    Pure; never raises.
    """
    cut = len(pattern)
    for char in _GLOB_CHARS:
        found = pattern.find(char)
        if 0 <= found < cut:
            cut = found
    name = pattern[:cut].rstrip(_TRAILING)
    if len(name) < _MIN_LENGTH:
        return None
    try:
        parse_model_name(name)
    except InvalidModelName:
        return None
    return name
