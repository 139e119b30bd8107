"""The ``state`` settings end to end, and :func:`open_state` choosing the backend."""

from __future__ import annotations

import builtins
from typing import Any

import anyio
import pytest

from ollm_actors.config import load_settings
from ollm_actors.errors import SettingsError
from ollm_actors.state.local import LocalState
from ollm_actors.state.open import open_state
from ollm_actors.vocab.clock import Clock
from tests.state.conftest import ValkeyServer


def test_defaults_and_the_env_var_that_picks_valkey() -> None:
    state = load_settings(env={}).state
    assert (state.backend, state.url, state.namespace, state.lease_ttl) == (
        "local", None, "ollm", 15.0
    )
    assert (state.timeouts.connect, state.timeouts.call) == (1.0, 0.5)
    settings = load_settings(env={"OLLM_STATE_URL": "redis://:pw@h:6379/0"})
    assert (settings.state.backend, settings.state.url) == ("valkey", "redis://:pw@h:6379/0")
    assert settings.sources["state.backend"] == "env:OLLM_STATE_URL"
    assert "pw" not in repr(settings.state)


@pytest.mark.parametrize(
    ("path", "value"),
    [("state.backend", "memcached"), ("state.url", "http://h:6379"), ("state.staleness", -1)],
)
def test_bad_state_settings_name_their_path(path: str, value: Any) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env={}, overrides={path: value})
    assert [p.path for p in caught.value.problems] == [path]


@pytest.mark.anyio
async def test_open_state_picks_the_backend(valkey: ValkeyServer) -> None:
    clock = Clock(anyio.current_time)
    async with open_state(load_settings(env={}), clock) as local:
        assert isinstance(local, LocalState)
    settings = load_settings(env={"OLLM_STATE_URL": valkey.url})
    async with open_state(settings, clock) as shared:
        assert shared.shared and shared.health == "ok"
        await shared.put_facts("sha256:x", b"{}")


@pytest.mark.anyio
async def test_valkey_without_coredis_names_the_setting_and_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_coredis(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("coredis") or name == "ollm_actors.state.valkey":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_coredis)
    settings = load_settings(env={"OLLM_STATE_URL": "redis://127.0.0.1:1/0"})
    with pytest.raises(SettingsError) as caught:
        async with open_state(settings, Clock(anyio.current_time)):
            pass
    (problem,) = caught.value.problems
    assert problem.path == "state.backend" and "ollm-actors[valkey]" in str(caught.value)
