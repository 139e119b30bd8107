"""Resolution of a model's limits from every layer that knows something about it.

Layers, highest first, each field resolved on its own:

========  ==================================================================================
override  the user's ``limits.overrides.<pattern>`` entries matching the name; for each field
          the most specific pattern that sets it wins (partial overrides layer over the rest)
server    live facts from ``/api/show``: ``<arch>.context_length`` and ``capabilities``
database  the most specific built-in database entry (:mod:`ollm_actors.vocab.database`)
family    the default for the server's architecture family (:mod:`.family_defaults`)
default   :data:`~ollm_actors.vocab.family_defaults.SAFE_DEFAULT` (2048 / 512)
========  ==================================================================================

Which layer may supply which field:

* ``context_window``: override > server > database > family > default.
* ``capabilities``: the server's list when known, else database > family > default; then each
  flag an override sets replaces that flag (``streaming`` follows ``completion`` for server
  lists, since Ollama streams whatever it can complete).
* ``max_output_tokens``: override > database > family > default (servers do not report one);
  0 for a model that cannot complete (embedding models), and never more than the window.
* ``family`` (the routing family): override > database > family > the server's raw family
  (``server``) > ``unknown``.
* ``profiles``: override > database > family > none; profiles not from an override that the
  resolved window or capabilities no longer meet (e.g. ``long-context`` when the server reports
  a small window) are dropped.

``ModelLimits.source`` is the layer that supplied ``context_window``; ``sources`` names the
layer of each field. ``matched_pattern`` is the override pattern that set the window when the
source is ``override``, else the database pattern that matched (None when none did).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import msgspec

from ollm_actors.errors import LimitsDataError
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.database import ModelDatabase
from ollm_actors.vocab.entries import Capabilities, LimitsOverride, ModelEntry
from ollm_actors.vocab.family_defaults import SAFE_DEFAULT, FamilyDefault, family_default
from ollm_actors.vocab.fit import misfit, need_for
from ollm_actors.vocab.memory import MemoryFacts
from ollm_actors.vocab.modelfile import SERVER_DEFAULT_NUM_CTX, DefaultContextSource
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.patterns import compile_pattern

__all__ = (
    "LimitsSource",
    "LimitsSources",
    "ModelLimits",
    "ServerFacts",
    "resolve_limits",
    "server_facts_from_show",
    "validate_overrides",
)

LimitsSource = Literal["override", "server", "database", "family", "default"]

_NO_OVERRIDES: Mapping[str, LimitsOverride] = MappingProxyType({})
_OVERRIDES_SOURCE = "limits.overrides"
# Override flag name -> Capabilities field name.
_OVERRIDE_FLAGS = (
    ("completion", "completion"),
    ("toolCalling", "tools"),
    ("vision", "vision"),
    ("embedding", "embedding"),
    ("insert", "insert"),
    ("thinking", "thinking"),
    ("streaming", "streaming"),
)


class ServerFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What a server said about a model in ``/api/show``; None where it said nothing.

    ``capabilities`` uses Ollama's vocabulary (``completion``, ``tools``, ``vision``,
    ``embedding``, ``insert``, ``thinking`` ...); ``family`` is ``details.family`` (or the
    architecture).
    """

    context_length: int | None = None
    capabilities: frozenset[str] | None = None
    family: str | None = None
    digest: str | None = None


class LimitsSources(msgspec.Struct, frozen=True, kw_only=True):
    """The layer each field of a :class:`ModelLimits` came from."""

    context_window: LimitsSource
    max_output_tokens: LimitsSource
    capabilities: LimitsSource
    family: LimitsSource
    profiles: LimitsSource


class ModelLimits(msgspec.Struct, frozen=True, kw_only=True):
    """The resolved limits of one model, saying where they came from.

    ``model`` is the name in Ollama's display form (``llama3.1:8b``, ``myuser/m:latest``).
    """

    model: str
    family: str
    context_window: int
    max_output_tokens: int
    capabilities: Capabilities
    profiles: tuple[str, ...]
    matched_pattern: str | None
    source: LimitsSource
    sources: LimitsSources
    database_pattern: str | None = None
    override_pattern: str | None = None
    digest: str | None = None
    #: the context the model loads with when a request sends no ``num_ctx``: its Modelfile's
    #: ``PARAMETER num_ctx`` (``modelfile``), else the server's default (``server default``)
    default_context: int = SERVER_DEFAULT_NUM_CTX
    default_context_source: DefaultContextSource = "server default"
    #: what the memory estimate needs (``/api/show`` facts; ``size`` 0 until the router adds
    #: the file size from ``/api/tags``); None when the server sent no such facts
    memory: MemoryFacts | None = None


