"""``POST /api/push`` over real HTTP, and registry revisions seen by later pulls."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ollm_actors.emulator import RunningEmulator, model_layers

pytestmark = pytest.mark.anyio


async def lines_of(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> list[Any]:
    answer = await client.post(path, json=body)
    assert answer.status_code == 200, answer.text
    return [json.loads(line) for line in answer.text.splitlines()]


async def test_push_uploads_each_layer_then_the_manifest(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    state = emulator.state
    state.push_steps_per_layer = 3
    lines = await lines_of(client, "/api/push", {"model": "phi3:mini"})
    assert lines[0] == {"status": "retrieving manifest"}
    assert lines[-2:] == [{"status": "pushing manifest"}, {"status": "success"}]
    entry = state.installed["phi3:mini"]
    layers = model_layers(entry.model)
    by_digest: dict[str, list[Any]] = {}
    for line in lines[1:-2]:
        by_digest.setdefault(line["digest"], []).append(line)
    assert list(by_digest) == [la.digest for la in layers]
    weights = by_digest[layers[0].digest]
    assert weights[0] == {
        "status": f"pushing {layers[0].short}", "digest": layers[0].digest,
        "total": layers[0].size,
    }
    assert [w["completed"] for w in weights[1:]] == [
        layers[0].size // 3, layers[0].size * 2 // 3, layers[0].size
    ]
    assert state.pushed == {"phi3:mini": entry.digest}
    assert {la.digest for la in layers} <= state.registry_blobs
    # The registry has every blob now: one line each, already complete.
    again = await lines_of(client, "/api/push", {"name": "phi3:mini"})
    assert [line.get("completed") == line.get("total") for line in again[1:-2]] == [True] * len(
        layers
    )


async def test_push_of_a_model_the_server_lacks(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    lines = await lines_of(client, "/api/push", {"model": "nope"})
    missing = (
        "open /root/.ollama/models/manifests/registry.ollama.ai/library/nope/latest:"
        " no such file or directory"
    )
    assert lines == [
        {"status": "retrieving manifest"},
        {"status": "couldn't retrieve manifest"},
        {"error": missing},
    ]
    quiet = await client.post("/api/push", json={"model": "nope", "stream": False})
    assert (quiet.status_code, quiet.json()) == (500, {"error": missing})
    assert emulator.state.pushed == {}


async def test_push_bad_names(client: httpx.AsyncClient, emulator: RunningEmulator) -> None:
    none = await client.post("/api/push", json={})
    assert (none.status_code, none.json()) == (400, {"error": "model is required"})
    bad = await lines_of(client, "/api/push", {"model": "bad name"})
    assert bad == [{"status": "retrieving manifest"}, {"error": "unqualified name: bad name"}]


async def test_a_published_revision_changes_what_a_pull_installs(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    state = emulator.state
    state.pull_steps_per_layer = 4
    before = state.installed["phi3:mini"].digest
    unchanged = await lines_of(client, "/api/pull", {"model": "phi3:mini"})
    layer_lines = [line for line in unchanged if "digest" in line]
    # Nothing to download: one complete line per layer.
    assert all(line["completed"] == line["total"] for line in layer_lines)
    assert len(layer_lines) == len(model_layers(state.installed["phi3:mini"].model))
    assert state.installed["phi3:mini"].digest == before
    old_layers = model_layers(state.installed["phi3:mini"].model)
    old_weights = old_layers[0].digest

    state.publish_new_revision("phi3")  # an alias of phi3:mini
    updated = await lines_of(client, "/api/pull", {"model": "phi3:mini"})
    statuses = [line["status"] for line in updated]
    assert statuses[-3:] == ["writing manifest", "removing unused layers", "success"]
    new = state.installed["phi3:mini"]
    assert new.digest != before
    new_weights = model_layers(new.model)[0]
    # Downloaded in full: a first line and 4 growing ones.
    assert len([line for line in updated if line.get("digest") == new_weights.digest]) == 5
    assert old_weights not in state.blobs and new_weights.digest in state.blobs
    # Template, license and params did not change: the same blobs.
    assert model_layers(new.model)[1:-1] == old_layers[1:-1]
