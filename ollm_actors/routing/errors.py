"""Errors of the router's pure core that ``ollm_actors.errors`` does not already name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ollm_actors.errors import OllmError

__all__ = ("UnknownCapability", "UnknownProfile")


def _hint(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class UnknownProfile(OllmError):
    """A routing profile name that no built-in or configured profile has.

    ``setting`` names where the name came from (e.g. ``model.routing.defaultProfile``) when
    it came from the settings rather than from the caller.
    """

    exit_code = 2
    fact_names = ("profile", "known", "setting")

    def __init__(self, profile: str, known: Iterable[str], *, setting: str | None = None) -> None:
        self.profile = profile
        self.known = tuple(sorted(known))
        self.setting = setting
        where = f" (from {setting})" if setting else ""
        super().__init__(
            f"unknown routing profile '{profile}'{where}{_hint(profile, self.known)}; "
            f"known profiles: {', '.join(self.known) or 'none'}"
        )


class UnknownCapability(OllmError):
    """A required capability name outside the capability vocabulary."""

    exit_code = 2
    fact_names = ("capability", "known")

    def __init__(self, capability: str, known: Iterable[str]) -> None:
        self.capability = capability
        self.known = tuple(known)
        super().__init__(
            f"unknown capability '{capability}'{_hint(capability, self.known)}; "
            f"known capabilities: {', '.join(self.known)}"
        )
