"""Builders and strategies for the inventory rule tests: host states as the actor holds them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from hypothesis import strategies as st

from ollm_actors.errors import HostUnreachable, OllmError, ServerError
from ollm_actors.inventory.hoststate import HostState
from ollm_actors.inventory.types import ModelDetails
from ollm_actors.ollama.types import ListedModel, RunningModel

URLS = ("http://a:11434", "http://b:11434", "http://c:11434")
NAMES = ("llama3.1:8b", "phi3:mini", "qwen2.5:7b", "mistral:7b", "nomic-embed-text:latest")
TTL = 30.0
NOW = 1000.0


class Probe:
    """A stand-in for the probe's cancel scope."""

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def listed(name: str) -> ListedModel:
    return ListedModel(name=name, model=name, digest=hashlib.sha256(name.encode()).hexdigest())


def running(name: str) -> RunningModel:
    return RunningModel(name=name, model=name, size=1, expires_at="2030-01-01T00:00:00Z")


def host(
    url: str = URLS[0],
    names: Iterable[str] | None = (),
    *,
    online: bool | None = True,
    confirmed: bool = True,
    probe: bool = False,
    error: OllmError | None = None,
) -> HostState:
    state = HostState(url)
    if names is not None:
        state.set_listed([listed(n) for n in names])
    state.online = online
    state.confirmed = confirmed
    state.fetched_at = NOW if confirmed else None
    state.probe = Probe() if probe else None
    state.error = error
    state.announced = state.health()  # as if every change so far had been announced
    return state


def details(name: str, url: str) -> ModelDetails:
    return ModelDetails(
        name=name,
        host=url,
        digest=listed(name).digest,
        family="llama",
        families=None,
        parameter_size="8B",
        quantization="Q4_K_M",
        format="gguf",
        context_length=131072,
        capabilities=("completion",),
        architecture="llama",
        parameters="",
        template="",
        license="",
        modified_at=None,
    )


errors = st.sampled_from(
    [
        None,
        HostUnreachable(URLS[0], "connection failed"),
        ServerError(URLS[0], "/api/tags", 500, "boom"),
    ]
)


@st.composite
def host_states(draw: st.DrawFn, url: str) -> HostState:
    state = HostState(url)
    names = draw(st.none() | st.lists(st.sampled_from(NAMES), unique=True, max_size=4))
    if names is not None:
        state.set_listed([listed(n) for n in names])
    loaded = draw(st.none() | st.lists(st.sampled_from(NAMES), unique=True, max_size=2))
    state.loaded = None if loaded is None else [running(n) for n in loaded]
    state.ps_ok = draw(st.booleans())
    state.online = draw(st.sampled_from([None, True, False]))
    state.confirmed = draw(st.booleans())
    state.dirty = draw(st.booleans())
    state.fetched_at = draw(st.none() | st.floats(NOW - 2 * TTL, NOW))
    state.probe = draw(st.none() | st.builds(Probe))
    state.error = draw(errors)
    if draw(st.booleans()):
        state.trouble["tags"] = "HTTP 500"
    state.announced = state.health()  # as if every change so far had been announced
    return state


@st.composite
def target_lists(draw: st.DrawFn) -> list[HostState]:
    count = draw(st.integers(1, len(URLS)))
    return [draw(host_states(url)) for url in URLS[:count]]
