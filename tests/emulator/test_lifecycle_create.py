"""``POST /api/create`` over real HTTP, as Ollama's CreateHandler answers it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ollm_actors.emulator import RunningEmulator, model_layers
from ollm_actors.emulator.catalog import MEDIA_PARAMS, MEDIA_SYSTEM

pytestmark = pytest.mark.anyio


async def post_lines(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> list[Any]:
    answer = await client.post(path, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    return [json.loads(line) for line in answer.text.splitlines()]


async def test_create_from_an_installed_model_shares_its_weights(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    state = emulator.state
    lines = await post_lines(client, "/api/create", {
        "model": "llama-2k", "from": "llama3.1:8b",
        "parameters": {"num_ctx": 2048, "temperature": 0.2}, "system": "Be brief.",
    })
    statuses = [line["status"] for line in lines]
    assert statuses[-2:] == ["writing manifest", "success"]
    created = state.installed["llama-2k:latest"]
    base = state.installed["llama3.1:8b"]
    layers = model_layers(created.model)
    # One line per layer but the config, in manifest order; weights, template, license reused.
    assert statuses[:-2] == [
        f"{'creating new' if la.media_type in (MEDIA_SYSTEM, MEDIA_PARAMS) else 'using existing'}"
        f" layer {la.digest}"
        for la in layers[:-1]
    ]
    assert layers[0] == model_layers(base.model)[0]
    assert created.digest != base.digest
    assert {la.digest for la in layers} <= state.blobs
    shown = (await client.post("/api/show", json={"model": "llama-2k"})).json()
    assert "num_ctx                        2048" in shown["parameters"].splitlines()
    assert "temperature                    0.2" in shown["parameters"].splitlines()
    assert shown["parameters"].startswith('stop                           "<|start_header_id|>"')
    assert "PARAMETER num_ctx 2048\n" in shown["modelfile"]
    assert 'SYSTEM """Be brief."""\n' in shown["modelfile"]
    assert shown["system"] == "Be brief."
    assert shown["template"] == base.model.template
    # The same create again writes nothing new.
    again = await post_lines(client, "/api/create", {
        "model": "llama-2k", "from": "llama3.1:8b",
        "parameters": {"num_ctx": 2048, "temperature": 0.2}, "system": "Be brief.",
    })
    assert all(line["status"].startswith("using existing") for line in again[:-2])
    assert state.installed["llama-2k:latest"].digest == created.digest


async def test_a_created_model_loads_with_its_num_ctx(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    await post_lines(client, "/api/create", {
        "model": "phi3-2k", "from": "phi3:mini", "parameters": {"num_ctx": 2048},
    })
    loaded = await client.post("/api/generate", json={"model": "phi3-2k", "prompt": ""})
    assert loaded.json()["done_reason"] == "load"
    ps = (await client.get("/api/ps")).json()["models"]
    assert [(m["name"], m["context_length"]) for m in ps] == [("phi3-2k:latest", 2048)]


async def test_create_pulls_a_base_that_is_not_installed(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    emulator.state.pull_steps_per_layer = 2
    lines = await post_lines(client, "/api/create", {"model": "g", "from": "gemma2:2b"})
    statuses = [line["status"] for line in lines]
    assert statuses[0] == "pulling manifest"
    pulled = statuses.index("success")
    assert statuses[pulled - 2 : pulled] == ["verifying sha256 digest", "writing manifest"]
    assert all(s.startswith("using existing layer") for s in statuses[pulled + 1 : -2])
    assert statuses[-1] == "success" and pulled < len(statuses) - 1
    assert emulator.state.find_installed("gemma2:2b") is not None
    assert emulator.state.find_installed("g") is not None


async def test_create_from_a_model_no_one_has(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    lines = await post_lines(client, "/api/create", {"model": "x", "from": "nope:1b"})
    assert lines == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]
    assert emulator.state.find_installed("x") is None
    quiet = await client.post(
        "/api/create", json={"model": "x", "from": "nope:1b", "stream": False}
    )
    assert (quiet.status_code, quiet.json()) == (
        500, {"error": "pull model manifest: file does not exist"}
    )


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"model": "bad name", "from": "phi3:mini"}, 400, "invalid model name"),
        ({"model": "ok", "from": "bad name"}, 400, "invalid model name"),
        ({"model": "ok"}, 400, "neither 'from' or 'files' was specified"),
        ({"model": "ok", "from": "phi3:mini", "template": "{{ .Prompt"}, 400,
         "template error: unbalanced '{{' and '}}'"),
        ({"model": "ok", "from": "phi3:mini", "quantize": "q4_K_M"}, 500,
         "quantization is only supported for F16, BF16 and F32 models"),
        ({"model": "ok", "files": {"a.gguf": "sha256:00"}}, 501,
         "the emulator creates models from 'from' only (no files, adapters or quantize)"),
    ],
)
async def test_create_refusals_before_any_line(
    client: httpx.AsyncClient, emulator: RunningEmulator,
    body: dict[str, Any], status: int, error: str,
) -> None:
    before = dict(emulator.state.installed)
    answer = await client.post("/api/create", json=body)
    assert (answer.status_code, answer.json()) == (status, {"error": error})
    assert emulator.state.installed == before


async def test_create_not_streamed_and_empty_body(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    done = await client.post(
        "/api/create", json={"model": "copy", "from": "phi3:mini", "stream": False}
    )
    assert (done.status_code, done.json()) == (200, {"status": "success"})
    empty = await client.post("/api/create", content=b"")
    assert (empty.status_code, empty.json()) == (400, {"error": "missing request body"})
