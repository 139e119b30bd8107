"""``rt.models`` lifecycle calls against the emulator on loopback (asyncio and trio): copy,
create, load, stop, push, update; unknown models, bad parameters, cancellation."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ollm_actors.emulator import Fault
from ollm_actors.errors import BadModelParameter, ModelNotFound, OperationFailed
from tests.lifecycle.support import lifecycle_runtime, one_emulator, requests_to

pytestmark = pytest.mark.anyio


async def test_copy_and_move(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini"]) as emu, lifecycle_runtime(emu, tmp_path) as (rt, rec):
        with anyio.fail_after(30):
            await rt.models.copy_model("phi3:mini", "phi3-backup")
            assert emu.state.find_installed("phi3-backup:latest") is not None
            await rt.models.copy_model("phi3-backup", "phi3-renamed", move=True)
            assert emu.state.find_installed("phi3-backup:latest") is None
            names = {m.name for m in await rt.models.list_models()}
            assert names == {"phi3:mini", "phi3-renamed:latest"}
            with pytest.raises(ModelNotFound) as missing:
                await rt.models.copy_model("phi3:mimi", "x")
    assert missing.value.suggestions[0] == "phi3:mini"
    assert missing.value.host == emu.url
    assert rec.topics("model.") == ["model.copied", "model.deleted", "model.moved"]


async def test_create_with_checked_parameters(tmp_path: Path) -> None:
    async with one_emulator(["llama3.2:3b"]) as emu, lifecycle_runtime(emu, tmp_path) as (rt, rec):
        with anyio.fail_after(30):
            created = await rt.models.create_model(
                "llama3.2-8k", "llama3.2:3b",
                parameters={"num_ctx": 8192, "temperature": 0.2, "stop": "<|eot_id|>"},
                system="Be brief.",
            )
            assert created.statuses[-1] == "success"
            assert created.digest == emu.state.find_installed("llama3.2-8k").digest  # type: ignore[union-attr]
            details = await rt.models.show_model("llama3.2-8k")
            assert details.default_num_ctx == 8192
            assert details.parameter_values["temperature"] == 0.2
            assert details.system == "Be brief."
            assert "PARAMETER num_ctx 8192" in details.modelfile
            limits = await rt.limits.lookup("llama3.2-8k")
            assert (limits.default_context, limits.default_context_source) == (8192, "modelfile")

            before = requests_to(emu, "POST /api/create")
            with pytest.raises(BadModelParameter) as typo:
                await rt.models.create_model("x", "llama3.2:3b", parameters={"num_ctxx": 1})
            with pytest.raises(BadModelParameter) as wrong_type:
                await rt.models.create_model("x", "llama3.2:3b", parameters={"top_k": "many"})
            assert requests_to(emu, "POST /api/create") == before  # nothing was sent
            with pytest.raises(ModelNotFound) as missing:
                await rt.models.create_model("x", "llama3.2:3bb")
    assert typo.value.parameter == "num_ctxx" and "num_ctx" in typo.value.suggestions
    assert wrong_type.value.parameter == "top_k"
    assert missing.value.suggestions[0] == "llama3.2:3b"
    assert "create.done" in rec.topics("create.") and "model.created" in rec.topics()


async def test_load_stop_and_stop_all(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini", "gemma2:2b"]) as emu, \
            lifecycle_runtime(emu, tmp_path) as (rt, rec):
        with anyio.fail_after(30):
            await rt.models.load_model("phi3:mini", keep_alive="30m")
            await rt.models.load_model("gemma2:2b")
            assert {m.name for m in await rt.models.list_loaded()} == {"phi3:mini", "gemma2:2b"}
            assert await rt.models.stop_model("phi3:mini") == ["phi3:mini"]
            assert [m.name for m in await rt.models.list_loaded()] == ["gemma2:2b"]
            await rt.models.load_model("phi3:mini")
            assert sorted(await rt.models.stop_model()) == ["gemma2:2b", "phi3:mini"]
            assert await rt.models.list_loaded() == []
            with pytest.raises(ModelNotFound) as missing:
                await rt.models.load_model("gemma2:7b")
            with pytest.raises(ModelNotFound):
                await rt.models.stop_model("gemma2:7b")
    assert missing.value.suggestions[0] == "gemma2:2b"
    assert rec.topics("model.").count("model.unloaded") == 3


async def test_push_progress_unknown_refused_and_cancelled(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini"]) as emu, lifecycle_runtime(emu, tmp_path) as (rt, rec):
        with anyio.fail_after(30):
            seen: list[str] = []
            pushed = await rt.models.push_model(
                "phi3:mini", on_progress=lambda e: seen.append(e.event)
            )
            assert pushed.completed == pushed.total > 0
            assert emu.state.pushed == {"phi3:mini": emu.state.find_installed("phi3:mini").digest}  # type: ignore[union-attr]
            assert seen[0] == "queued" and "progress" in seen
            assert rec.topics("push.")[-1] == "push.done"

            with pytest.raises(ModelNotFound) as missing:
                await rt.models.push_model("phi3:mino")
            assert missing.value.suggestions == ("phi3:mini",)

            emu.state.inject(Fault(kind="error_line", path="/api/push", after_lines=2,
                                   message="unauthorized"))
            with pytest.raises(OperationFailed) as refused:
                await rt.models.push_model("phi3:mini")
            assert (refused.value.operation, refused.value.reason) == ("push", "unauthorized")

            # Cancel mid-push: once a byte went out, the caller's scope is cancelled.
            emu.state.pushed.clear()
            emu.state.registry_blobs.clear()
            emu.state.push_line_delay = 0.05
            with anyio.CancelScope() as scope:
                def on_progress(event: object) -> None:
                    if getattr(event, "completed", 0):
                        scope.cancel()
                await rt.models.push_model("phi3:mini", on_progress=on_progress)
            assert scope.cancelled_caught
            assert emu.state.pushed == {}
    assert rec.topics("push.")[-1] == "push.cancelled"


async def test_update_reports_updated_unchanged_local_failed(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini", "gemma2:2b", "llama3.2:3b"]) as emu, \
            lifecycle_runtime(emu, tmp_path) as (rt, rec):
        old = emu.state.find_installed("phi3:mini").digest  # type: ignore[union-attr]
        emu.state.publish_new_revision("phi3:mini")
        # A model made here is in no registry: it is `local`, not a failed update.
        emu.state.copy("llama3.2:3b", "mine:latest")
        with anyio.fail_after(60):
            planned = await rt.models.update_models(dry_run=True)
            assert [(r.model, r.status) for r in planned] == [
                ("gemma2:2b", "planned"), ("llama3.2:3b", "planned"), ("mine:latest", "planned"),
                ("phi3:mini", "planned"),
            ]
            assert requests_to(emu, "POST /api/pull") == 0
            results = await rt.models.update_models()
        by_name = {r.model: r for r in results}
        assert by_name["phi3:mini"].status == "updated"
        assert by_name["phi3:mini"].old_digest == old
        assert by_name["phi3:mini"].new_digest == emu.state.find_installed("phi3:mini").digest  # type: ignore[union-attr]
        assert by_name["gemma2:2b"].status == "unchanged"
        assert by_name["llama3.2:3b"].status == "unchanged"
        assert by_name["mine:latest"].status == "local"
        assert by_name["mine:latest"].new_digest == by_name["mine:latest"].old_digest
        assert "in no registry" in (by_name["mine:latest"].reason or "")
        assert rec.topics("model.updated") == ["model.updated"]
        # A pull that fails for another reason is a failed update, with the server's words.
        emu.state.inject(Fault(kind="error_line", message="no space left on device"))
        with anyio.fail_after(60):
            (broken,) = await rt.models.update_models(["gemma2:2b"])
        assert (broken.status, broken.error_type) == ("failed", "PullFailed")
        assert "no space left on device" in (broken.reason or "")
        with pytest.raises(ModelNotFound) as missing:
            await rt.models.update_models(["phi3:mino"])
        assert missing.value.suggestions[0] == "phi3:mini"


async def test_cancel_mid_update_withdraws_the_pulls(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini"]) as emu, lifecycle_runtime(emu, tmp_path) as (rt, rec):
        old = emu.state.find_installed("phi3:mini").digest  # type: ignore[union-attr]
        emu.state.publish_new_revision("phi3:mini")
        emu.state.pull_line_delay = 0.05
        with anyio.fail_after(30):
            async with rt.events.subscribe("pull.cancelled") as cancelled:
                with anyio.CancelScope() as scope:
                    def on_progress(event: object) -> None:
                        if getattr(event, "completed", 0):
                            scope.cancel()
                    await rt.models.update_models(on_progress=on_progress)
                assert scope.cancelled_caught
                async for event in cancelled:
                    assert event.payload.model == "phi3:mini"
                    break
    assert emu.state.find_installed("phi3:mini").digest == old  # type: ignore[union-attr]
    assert "model.updated" not in rec.topics()
