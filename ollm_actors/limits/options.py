"""The generation options of a request to one model, from the settings (pure, no anyio).

``options`` (camelCase, for every model) < ``models.<pattern>.options`` (Ollama's names; every
pattern that matches, least specific first, so the most specific wins — the order of
:mod:`ollm_actors.vocab.patterns`, as for ``limits.overrides``) < what a flag set. Each
option comes with where it was set (the settings source and its dotted path).
"""

from __future__ import annotations

import msgspec

from ollm_actors.config.model import Settings
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.patterns import compile_pattern

__all__ = ("GENERATION_NAMES", "ModelOptions", "model_options")

#: ``options.<camelCase>`` -> the Ollama option it is sent as
GENERATION_NAMES: dict[str, str] = {
    "temperature": "temperature",
    "maxTokens": "num_predict",
    "topP": "top_p",
    "topK": "top_k",
    "minP": "min_p",
    "repeatPenalty": "repeat_penalty",
    "seed": "seed",
    "stop": "stop",
}


class ModelOptions(msgspec.Struct, frozen=True, kw_only=True):
    """The options for ``model``; ``paths``/``sources`` say where each one was set."""

    model: str
    options: dict[str, object]
    paths: dict[str, str]
    sources: dict[str, str]
    #: the ``models.<pattern>`` entries that matched, least specific first
    patterns: tuple[str, ...] = ()


def _matching(settings: Settings, name: str) -> list[str]:
    parsed = parse_model_name(name)
    found: list[tuple[tuple[int, int, int], str]] = []
    for position, pattern in enumerate(settings.models):
        compiled = compile_pattern(pattern)
        subject = parsed.display.lower() if "/" in compiled.text else parsed.short
        if compiled.matches(subject):
            found.append(((*compiled.specificity(), position), pattern))
    # Most specific first in that order; applied in reverse so that it is applied last.
    found.sort()
    return [pattern for _, pattern in reversed(found)]


def model_options(settings: Settings, name: str) -> ModelOptions:
    """The options to send for ``name`` (``None`` values left out). Raises
    ``InvalidModelName`` for a name Ollama would refuse."""
    options: dict[str, object] = {}
    paths: dict[str, str] = {}
    general = msgspec.structs.asdict(settings.options)
    flagged: set[str] = set()
    for camel, ollama in GENERATION_NAMES.items():
        value = general[_snake(camel)]
        if value is None:
            continue
        path = f"options.{camel}"
        options[ollama] = list(value) if isinstance(value, tuple) else value
        paths[ollama] = path
        if settings.sources.get(path, "").startswith("flag:"):
            flagged.add(ollama)
    patterns = _matching(settings, name)
    for pattern in patterns:
        specific = msgspec.structs.asdict(settings.models[pattern].options)
        for key, value in specific.items():
            if value is None or key in flagged:
                continue
            options[key] = list(value) if isinstance(value, tuple) else value
            paths[key] = f"models.{pattern}.options.{key}"
    sources = {key: settings.sources.get(path, "default") for key, path in paths.items()}
    return ModelOptions(
        model=parse_model_name(name).display,
        options=options,
        paths=paths,
        sources=sources,
        patterns=tuple(patterns),
    )


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
