"""``/api/generate`` and ``/api/chat`` as model management uses them: load and unload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ollm_actors.emulator import EmulatorState, RunningEmulator, run_emulator
from ollm_actors.emulator.durations import DurationError, parse_go_duration
from ollm_actors.emulator.generate import NO_GENERATION

pytestmark = pytest.mark.anyio

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
async def frozen() -> AsyncIterator[RunningEmulator]:
    state = EmulatorState(clock=lambda: NOW)
    for name in ("llama3.1:8b", "phi3:mini", "nomic-embed-text:latest"):
        state.install(name)
    async with run_emulator(state) as running:
        yield running


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await client.post(path, json=body)


async def test_empty_prompt_loads_and_keep_alive_zero_unloads(frozen: RunningEmulator) -> None:
    async with httpx.AsyncClient(base_url=frozen.url) as client:
        loaded = await post(client, "/api/generate", {"model": "phi3:mini", "keep_alive": "30m"})
        assert loaded.status_code == 200
        assert loaded.headers["content-type"].startswith("application/json")
        assert loaded.json() == {
            "model": "phi3:mini", "created_at": "2025-01-02T03:04:05Z", "response": "",
            "done": True, "done_reason": "load",
        }
        running = frozen.state.running()
        assert [(m.name, m.context_length) for m in running] == [("phi3:mini", 4096)]
        assert running[0].expires_at == NOW + timedelta(minutes=30)
        unloaded = await post(client, "/api/generate", {"model": "phi3:mini", "keep_alive": 0})
        assert unloaded.json()["done_reason"] == "unload"
        assert frozen.state.running() == []
        # Unloading what is not loaded is no error.
        again = await post(client, "/api/generate", {"model": "phi3:mini", "keep_alive": "0s"})
        assert again.json()["done_reason"] == "unload"


@pytest.mark.parametrize(
    ("keep_alive", "expires"),
    [
        (None, NOW + timedelta(minutes=5)),
        (90, NOW + timedelta(seconds=90)),
        ("1h2m3s", NOW + timedelta(hours=1, minutes=2, seconds=3)),
        (-1, datetime(2318, 1, 1, tzinfo=UTC)),
        ("-1m", datetime(2318, 1, 1, tzinfo=UTC)),
    ],
)
async def test_keep_alive_forms(
    frozen: RunningEmulator, keep_alive: object, expires: datetime
) -> None:
    body: dict[str, Any] = {"model": "llama3.1:8b", "prompt": ""}
    if keep_alive is not None:
        body["keep_alive"] = keep_alive
    async with httpx.AsyncClient(base_url=frozen.url) as client:
        assert (await post(client, "/api/generate", body)).status_code == 200
    assert frozen.state.running()[0].expires_at == expires


async def test_the_request_num_ctx_wins(frozen: RunningEmulator) -> None:
    async with httpx.AsyncClient(base_url=frozen.url) as client:
        body = {"model": "phi3:mini", "options": {"num_ctx": 8192}}
        assert (await post(client, "/api/generate", body)).status_code == 200
    assert frozen.state.running()[0].context_length == 8192


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"model": "nope"}, 404, "model 'nope' not found"),
        ({"model": "nope", "keep_alive": 0}, 404, "model 'nope' not found"),
        ({"model": ""}, 404, "model '' not found"),
        ({"model": "bad name"}, 400, "invalid model name"),
        ({"model": "phi3:mini", "keep_alive": "-1"}, 400,
         'time: missing unit in duration "-1"'),
        ({"model": "nomic-embed-text"}, 400, '"nomic-embed-text" does not support generate'),
        ({"model": "phi3:mini", "prompt": "hi"}, 501, NO_GENERATION),
    ],
)
async def test_generate_refusals(
    frozen: RunningEmulator, body: dict[str, Any], status: int, error: str
) -> None:
    async with httpx.AsyncClient(base_url=frozen.url) as client:
        answer = await post(client, "/api/generate", body)
    assert (answer.status_code, answer.json()) == (status, {"error": error})
    assert frozen.state.running() == []


async def test_chat_loads_and_unloads(frozen: RunningEmulator) -> None:
    async with httpx.AsyncClient(base_url=frozen.url) as client:
        loaded = await post(client, "/api/chat", {"model": "llama3.1:8b", "messages": []})
        assert loaded.json()["message"] == {"role": "assistant", "content": ""}
        assert loaded.json()["done_reason"] == "load"
        assert [m.name for m in frozen.state.running()] == ["llama3.1:8b"]
        gone = await post(client, "/api/chat", {"model": "llama3.1:8b", "keep_alive": 0})
        assert gone.json()["done_reason"] == "unload"
        assert frozen.state.running() == []
        nameless = await post(client, "/api/chat", {"messages": []})
        assert (nameless.status_code, nameless.json()) == (400, {"error": "model is required"})
        talk = await post(
            client, "/api/chat", {"model": "llama3.1:8b", "messages": [{"role": "user"}]}
        )
        assert talk.status_code == 501


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("-0", 0.0), ("30m", 1800.0), ("1h2m3s", 3723.0), ("1.5h", 5400.0),
     (".5s", 0.5), ("1.s", 1.0), ("300ms", 0.3), ("2us", 2e-6), ("-1m", -60.0), ("+2s", 2.0)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("-", 'time: invalid duration "-"'),
        ("1", 'time: missing unit in duration "1"'),
        ("5x", 'time: unknown unit "x" in duration "5x"'),
        ("m", 'time: invalid duration "m"'),
        (".s", 'time: invalid duration ".s"'),
    ],
)
def test_go_duration_errors(text: str, message: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_go_duration(text)
    assert str(caught.value) == message
