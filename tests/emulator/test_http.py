"""Every endpoint over real HTTP, as Ollama answers it."""

from __future__ import annotations

import re

import anyio
import httpx
import msgspec
import pytest

from ollm_actors.emulator import RunningEmulator, model_layers

pytestmark = pytest.mark.anyio


async def test_root_get_and_head(client: httpx.AsyncClient) -> None:
    got = await client.get("/")
    assert (got.status_code, got.text) == (200, "Ollama is running")
    assert got.headers["content-type"].startswith("text/plain")
    head = await client.head("/")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len("Ollama is running"))


async def test_version(client: httpx.AsyncClient, emulator: RunningEmulator) -> None:
    emulator.state.version = "0.9.9"
    got = await client.get("/api/version")
    assert (got.status_code, got.json()) == (200, {"version": "0.9.9"})


async def test_unknown_path_404_and_wrong_method_405(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/nothing")
    assert (missing.status_code, missing.text) == (404, "404 page not found")
    wrong = await client.get("/api/pull")
    assert wrong.status_code == 405
    assert (await client.post("/api/tags")).status_code == 405
    assert (await client.delete("/api/show")).status_code == 405


async def test_tags_newest_first_with_both_name_keys(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    emulator.state.install("qwen2.5-coder:7b")
    got = await client.get("/api/tags")
    assert got.status_code == 200
    models = got.json()["models"]
    assert [m["name"] for m in models] == [
        "qwen2.5-coder:7b", "nomic-embed-text:latest", "phi3:mini", "llama3.1:8b",
    ]
    first = models[0]
    assert first["model"] == first["name"]
    assert re.fullmatch(r"[0-9a-f]{64}", first["digest"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)",
                        first["modified_at"])
    assert first["size"] == 4_683_087_332
    assert first["details"] == {
        "parent_model": "", "format": "gguf", "family": "qwen2", "families": ["qwen2"],
        "parameter_size": "7.6B", "quantization_level": "Q4_K_M",
    }
    assert (await client.head("/api/tags")).status_code == 200


async def test_tags_empty_is_an_empty_list(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    for entry in list(emulator.state.installed.values()):
        emulator.state.delete(entry.name)
    assert (await client.get("/api/tags")).json() == {"models": []}


async def test_show_reports_model_info_and_capabilities(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/show", json={"model": "llama3.1:8b"})
    assert got.status_code == 200
    body = got.json()
    assert body["model_info"]["general.architecture"] == "llama"
    assert body["model_info"]["llama.context_length"] == 131072
    assert body["model_info"]["llama.embedding_length"] == 4096
    assert body["capabilities"] == ["completion", "tools"]
    assert body["details"]["family"] == "llama"
    assert "<|eot_id|>" in body["template"]
    assert body["parameters"].startswith("stop ")
    assert body["license"].startswith("LLAMA 3.1")
    assert "# FROM llama3.1:8b" in body["modelfile"]
    assert "projector_info" not in body


async def test_show_legacy_name_key_and_embedding_model(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/show", json={"name": "nomic-embed-text"})
    assert got.status_code == 200
    assert got.json()["capabilities"] == ["embedding"]
    assert got.json()["model_info"]["nomic-bert.context_length"] == 2048


async def test_show_vision_model_has_projector(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    emulator.state.install("llava:7b")
    body = (await client.post("/api/show", json={"model": "llava:7b"})).json()
    assert body["details"]["families"] == ["llama", "clip"]
    assert "vision" in body["capabilities"]
    assert body["projector_info"]["general.architecture"] == "clip"


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ({"model": "nomodel"}, 404, "model 'nomodel:latest' not found"),
        ({"model": "bad name"}, 400, "invalid model name"),
        ({}, 400, "model is required"),
        (None, 400, "missing request body"),
    ],
)
async def test_show_errors(
    client: httpx.AsyncClient, payload: dict[str, str] | None, status: int, error: str
) -> None:
    if payload is None:
        got = await client.post("/api/show")
    else:
        got = await client.post("/api/show", json=payload)
    assert (got.status_code, got.json()) == (status, {"error": error})
    assert got.headers["content-type"].startswith("application/json")


async def test_show_bad_json_is_400(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/show", content=b"{not json")
    assert got.status_code == 400
    assert "error" in got.json()


async def test_streamed_pull_then_listed_and_showable(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    async with client.stream("POST", "/api/pull", json={"model": "gemma2:2b"}) as got:
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/x-ndjson"
        assert got.headers["transfer-encoding"] == "chunked"
        lines = [msgspec.json.decode(x) async for x in got.aiter_lines() if x]
    assert lines[0] == {"status": "pulling manifest"}
    assert lines[-1] == {"status": "success"}
    assert "completed" not in lines[1]
    names = [m["name"] for m in (await client.get("/api/tags")).json()["models"]]
    assert names[0] == "gemma2:2b"
    assert (await client.post("/api/show", json={"model": "gemma2:2b"})).status_code == 200
    assert emulator.state.requests["POST /api/pull"] == 1
    assert emulator.state.requests["GET /api/tags"] == 1


async def test_pull_unknown_model_streams_error_with_200(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/pull", json={"name": "nope:1b"})
    assert got.status_code == 200
    assert [msgspec.json.decode(x) for x in got.text.splitlines()] == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]


async def test_pull_invalid_name_400_before_streaming(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/pull", json={"model": "no good"})
    assert (got.status_code, got.json()) == (400, {"error": "invalid model name"})
    empty = await client.post("/api/pull")
    assert (empty.status_code, empty.json()) == (400, {"error": "missing request body"})


async def test_pull_without_streaming(client: httpx.AsyncClient, emulator: RunningEmulator) -> None:
    ok = await client.post("/api/pull", json={"model": "mistral", "stream": False})
    assert (ok.status_code, ok.json()) == (200, {"status": "success"})
    assert emulator.state.find_installed("mistral:latest") is not None
    bad = await client.post("/api/pull", json={"model": "nope", "stream": False})
    assert (bad.status_code, bad.json()) == (
        500, {"error": "pull model manifest: file does not exist"}
    )


async def test_each_line_is_one_chunk(emulator: RunningEmulator) -> None:
    emulator.state.pull_steps_per_layer = 3
    body = b'{"model":"phi3:mini"}'
    request = (
        b"POST /api/pull HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    )
    raw = bytearray()
    with anyio.fail_after(5):
        async with await anyio.connect_tcp("127.0.0.1", emulator.port) as sock:
            await sock.send(request)
            try:
                while True:
                    raw += await sock.receive()
            except anyio.EndOfStream:
                pass
    head, _, rest = bytes(raw).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    chunks = []
    while True:
        size_text, _, rest = rest.partition(b"\r\n")
        size = int(size_text, 16)
        if size == 0:
            break
        chunks.append(rest[:size])
        assert rest[size : size + 2] == b"\r\n"
        rest = rest[size + 2 :]
    assert all(c.endswith(b"\n") and c.count(b"\n") == 1 for c in chunks)
    assert msgspec.json.decode(chunks[-1]) == {"status": "success"}
    layers = model_layers(emulator.state.installed["phi3:mini"].model)
    assert len(chunks) == 1 + len(layers) + 3  # blobs already present: one line each


async def test_delete_empty_200_then_404(
    client: httpx.AsyncClient, emulator: RunningEmulator
) -> None:
    ok = await client.request("DELETE", "/api/delete", json={"model": "phi3:mini"})
    assert (ok.status_code, ok.content, ok.headers["content-length"]) == (200, b"", "0")
    assert emulator.state.find_installed("phi3:mini") is None
    again = await client.request("DELETE", "/api/delete", json={"name": "Phi3:mini"})
    assert (again.status_code, again.json()) == (404, {"error": "model 'Phi3:mini' not found"})
    bad = await client.request("DELETE", "/api/delete", json={"model": "a b"})
    assert (bad.status_code, bad.json()) == (400, {"error": 'name "a b" is invalid'})
    empty = await client.request("DELETE", "/api/delete")
    assert (empty.status_code, empty.json()) == (400, {"error": "missing request body"})


async def test_ps_lists_loaded_models(client: httpx.AsyncClient, emulator: RunningEmulator) -> None:
    assert (await client.get("/api/ps")).json() == {"models": []}
    emulator.state.load("llama3.1:8b", context_length=8192)
    models = (await client.get("/api/ps")).json()["models"]
    assert len(models) == 1
    loaded = models[0]
    assert loaded["name"] == loaded["model"] == "llama3.1:8b"
    assert loaded["context_length"] == 8192
    assert loaded["size_vram"] == loaded["size"] > 4_920_753_328
    assert loaded["digest"] == emulator.state.installed["llama3.1:8b"].digest
    assert "expires_at" in loaded and loaded["details"]["family"] == "llama"


async def test_copy(client: httpx.AsyncClient, emulator: RunningEmulator) -> None:
    ok = await client.post("/api/copy", json={"source": "phi3:mini", "destination": "mine"})
    assert (ok.status_code, ok.content) == (200, b"")
    copied = emulator.state.find_installed("mine:latest")
    assert copied is not None
    assert copied.digest == emulator.state.installed["phi3:mini"].digest
    missing = await client.post("/api/copy", json={"source": "gone", "destination": "x"})
    assert (missing.status_code, missing.json()) == (404, {"error": 'model "gone" not found'})
    bad = await client.post("/api/copy", json={"source": "phi3:mini", "destination": "x y"})
    assert (bad.status_code, bad.json()) == (400, {"error": 'destination "x y" is invalid'})


async def test_keep_alive_reuses_one_connection(emulator: RunningEmulator) -> None:
    request = b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with anyio.fail_after(5):
        async with await anyio.connect_tcp("127.0.0.1", emulator.port) as sock:
            for _ in range(3):
                await sock.send(request)
                raw = b""
                while not raw.endswith(b"}"):
                    raw += await sock.receive()
                assert raw.startswith(b"HTTP/1.1 200")
    assert emulator.state.requests["GET /api/version"] == 3


async def test_malformed_request_gets_400_and_emulator_survives(
    emulator: RunningEmulator, client: httpx.AsyncClient
) -> None:
    with anyio.fail_after(5):
        async with await anyio.connect_tcp("127.0.0.1", emulator.port) as sock:
            await sock.send(b"THIS IS NOT HTTP\r\n\r\n")
            raw = b""
            try:
                while True:
                    raw += await sock.receive()
            except anyio.EndOfStream:
                pass
    assert raw.startswith(b"HTTP/1.1 400")
    assert (await client.get("/")).status_code == 200
