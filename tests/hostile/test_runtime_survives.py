"""A runtime with one hostile host and one healthy one: garbage from the first fails only its
own requests, never the actors; the healthy host keeps working and nothing restarts."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.errors import OllmError, ProtocolError
from ollm_actors.runtime import open_runtime
from ollm_actors.testing import hermetic_settings
from tests.hostile.server import chunked_forever, fixed, hostile_server

pytestmark = pytest.mark.anyio

DEEP = b'{"models":[' + b"[" * 200_000


@pytest.mark.parametrize(
    "answer",
    [fixed(DEEP), chunked_forever(b" " * 65_536, prefix=b'{"models":[')],
    ids=["deeply-nested", "endless"],
)
async def test_a_hostile_host_cannot_take_the_runtime_down(
    tmp_path: Path, answer: object
) -> None:
    state = EmulatorState.empty()
    state.install("phi3:mini")
    overrides = {"providers.ollama.limits.maxBodyBytes.tags": 4 * 1024 * 1024}
    with anyio.fail_after(30):
        async with hostile_server(answer) as bad, run_emulator(state) as good:  # type: ignore[arg-type]
            settings = hermetic_settings([good.url, bad.url], tmp_path / "cfg", overrides)
            async with open_runtime(settings) as rt:
                for _ in range(6):  # more than any restart policy would allow
                    snapshot = await rt.models.inventory.snapshot(refresh=True)
                    assert [m.name for m in snapshot.models] == ["phi3:mini"]
                    with pytest.raises(ProtocolError):
                        await rt.models.list_models(bad.url, refresh=True)
                decision = await rt.router.select_model("fast")
                statistics = rt.statistics()
    assert decision.model == "phi3:mini" and decision.host == good.url
    assert all(s.restarts == 0 and s.state == "running" for s in statistics)


LINE_WITHOUT_END = chunked_forever(b"a" * 65_536, prefix=b'{"status":"')
DEEP_LINE = fixed(b'{"status":' + b"[" * 200_000 + b"\n")


@pytest.mark.parametrize("answer", [LINE_WITHOUT_END, DEEP_LINE], ids=["no-newline", "deep-line"])
async def test_a_hostile_pull_fails_alone_while_a_healthy_pull_finishes(
    tmp_path: Path, answer: object
) -> None:
    state = EmulatorState.empty()
    state.pull_line_delay = 0.001
    failures: list[BaseException] = []
    with anyio.fail_after(30):
        async with hostile_server(answer) as bad, run_emulator(state) as good:  # type: ignore[arg-type]
            settings = hermetic_settings([good.url, bad.url], tmp_path / "cfg")
            async with open_runtime(settings) as rt:

                async def hostile_pull() -> None:
                    try:
                        await rt.models.pull_model("llama3.2", bad.url)
                    except OllmError as exc:
                        failures.append(exc)

                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(hostile_pull)
                    result = await rt.models.pull_model("llama3.2", good.url)
                status = await rt.models.get_model_status("llama3.2", good.url)
                statistics = rt.statistics()
    [failure] = failures
    assert isinstance(failure, ProtocolError) and failure.host == bad.url, repr(failure)
    assert failure.endpoint == "/api/pull"
    assert "limit providers.ollama.limits." in failure.reason
    assert result.model == "llama3.2:latest" and status.status == "available"
    assert all(s.restarts == 0 and s.state == "running" for s in statistics)


async def test_a_secret_in_a_failing_host_url_reaches_no_error_event_or_listing(
    tmp_path: Path,
) -> None:
    state = EmulatorState.empty()
    state.install("phi3:mini")
    echoed = fixed(b'{"error":"unauthorized"}', status=401)
    events: list[str] = []
    with anyio.fail_after(30):
        async with hostile_server(echoed) as bad, run_emulator(state) as good:
            secret_url = f"http://bob:hunter2@127.0.0.1:{bad.port}/o?token=s3cret"
            settings = hermetic_settings([good.url, secret_url], tmp_path / "cfg")
            async with open_runtime(settings) as rt:
                rt.events.on("*", lambda event: events.append(repr(event)))
                snapshot = await rt.models.inventory.snapshot(refresh=True)
                with pytest.raises(OllmError) as info:
                    await rt.models.list_models(secret_url, refresh=True)
                decision = await rt.router.select_model("fast")
    assert [m.name for m in snapshot.models] == ["phi3:mini"]
    assert decision.host == good.url
    shown = [str(info.value), repr(info.value), repr(snapshot), *events]
    shown += [p.name for p in (tmp_path / "cfg").rglob("*")]
    for text in shown:
        assert "hunter2" not in text and "s3cret" not in text, text
    assert bad.requests and all(r.target.endswith("?token=s3cret") for r in bad.requests)