def _positive_int(value: Any) -> int | None:
    # GGUF metadata arrives as JSON numbers; Go clients read them as float64.
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    return None


def server_facts_from_show(
    model_info: Mapping[str, Any],
    capabilities: Sequence[str] | None,
    family: str | None,
    digest: str | None,
) -> ServerFacts:
    """Extract the facts that matter for limits from an ``/api/show`` answer.

    The context length is ``model_info["<arch>.context_length"]`` where ``<arch>`` is
    ``model_info["general.architecture"]`` (else ``family``); a missing, non-numeric or
    non-positive value gives None. An empty or absent capability list gives None (older
    servers do not send one). Never raises.
    """
    arch = model_info.get("general.architecture")
    arch_name = arch if isinstance(arch, str) and arch else None
    context: int | None = None
    for key in (arch_name, family):
        if key:
            context = _positive_int(model_info.get(f"{key}.context_length"))
            if context is not None:
                break
    caps = frozenset(c.strip().lower() for c in capabilities) if capabilities else None
    return ServerFacts(
        context_length=context,
        capabilities=caps,
        family=family or arch_name,
        digest=digest,
    )


def _server_capabilities(names: frozenset[str]) -> Capabilities:
    completion = "completion" in names
    return Capabilities(
        completion=completion,
        tools="tools" in names,
        vision="vision" in names,
        embedding="embedding" in names,
        insert="insert" in names,
        thinking="thinking" in names,
        streaming=completion,
    )


def _override_problems(pattern: str, override: LimitsOverride) -> list[str]:
    where = f"limits.overrides.{pattern}"
    problems: list[str] = []
    try:
        compile_pattern(pattern)
    except LimitsDataError as exc:
        problems.extend(f"{where}: {p}" for p in exc.problems)
    if override.contextWindow is not None and override.contextWindow <= 0:
        problems.append(
            f"{where}.contextWindow: expected a positive number, got {override.contextWindow}"
        )
    if override.maxOutputTokens is not None and override.maxOutputTokens < 0:
        problems.append(
            f"{where}.maxOutputTokens: expected 0 or more, got {override.maxOutputTokens}"
        )
    return problems


def validate_overrides(overrides: Mapping[str, LimitsOverride]) -> None:
    """Check override patterns and numbers; raise :class:`LimitsDataError` listing problems."""
    problems = [p for pattern, o in overrides.items() for p in _override_problems(pattern, o)]
    if problems:
        raise LimitsDataError(source=_OVERRIDES_SOURCE, problems=problems)


def _matching_overrides(
    short: str, display: str, overrides: Mapping[str, LimitsOverride]
) -> list[tuple[str, LimitsOverride]]:
    found: list[tuple[tuple[int, int, int], str, LimitsOverride]] = []
    for position, (pattern, override) in enumerate(overrides.items()):
        problems = _override_problems(pattern, override)
        if problems:
            raise LimitsDataError(source=_OVERRIDES_SOURCE, problems=problems)
        compiled = compile_pattern(pattern)
        # A pattern naming a namespace or host matches the display form instead.
        subject = display if "/" in compiled.text else short
        if compiled.matches(subject):
            found.append(((*compiled.specificity(), position), pattern, override))
    found.sort(key=lambda item: item[0])
    return [(pattern, override) for _, pattern, override in found]


def _meets(profile_name: str, window: int, capabilities: Capabilities) -> bool:
    profile = BUILTIN_PROFILES.get(profile_name)
    if profile is None:
        return True
    return misfit(capabilities.names(), window, need_for(profile_name, profile)) is None


