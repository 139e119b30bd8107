"""The router's rule for cooldowns other runtimes share: a host another runtime put in
cooldown is skipped here like one of this runtime's own (its models are no candidates, the
decision's reasons name it), for as long as the shared state says.

Pure and synchronous: the router actor reads the cooldowns
(:meth:`~ollm_actors.state.interface.SharedState.cooldowns`, cached at most
``state.staleness``) and these functions decide. This runtime's own entries are ignored: its
inventory's cooldown is already in the host statuses (with the local reason), and with
:class:`~ollm_actors.state.local.LocalState` there are no others, so nothing changes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ollm_actors.inventory.hoststate import rfc3339
from ollm_actors.routing.candidate import Candidate
from ollm_actors.state.interface import SharedCooldown

__all__ = ("foreign_cooldowns", "shared_cooldown_reason", "shared_skips", "without_hosts")


def foreign_cooldowns(
    cooling: Mapping[str, SharedCooldown], origin: str
) -> dict[str, SharedCooldown]:
    """The cooldowns of ``cooling`` set by another runtime than ``origin`` (this one)."""
    return {host: c for host, c in cooling.items() if c.origin != origin}


def shared_cooldown_reason(cooldown: SharedCooldown) -> str:
    """Why a host is skipped, e.g. ``in shared cooldown until 2026-12-03T08:00:00Z set by
    rt-abc123 (last: HTTP 500 ...)``."""
    last = f" (last: {cooldown.reason})" if cooldown.reason else ""
    return f"in shared cooldown until {rfc3339(cooldown.until)} set by {cooldown.origin}{last}"


def shared_skips(
    foreign: Mapping[str, SharedCooldown],
    hosts: Collection[str],
    skipped: Mapping[str, str],
) -> dict[str, str]:
    """The hosts the router skips for a shared cooldown, each with why: those of ``foreign``
    among this runtime's ``hosts`` (another machine's hosts are no news here) and not
    already ``skipped`` for a cooldown of this runtime's own (whose reason stands)."""
    return {
        host: shared_cooldown_reason(cooldown)
        for host, cooldown in sorted(foreign.items())
        if host in hosts and host not in skipped
    }


def without_hosts(
    candidates: tuple[Candidate, ...], hosts: Collection[str]
) -> tuple[Candidate, ...]:
    """``candidates`` less those on ``hosts``; the very same tuple when none is left out
    (the selection's memo keeps its work per tuple)."""
    if not hosts or not any(c.host in hosts for c in candidates):
        return candidates
    return tuple(c for c in candidates if c.host not in hosts)
