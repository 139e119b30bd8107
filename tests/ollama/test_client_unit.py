"""OllamaClient over httpx.MockTransport: request shapes, parsing and error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import httpx
import pytest

from ollm_actors.errors import (
    HostUnreachable,
    InvalidModelName,
    ModelNotFound,
    ProtocolError,
    PullFailed,
    ServerError,
)
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.deadlines import Deadlines
from ollm_actors.ollama.types import PullLine

pytestmark = pytest.mark.anyio

HOST = "http://bob:pw@ollama.test:11434"
SHOWN = "http://***@ollama.test:11434"
Handler = Callable[[httpx.Request], httpx.Response]


class Chunks(httpx.AsyncByteStream):
    """A response body sent in the given chunks, optionally failing after them.

    Like a network stream, reading after ``aclose`` fails.
    """

    def __init__(self, chunks: Sequence[bytes], fail: Exception | None = None) -> None:
        self.chunks = list(chunks)
        self.fail = fail
        self.closed = False

    def __aiter__(self) -> Chunks:
        return self

    async def __anext__(self) -> bytes:
        if self.closed:
            raise httpx.ReadError("stream closed")
        if self.chunks:
            return self.chunks.pop(0)
        if self.fail is not None:
            raise self.fail
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.closed = True


def client_for(handler: Handler, **kwargs: object) -> OllamaClient:
    return OllamaClient(HOST, transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


def json_response(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode())


DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": None,
    "parameter_size": "3.2B",
    "quantization_level": "Q4_K_M",
}


async def test_list_models_accepts_name_or_model_and_unknown_keys() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response(
            200,
            {
                "models": [
                    {
                        "name": "llama3.2:latest",
                        "model": "llama3.2:latest",
                        "size": 2019393189,
                        "digest": "a80c",
                        "modified_at": "2025-05-04T17:37:44.706015396-07:00",
                        "details": DETAILS,
                        "brand_new_key": [1, 2],
                    },
                    {"name": "old:7b", "size": 1, "digest": "b1"},
                    {
                        "model": "pythonic:1b",
                        "size": 2,
                        "digest": "c2",
                        "capabilities": ["completion"],
                        "remote_host": "https://ollama.com",
                    },
                ]
            },
        )

    async with client_for(handler) as client:
        tags = await client.list_models()
    assert [m.name for m in tags.models] == ["llama3.2:latest", "old:7b", "pythonic:1b"]
    assert [m.model for m in tags.models] == ["llama3.2:latest", "old:7b", "pythonic:1b"]
    first = tags.models[0]
    assert first.details.families is None and first.details.family == "llama"
    assert first.modified is not None and first.modified.microsecond == 706015
    assert tags.models[2].capabilities == ("completion",)
    assert seen[0].url == "http://ollama.test:11434/api/tags"
    assert seen[0].headers["authorization"] == "Basic Ym9iOnB3"


async def test_api_key_is_a_bearer_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer k3y"
        return json_response(200, {"version": "0.9.1"})

    async with client_for(handler, api_key="k3y") as client:
        assert await client.version() == "0.9.1"


async def test_show_sends_normalised_name_and_reads_facts() -> None:
    bodies: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return json_response(
            200,
            {
                "details": DETAILS,
                "model_info": {
                    "general.architecture": "qwen2",
                    "general.parameter_count": 7.6e9,
                    "qwen2.context_length": 32768.0,
                    "qwen2.embedding_length": 3584,
                },
                "capabilities": ["completion", "tools"],
                "parameters": 'stop "<|im_end|>"',
            },
        )

    async with client_for(handler) as client:
        show = await client.show("Qwen2.5")
    assert bodies == [{"model": "Qwen2.5:latest"}]
    assert show.architecture == "qwen2"
    assert show.context_length == 32768
    assert show.embedding_length == 3584
    assert show.parameter_count == 7_600_000_000
    assert show.capabilities == ("completion", "tools")
    assert show.projector_info is None


async def test_show_tolerates_old_servers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(200, {"modelfile": "FROM x", "model_info": None})

    async with client_for(handler) as client:
        show = await client.show("m", verbose=True)
    assert show.capabilities is None
    assert show.model_info == {}
    assert show.context_length is None


async def test_invalid_name_never_reaches_the_server() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    async with client_for(handler) as client:
        with pytest.raises(InvalidModelName):
            await client.show("bad name")
        with pytest.raises(InvalidModelName):
            await client.delete("../etc/passwd")
        with pytest.raises(InvalidModelName):
            client.pull("x:y z")


async def test_404_is_model_not_found_and_other_errors_are_server_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/show":
            return json_response(404, {"error": "model 'nomodel:latest' not found"})
        if request.url.path == "/api/delete":
            return httpx.Response(502, content=b"<html>bad gateway</html>")
        return json_response(500, {"error": "boom"})

    async with client_for(handler) as client:
        with pytest.raises(ModelNotFound) as missing:
            await client.show("nomodel")
        with pytest.raises(ServerError) as bad_gateway:
            await client.delete("m")
        with pytest.raises(ServerError) as boom:
            await client.ps()
    assert (missing.value.model, missing.value.host) == ("nomodel:latest", SHOWN)
    assert (bad_gateway.value.status, bad_gateway.value.body) == (502, "<html>bad gateway</html>")
    assert (boom.value.status, boom.value.body, boom.value.endpoint) == (500, "boom", "/api/ps")
    assert "pw" not in str(boom.value)


async def test_delete_and_ps() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            assert json.loads(request.content) == {"model": "llama3:13b"}
            return httpx.Response(200)
        return json_response(
            200,
            {
                "models": [
                    {
                        "name": "mistral:latest",
                        "size": 5,
                        "size_vram": 5,
                        "expires_at": "2318-06-04T14:38:31.83753-07:00",
                        "details": DETAILS,
                    }
                ]
            },
        )

    async with client_for(handler) as client:
        assert await client.delete("llama3:13b") is None
        running = (await client.ps()).models
    assert running[0].model == "mistral:latest"
    assert running[0].context_length is None
    assert running[0].expires is not None and running[0].expires.year == 2318


async def test_garbage_json_is_a_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"models": 7}')

    async with client_for(handler) as client:
        with pytest.raises(ProtocolError) as info:
            await client.list_models()
    assert info.value.endpoint == "/api/tags"
    assert info.value.snippet == '{"models": 7}'


async def test_transport_errors_become_host_unreachable_and_health_is_false() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    async with client_for(handler) as client:
        assert await client.health() is False
        with pytest.raises(HostUnreachable) as info:
            await client.version()
    assert info.value.host == SHOWN
    assert "Connection refused" in info.value.reason


async def test_health_true() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/"
        return httpx.Response(200, content=b"Ollama is running")

    async with client_for(handler) as client:
        assert await client.health() is True


def pull_handler(stream: Chunks, requests: list[httpx.Request] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if requests is not None:
            requests.append(request)
        return httpx.Response(200, stream=stream)

    return handler


async def collect(client: OllamaClient, name: str = "llama3.1:8b") -> list[PullLine]:
    out: list[PullLine] = []
    async with client.pull(name) as lines:
        async for line in lines:
            out.append(line)
    return out


LAYER = '{"status":"pulling aa","digest":"sha256:aa","total":10,"completed":%d}\n'


async def test_pull_splits_lines_across_chunks_and_stops_at_success() -> None:
    body = '{"status":"pulling manifest"}\n' + LAYER % 4 + LAYER % 10 + '{"status":"success"}\n'
    raw = body.encode()
    chunks = [raw[i : i + 7] for i in range(0, len(raw), 7)]
    stream = Chunks(chunks)
    requests: list[httpx.Request] = []
    async with client_for(pull_handler(stream, requests)) as client:
        got = await collect(client, "Llama3.1:8b")
    assert [line.status for line in got] == [
        "pulling manifest",
        "pulling aa",
        "pulling aa",
        "success",
    ]
    assert [line.completed for line in got] == [None, 4, 10, None]
    assert got[1].digest == "sha256:aa" and got[1].total == 10
    assert json.loads(requests[0].content) == {"model": "Llama3.1:8b", "stream": True}
    assert requests[0].headers["accept"] == "application/x-ndjson"
    assert stream.closed


async def test_pull_error_line_is_pull_failed() -> None:
    stream = Chunks(
        [b'{"status":"pulling manifest"}\n{"error":"pull model manifest: file does not exist"}\n']
    )
    async with client_for(pull_handler(stream)) as client:
        with pytest.raises(PullFailed) as info:
            await collect(client, "nope")
    assert info.value.reason == "pull model manifest: file does not exist"
    assert (info.value.model, info.value.host) == ("nope:latest", SHOWN)
    assert stream.closed


async def test_pull_garbage_line_is_protocol_error_with_line_number() -> None:
    stream = Chunks([b'{"status":"pulling manifest"}\n\n', b"\x00not json at all\n"])
    async with client_for(pull_handler(stream)) as client:
        with pytest.raises(ProtocolError) as info:
            await collect(client)
    assert info.value.line == 3
    assert info.value.snippet == "\x00not json at all"
    assert stream.closed


async def test_pull_without_success_is_retryable() -> None:
    async with client_for(pull_handler(Chunks([LAYER.encode() % 4]))) as client:
        with pytest.raises(HostUnreachable, match="closed before the pull finished"):
            await collect(client)
    # a final line without newline is still read, then the missing success is reported
    async with client_for(pull_handler(Chunks([(LAYER % 5).rstrip().encode()]))) as client:
        seen: list[PullLine] = []
        with pytest.raises(HostUnreachable, match="closed before the pull finished"):
            async with client.pull("m") as lines:
                async for line in lines:
                    seen.append(line)
        assert [line.completed for line in seen] == [5]


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (httpx.RemoteProtocolError("incomplete chunked read"), "connection dropped"),
        (httpx.ReadError("reset"), "connection dropped"),
        (httpx.ReadTimeout("timed out"), "within 2 s"),
    ],
)
async def test_pull_transport_failures_mid_stream(failure: Exception, reason: str) -> None:
    stream = Chunks([b'{"status":"pulling manifest"}\n'], fail=failure)
    async with client_for(
        pull_handler(stream), deadlines=Deadlines(first_byte=1.0, stall=2.0)
    ) as client:
        with pytest.raises(HostUnreachable, match=reason):
            await collect(client)
    assert stream.closed


async def test_pull_http_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["model"] == "gone:latest":
            return json_response(404, {"error": "not found"})
        return json_response(500, {"error": "pull model manifest: 500"})

    async with client_for(handler) as client:
        with pytest.raises(ModelNotFound):
            await collect(client, "gone")
        with pytest.raises(ServerError) as info:
            await collect(client, "m")
    assert info.value.body == "pull model manifest: 500"


async def test_leaving_the_block_early_closes_the_stream() -> None:
    stream = Chunks([(LAYER % n).encode() for n in range(10)])
    async with client_for(pull_handler(stream)) as client:
        async with client.pull("m") as lines:
            async for line in lines:
                assert line.completed is not None
                break
        assert stream.closed
        with pytest.raises(RuntimeError, match="closed"):
            await lines.__anext__()


async def test_client_must_be_open() -> None:
    client = OllamaClient("127.0.0.1:9")
    with pytest.raises(RuntimeError, match="not open"):
        await client.ps()


async def test_plain_http_host_does_not_follow_a_redirect() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            301, headers={"Location": "https://user:secret@proxy.example/api/tags"}
        )

    async with OllamaClient(
        "http://127.0.0.1:11434", transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(ServerError) as info:
            await client.list_models()
    assert info.value.status == 301
    assert "use that address as the host" in str(info.value)
    assert "secret" not in str(info.value)



@pytest.mark.parametrize(
    ("failure", "error", "reason"),
    [
        (httpx.ConnectTimeout("timed out"), HostUnreachable, "no connection within 3 s"),
        (httpx.ConnectError("[Errno 111] Connection refused"), HostUnreachable, "refused"),
        (httpx.PoolTimeout("pool"), HostUnreachable, "no free connection in time"),
        (httpx.ReadTimeout("slow"), HostUnreachable, "no answer from /api/version within 2 s"),
        (httpx.WriteTimeout("slow"), HostUnreachable, "within 2 s"),
        (httpx.WriteError("broken pipe"), HostUnreachable, "connection dropped during"),
        (httpx.RemoteProtocolError("bad"), HostUnreachable, "connection dropped during"),
        (httpx.CloseError("close"), HostUnreachable, "connection dropped during"),
        (httpx.ProxyError("proxy said no"), HostUnreachable, "proxy said no"),
        (httpx.UnsupportedProtocol("gopher"), HostUnreachable, "gopher"),
        (httpx.DecodingError("bad gzip"), ProtocolError, "undecodable response"),
    ],
)
async def test_every_transport_error_becomes_one_of_ours(
    failure: Exception, error: type[Exception], reason: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    async with client_for(
        handler, deadlines=Deadlines(connect=3.0, first_byte=2.0)
    ) as client:
        with pytest.raises(error, match=reason) as info:
            await client.version()
    assert info.value.__cause__ is failure
    assert getattr(info.value, "host", None) == SHOWN