def _base_layer(
    entry: ModelEntry | None, default: FamilyDefault | None
) -> tuple[LimitsSource, FamilyDefault]:
    """The highest of database / family / default, as one FamilyDefault-shaped record."""
    if entry is not None:
        capabilities = entry.capabilities.to_capabilities()
        # Without a stated maximum, the window; whether the model completes at all is
        # decided after the server's and the override's capabilities (an embedding entry
        # whose server says "completion" must not end with 0, i.e. num_predict=1).
        output = entry.maxOutputTokens if entry.maxOutputTokens is not None else entry.contextWindow
        return "database", FamilyDefault(
            family=entry.family,
            context_window=entry.contextWindow,
            max_output_tokens=output,
            capabilities=capabilities,
            profiles=entry.profiles,
        )
    if default is not None:
        return "family", default
    return "default", SAFE_DEFAULT


def resolve_limits(
    name: str,
    *,
    database: ModelDatabase,
    overrides: Mapping[str, LimitsOverride] = _NO_OVERRIDES,
    server: ServerFacts | None = None,
    family: str | None = None,
) -> ModelLimits:
    """Resolve the limits of the model ``name`` (any Ollama name form); pure and synchronous.

    ``family`` is the architecture family when known without ``server`` (e.g. from the model
    list's ``details.family``); ``server.family`` takes precedence. The layers and which field
    each may supply are in the module docstring.

    Raises :class:`~ollm_actors.errors.InvalidModelName` for a name Ollama would reject and
    :class:`LimitsDataError` for an invalid override pattern or number.
    """
    parsed = parse_model_name(name)
    short = parsed.short
    entry = database.match_normalised(short)
    arch = (server.family if server is not None and server.family else None) or family
    base_source, base = _base_layer(entry, family_default(arch))
    chosen = _matching_overrides(short, parsed.display.lower(), overrides)

    # context window
    window_source: LimitsSource = base_source
    window = base.context_window
    window_pattern: str | None = None
    if server is not None and server.context_length is not None:
        window_source, window = "server", server.context_length
    for pattern, override in chosen:
        if override.contextWindow is not None:
            window_source, window, window_pattern = "override", override.contextWindow, pattern
            break

    # capabilities
    caps_source: LimitsSource = base_source
    capabilities = base.capabilities
    if server is not None and server.capabilities is not None:
        caps_source, capabilities = "server", _server_capabilities(server.capabilities)
    flags: dict[str, bool] = {}
    for _, override in chosen:
        if override.capabilities is None:
            continue
        for flag, field in _OVERRIDE_FLAGS:
            value = getattr(override.capabilities, flag)
            if value is not None and field not in flags:
                flags[field] = value
    if flags:
        caps_source, capabilities = "override", msgspec.structs.replace(capabilities, **flags)

    # max output
    output_source: LimitsSource = base_source
    output = base.max_output_tokens
    for _, override in chosen:
        if override.maxOutputTokens is not None:
            output_source, output = "override", override.maxOutputTokens
            break
    if not capabilities.completion:
        output = 0
    output = min(output, window)

    # routing family
    family_source: LimitsSource = base_source
    routing_family = base.family
    if base_source == "default" and arch:
        family_source, routing_family = "server", arch.strip().lower()
    for _, override in chosen:
        if override.family is not None:
            family_source, routing_family = "override", override.family
            break

    # profiles
    profiles_source: LimitsSource = base_source
    profiles = tuple(p for p in base.profiles if _meets(p, window, capabilities))
    for _, override in chosen:
        if override.profiles is not None:
            profiles_source, profiles = "override", override.profiles
            break

    override_pattern = chosen[0][0] if chosen else None
    database_pattern = entry.pattern if entry is not None else None
    return ModelLimits(
        model=parsed.display,
        family=routing_family,
        context_window=window,
        max_output_tokens=output,
        capabilities=capabilities,
        profiles=profiles,
        matched_pattern=window_pattern if window_source == "override" else database_pattern,
        source=window_source,
        sources=LimitsSources(
            context_window=window_source,
            max_output_tokens=output_source,
            capabilities=caps_source,
            family=family_source,
            profiles=profiles_source,
        ),
        database_pattern=database_pattern,
        override_pattern=override_pattern,
        digest=server.digest if server is not None else None,
    )
