"""open_runtime: the four actors start, answer, and leave nothing behind however it ends."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors import open_runtime
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.testing import hermetic_settings, running_tasks

pytestmark = pytest.mark.anyio


async def test_runtime_starts_every_actor_and_answers(tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu:
            settings = hermetic_settings([emu.url], tmp_path / "cache")
            async with open_runtime(settings) as rt:
                stats = {s.name: s.state for s in rt.statistics()}
                assert stats == {
                    "inventory": "running",
                    "limits": "running",
                    "downloads": "running",
                    "router": "running",
                }
                names = {m.name for m in await rt.models.list_models()}
                assert "llama3.1:8b" in names
                decision = await rt.router.select_model("general")
                assert decision.model in names
                budget = await rt.limits.budget(decision.model, prompt_tokens=1000)
                assert budget.fits
                assert rt.hosts == (emu.url,)


@pytest.mark.parametrize("point", ["opened", "listing", "pulling"])
async def test_cancelling_around_the_runtime_leaves_no_task(tmp_path: Path, point: str) -> None:
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu:
            emu.state.pull_line_delay = 0.01
            settings = hermetic_settings([emu.url], tmp_path / "cache")
            await anyio.wait_all_tasks_blocked()
            before = running_tasks()
            reached = anyio.Event()
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:

                    async def use_runtime() -> None:
                        async with open_runtime(settings) as rt:
                            if point == "opened":
                                reached.set()
                                await anyio.sleep_forever()
                            if point == "listing":
                                reached.set()
                                while True:
                                    await rt.models.list_models(refresh=True)
                            handle = await rt.models.start_pull("qwen2.5-coder:7b")
                            async for event in handle.progress():
                                if event.event == "progress" and event.completed:
                                    reached.set()

                    tg.start_soon(use_runtime)
                    await reached.wait()
                    scope.cancel()
            assert scope.cancelled_caught
            # The emulator's connection handlers end when they see the client's close.
            await emu.wait_idle()
            await anyio.wait_all_tasks_blocked()
            assert running_tasks() - before == set()


async def test_open_runtime_without_arguments_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_file = tmp_path / "settings.yaml"
    user_file.write_text("options:\n  maxTokens: 1234\n")
    with anyio.fail_after(20):
        async with run_emulator(EmulatorState.default()) as emu:
            monkeypatch.setenv("OLLM_CONFIG", str(user_file))
            monkeypatch.setenv("OLLM_HOST", emu.url)
            monkeypatch.setenv("OLLM_CACHE_DIR", str(tmp_path / "cache"))
            monkeypatch.chdir(tmp_path)
            async with open_runtime() as rt:
                assert rt.settings.options.max_tokens == 1234
                assert rt.settings.sources["providers.ollama.host"] == "env:OLLM_HOST"
                assert await rt.models.list_models()


@pytest.mark.anyio
async def test_a_subset_runtime_names_the_actors_it_lacks(tmp_path: Path) -> None:
    from ollm_actors.errors import ActorUnavailable
    from ollm_actors.runtime import open_runtime
    from ollm_actors.testing import hermetic_settings

    settings = hermetic_settings(["http://127.0.0.1:9"], tmp_path / "cfg")
    with anyio.fail_after(10):
        async with open_runtime(settings, actors=("limits",)) as rt:
            assert rt.actors == ("inventory", "limits")
            assert rt.limits is not None and rt.models.inventory is not None
            with pytest.raises(ActorUnavailable, match="not started in this runtime"):
                _ = rt.router
            with pytest.raises(ActorUnavailable) as caught:
                await rt.models.pull_model("phi3:mini")
    assert caught.value.actor == "downloads"
    with pytest.raises(ValueError, match="unknown actors"):
        async with open_runtime(settings, actors=("nope",)):
            pass
