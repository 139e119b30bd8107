"""From the merged, schema-valid document to the typed :class:`Settings` (pure functions).

Here the built-in routing profiles are patched by ``routing.profiles``, the built-in task map
is extended by ``routing.tasks``, and the rules no schema can state are checked: every
profile named anywhere exists, and ``fallbackProfile`` chains end instead of looping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from ollm_actors.config.layers import (
    DEFAULT_SOURCE,
    Layer,
    dotted,
    leaf_paths,
    source_of,
    where,
)
from ollm_actors.config.model import (
    CooldownSettings,
    FrozenDict,
    RoutingMemorySettings,
    Settings,
)
from ollm_actors.errors import SettingsProblem
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES, BUILTIN_TASKS
from ollm_actors.vocab.entries import LimitsOverride
from ollm_actors.vocab.profiles import RoutingProfile
from ollm_actors.vocab.suggest import close_match

__all__ = ("build_settings", "fallback_cycles", "merge_profiles")


def merge_profiles(patches: dict[str, dict[str, Any]]) -> dict[str, RoutingProfile]:
    """:data:`BUILTIN_PROFILES` with each patch applied; a patch for a new name starts from
    an empty profile. ``patches`` must be schema-valid with capabilities normalised."""
    profiles = dict(BUILTIN_PROFILES)
    for name, patch in patches.items():
        base = profiles.get(name, RoutingProfile(name=name))
        fields = msgspec.structs.asdict(base)
        fields.update(patch)
        profiles[name] = msgspec.convert(fields, RoutingProfile, strict=False)
    return profiles


def fallback_cycles(profiles: dict[str, RoutingProfile]) -> list[list[str]]:
    """Each ``fallbackProfile`` loop once, as the names along it ending where it started
    (``["code", "general", "code"]``), starting from its alphabetically first member."""
    cycles: list[list[str]] = []
    seen: set[str] = set()
    for start in sorted(profiles):
        chain: list[str] = []
        name: str | None = start
        while name is not None and name in profiles and name not in seen and name not in chain:
            chain.append(name)
            name = profiles[name].fallbackProfile
        if name is not None and name in chain:
            loop = chain[chain.index(name):]
            first = loop.index(min(loop))
            loop = loop[first:] + loop[:first]
            cycles.append([*loop, loop[0]])
        seen.update(chain)
    return cycles


def _suggest(name: str, known: Iterable[str]) -> str | None:
    return close_match(name, known)


def _reference_problems(
    doc: dict[str, Any], profiles: dict[str, RoutingProfile], layers: Sequence[Layer]
) -> list[SettingsProblem]:
    known = sorted(profiles)
    expected = "the name of a routing profile (" + ", ".join(known) + ")"
    problems: list[SettingsProblem] = []

    def check(path: tuple[str, ...], name: object, what: str = "") -> None:
        if isinstance(name, str) and name not in profiles:
            problems.append(
                SettingsProblem(
                    dotted(path), where(layers, path), expected,
                    f"unknown profile {name!r}{what}", _suggest(name, known),
                )
            )

    routing = doc["model"]["routing"]
    check(("model", "routing", "defaultProfile"), routing["defaultProfile"])
    for name in routing["overrides"]:
        check(("model", "routing", "overrides", name), name, " as an override key")
    for task, name in doc["routing"]["tasks"].items():
        check(("routing", "tasks", task), name)
    for pattern, entry in doc["limits"]["overrides"].items():
        for index, name in enumerate(entry.get("profiles") or ()):
            check(("limits", "overrides", pattern, "profiles", str(index)), name)
    for name, profile in profiles.items():
        check(("routing", "profiles", name, "fallbackProfile"), profile.fallbackProfile)
    for cycle in fallback_cycles(profiles):
        # Blame the link a settings source wrote: the built-ins alone have no cycle.
        links = [("routing", "profiles", name, "fallbackProfile") for name in cycle[:-1]]
        written = [link for link in links if where(layers, link) != DEFAULT_SOURCE]
        path = (written or links)[0]
        problems.append(
            SettingsProblem(
                dotted(path), where(layers, path),
                "fallbackProfile chains that end", "a cycle " + " -> ".join(cycle),
            )
        )
    return problems


def build_settings(
    doc: dict[str, Any], layers: Sequence[Layer]
) -> Settings | list[SettingsProblem]:
    """The typed settings of the merged document ``doc``, or the problems that prevent it.

    ``doc`` must be the merge of ``layers``, each already valid against the schema. The
    returned settings carry ``sources`` for every path of :meth:`Settings.as_dict`.
    """
    profiles = merge_profiles(doc["routing"]["profiles"])
    problems = _reference_problems(doc, profiles, layers)
    if problems:
        return problems
    tasks = dict(BUILTIN_TASKS)
    tasks.update(doc["routing"]["tasks"])
    plain = {key: value for key, value in doc.items() if key not in ("routing", "limits")}
    try:
        settings = msgspec.convert(plain, Settings, strict=False)
        cooldown = msgspec.convert(
            doc["routing"].get("cooldown", {}), CooldownSettings, strict=False
        )
        memory = msgspec.convert(
            doc["routing"].get("memory", {}), RoutingMemorySettings, strict=False
        )
        overrides = msgspec.convert(
            doc["limits"]["overrides"], dict[str, LimitsOverride], strict=False
        )
    except msgspec.ValidationError as exc:
        # The schema admits what these types admit; this is a guard, reported not raised.
        return [SettingsProblem("", "settings", "values the settings types accept", str(exc))]
    model = settings.model
    settings = msgspec.structs.replace(
        settings,
        model=msgspec.structs.replace(
            model,
            routing=msgspec.structs.replace(
                model.routing, overrides=FrozenDict(model.routing.overrides)
            ),
        ),
        routing=msgspec.structs.replace(
            settings.routing,
            profiles=FrozenDict(profiles),
            tasks=FrozenDict(tasks),
            cooldown=cooldown,
            memory=memory,
        ),
        limits=msgspec.structs.replace(settings.limits, overrides=FrozenDict(overrides)),
        models=FrozenDict(settings.models),
    )
    sources = FrozenDict(
        (dotted(path), source_of(layers, path)) for path in leaf_paths(settings.as_dict())
    )
    return msgspec.structs.replace(settings, sources=sources)
