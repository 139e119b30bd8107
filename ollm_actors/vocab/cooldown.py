"""THE cooldown rule (as LiteLLM's router applies it to deployments): a host that failed
``failures`` times within ``window`` seconds is skipped for ``duration`` seconds, then tried
again.

Pure data and functions over an injected time (the runtime's monotonic ``now``): nothing
here reads a clock or waits, so a test moves time by passing another number.
"""

from __future__ import annotations

import msgspec

__all__ = ("CooldownRule", "CooldownState", "after_failure", "in_cooldown", "left_cooldown")


class CooldownRule(msgspec.Struct, frozen=True, kw_only=True):
    """``routing.cooldown``: ``failures`` within ``window`` seconds start a cooldown of
    ``duration`` seconds. ``failures == 0`` disables cooldowns."""

    failures: int = 3
    window: float = 60.0
    duration: float = 30.0


class CooldownState(msgspec.Struct, frozen=True, kw_only=True):
    """One host's recent failures (their times, oldest first, within the window) and the
    end of its cooldown (``until``; None when it is not cooling down)."""

    failed_at: tuple[float, ...] = ()
    until: float | None = None
    reason: str | None = None


def in_cooldown(state: CooldownState, now: float) -> bool:
    """True while ``now`` is before the end of the host's cooldown."""
    return state.until is not None and now < state.until


def after_failure(
    rule: CooldownRule, state: CooldownState, now: float, reason: str
) -> CooldownState:
    """The state after a failure at ``now`` (for ``reason``).

    Failures older than ``rule.window`` are forgotten. When this one makes ``rule.failures``
    within the window, a cooldown until ``now + rule.duration`` starts and the count starts
    over (the host gets a fresh count after its cooldown). A failure during a cooldown does
    not extend it. With ``rule.failures == 0`` the state never changes.
    """
    if rule.failures <= 0 or in_cooldown(state, now):
        return state
    recent = (*(t for t in state.failed_at if now - t < rule.window), now)
    if len(recent) >= rule.failures:
        return CooldownState(until=now + rule.duration, reason=reason)
    return CooldownState(failed_at=recent, until=state.until, reason=state.reason)


def left_cooldown(state: CooldownState, now: float) -> CooldownState | None:
    """The state once a cooldown that ended by ``now`` is cleared; None while it still runs
    or when there was none (nothing to clear)."""
    if state.until is None or now < state.until:
        return None
    return CooldownState(failed_at=state.failed_at)
