"""The pull-line reader on its own: where it lives, and that closing it never leaks httpx."""

from __future__ import annotations

import httpx
import pytest

from ollm_actors.ollama import client as client_module
from ollm_actors.ollama._pull_lines import PullLines, snippet
from tests.ollama.test_client_unit import LAYER, Chunks, client_for, pull_handler

pytestmark = pytest.mark.anyio


def test_pull_lines_is_importable_from_the_client_module() -> None:
    assert client_module.PullLines is PullLines
    assert "PullLines" in client_module.__all__


def test_snippet_is_short_text() -> None:
    assert snippet(b"\xff" + b"x" * 500) == "\ufffd" + "x" * 79


class ClosedStreamChunks(Chunks):
    """Reading after close fails with httpx's StreamError family, not an HTTPError."""

    async def __anext__(self) -> bytes:
        if self.closed:
            raise httpx.StreamClosed()
        return await super().__anext__()


async def test_closing_mid_stream_swallows_stream_errors_too() -> None:
    stream = ClosedStreamChunks([(LAYER % n).encode() for n in range(10)])
    async with client_for(pull_handler(stream)) as client, client.pull("m") as lines:
        async for _line in lines:
            break
    assert stream.closed
