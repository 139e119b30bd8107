"""Open the shared state the settings name: :func:`open_state`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from ollm_actors.config.model import Settings
from ollm_actors.errors import SettingsError, SettingsProblem
from ollm_actors.state.interface import HealthCallback, SharedState
from ollm_actors.state.local import LocalState
from ollm_actors.vocab.clock import Clock

__all__ = ("open_state",)

_EXTRA = "pip install 'ollm-actors[valkey]'"


def open_state(
    settings: Settings, clock: Clock, on_health: HealthCallback | None = None
) -> AbstractAsyncContextManager[SharedState]:
    """The state of ``settings.state.backend``: :class:`LocalState`, or a
    :class:`~ollm_actors.state.valkey.ValkeyState` at ``state.url`` (coredis is imported
    only then). Raises :class:`SettingsError` for valkey without a URL or without coredis."""
    return _opened(settings, clock, on_health)


@asynccontextmanager
async def _opened(
    settings: Settings, clock: Clock, on_health: HealthCallback | None
) -> AsyncIterator[SharedState]:
    state = settings.state
    if state.backend != "valkey":
        yield LocalState(clock)
        return
    if not state.url:
        source = settings.sources.get("state.backend", "default")
        raise SettingsError(
            [SettingsProblem("state.url", source, "a redis:// URL with backend valkey", "null")]
        )
    try:
        from ollm_actors.state.valkey import ValkeyState
    except ImportError:
        source = settings.sources.get("state.backend", "default")
        raise SettingsError(
            [SettingsProblem("state.backend", source, "coredis installed", "valkey", _EXTRA)]
        ) from None
    async with ValkeyState(
        state.url,
        clock=clock,
        namespace=state.namespace,
        staleness=state.staleness,
        stream_length=state.stream_length,
        max_value_bytes=state.max_value_bytes,
        connect_timeout=state.timeouts.connect,
        call_timeout=state.timeouts.call,
        on_health=on_health,
    ) as shared:
        yield shared
