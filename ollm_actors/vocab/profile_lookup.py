"""Task type → routing profile (the seed's ``getProfile``), as a pure function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from ollm_actors.errors import UnknownProfile
from ollm_actors.vocab.profiles import RoutingProfile
from ollm_actors.vocab.suggest import close_matches

__all__ = ("get_profile", "unknown_task_note")

_V = TypeVar("_V")


def _close(name: str, known: Mapping[str, object]) -> tuple[str, ...]:
    return close_matches(name, known, limit=1)


def _lookup(table: Mapping[str, _V], key: str) -> _V | None:
    found = table.get(key)
    if found is not None:
        return found
    folded = key.casefold()
    return next((v for k, v in table.items() if k.casefold() == folded), None)


def get_profile(
    task_type: str,
    *,
    profiles: Mapping[str, RoutingProfile],
    tasks: Mapping[str, str],
    default_profile: str,
) -> RoutingProfile:
    """The routing profile for a task type.

    ``task_type`` (case-insensitive, surrounding spaces ignored) is first taken as a profile
    name: a profile of that name wins, so a configured profile can shadow a built-in task
    type of the same name. Otherwise it is looked up in ``tasks`` (task type → profile name);
    anything unknown gets ``default_profile``. Returns the :class:`RoutingProfile`.

    Raises :class:`~ollm_actors.errors.UnknownProfile` when the profile that applies
    (a task's mapping or ``default_profile``) is not in ``profiles``.
    """
    wanted = task_type.strip()
    direct = _lookup(profiles, wanted)
    if direct is not None:
        return direct
    mapped = _lookup(tasks, wanted)
    if mapped is not None:
        found = profiles.get(mapped)
        if found is None:
            raise UnknownProfile(
                mapped,
                profiles,
                setting=f"task type '{wanted}'",
                suggestions=_close(mapped, profiles),
            )
        return found
    default = profiles.get(default_profile)
    if default is None:
        raise UnknownProfile(
            default_profile,
            profiles,
            setting="model.routing.defaultProfile",
            suggestions=_close(default_profile, profiles),
        )
    return default


def unknown_task_note(
    task_type: str,
    *,
    profiles: Mapping[str, RoutingProfile],
    tasks: Mapping[str, str],
    default_profile: str,
) -> str | None:
    """The sentence a decision for ``task_type`` starts with when :func:`get_profile` knew
    neither a profile nor a task of that name and used ``default_profile``; None when it
    knew it."""
    wanted = task_type.strip()
    if _lookup(profiles, wanted) is not None or _lookup(tasks, wanted) is not None:
        return None
    known = sorted({*tasks, *profiles}, key=str.casefold)
    hint = close_matches(wanted, known, limit=1)
    maybe = f" (did you mean '{hint[0]}'?)" if hint else ""
    return (
        f"task type '{wanted}' is unknown{maybe}; used the default profile "
        f"'{default_profile}' (model.routing.defaultProfile)"
    )
