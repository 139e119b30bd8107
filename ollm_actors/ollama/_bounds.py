"""Limits on what a server may make us hold: body sizes, line sizes and JSON nesting depth.

A misbehaving or hostile server (or proxy) must cost one request a typed
:class:`~ollm_actors.errors.ProtocolError`, never the process its memory or its stack. Bodies
are therefore read as a stream and abandoned at their bound, and JSON is checked for depth
before msgspec recurses into it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from itertools import accumulate
from typing import TypeVar

import httpx
import msgspec

from ollm_actors.errors import OllmError, ProtocolError
from ollm_actors.ollama._errors import HTTPX_ERRORS

__all__ = (
    "DEFAULT_MAX_ERROR_BYTES",
    "DEFAULT_MAX_JSON_DEPTH",
    "DEFAULT_MAX_PS_BYTES",
    "DEFAULT_MAX_PULL_LINE_BYTES",
    "DEFAULT_MAX_SHOW_BYTES",
    "DEFAULT_MAX_TAGS_BYTES",
    "DEFAULT_MAX_VERSION_BYTES",
    "KIB",
    "MIB",
    "RawStream",
    "decode_json",
    "json_depth",
    "read_body",
    "size_text",
)

_T = TypeVar("_T")

KIB = 1024
MIB = 1024 * KIB
#: Ollama's answers nest about 8 deep (show's model_info arrays); 64 leaves room for growth
#: while staying far below the interpreter's recursion limit.
DEFAULT_MAX_JSON_DEPTH = 64
#: The default body bounds of OllamaClient, each far above what a real server sends.
DEFAULT_MAX_TAGS_BYTES = 32 * MIB
DEFAULT_MAX_SHOW_BYTES = 8 * MIB
DEFAULT_MAX_PS_BYTES = 8 * MIB
DEFAULT_MAX_VERSION_BYTES = 64 * KIB
DEFAULT_MAX_ERROR_BYTES = 64 * KIB
DEFAULT_MAX_PULL_LINE_BYTES = MIB
# How many resumes a closed stream may take to unwind (see close_chunks).
_DRAIN_CHUNKS = 64
# A backslash escape inside a JSON string (outside one, JSON has none).
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
# Every byte but the brackets and the quote, deleted before counting.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
# An innermost pair: one pass of removing them takes one level off every branch.
_LEAF = re.compile(rb"\[\]|\{\}")
# Longest bracket sequence peeled level by level; beyond it one linear walk is cheaper.
_PEEL_LIMIT = 256 * 1024
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def size_text(size: int) -> str:
    """A byte count as a person reads a limit: ``64 MiB``, ``64 KiB``, ``1000 bytes``."""
    for unit, name in ((MIB, "MiB"), (KIB, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size} bytes"


def json_depth(raw: bytes, limit: int) -> int:
    """A nesting depth of the JSON text ``raw`` that is above ``limit`` exactly when the text
    nests deeper than ``limit`` (at or below it, an upper bound of the true depth).

    Brackets inside strings do not count. Runs at C speed, a few passes over the text: the
    escapes are dropped, then everything but brackets and quotes, then every other
    quote-delimited run (the strings); the brackets left are peeled an innermost pair at a
    time, one level per pass, up to ``limit`` passes (a long or unbalanced rest is walked
    once instead). A 300-model ``/api/tags`` costs a third of a millisecond, a 64 MiB
    answer milliseconds, never the event loop's attention.
    """
    # Most answers hold fewer brackets than the limit allows: no scan needed.
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return min(limit, raw.count(b"[") + raw.count(b"{"))
    if b"\\" in raw:
        raw = _ESCAPE.sub(b"", raw)
    brackets = b"".join(raw.translate(None, _NOT_STRUCTURE).split(b'"')[::2])
    if len(brackets) <= limit:
        return len(brackets)
    if len(brackets) <= _PEEL_LIMIT:
        rest, depth = brackets, 0
        while rest and depth <= limit:
            peeled = _LEAF.sub(b"", rest)
            if len(peeled) == len(rest):
                break  # unbalanced or mismatched: not JSON, walked below
            rest, depth = peeled, depth + 1
        if not rest or depth > limit:
            return depth
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def decode_json(
    decoder: msgspec.json.Decoder[_T],
    raw: bytes,
    *,
    max_depth: int,
    fail: Callable[[str], ProtocolError],
) -> _T:
    """``decoder.decode(raw)``, with every way it can fail turned into ``fail(reason)``.

    Depth is checked first: msgspec has no depth option and recurses once per level, so a line
    of 200,000 ``[`` would otherwise meet the interpreter's recursion limit (or worse).
    """
    if json_depth(raw, max_depth) > max_depth:
        raise fail(
            f"JSON nested deeper than {max_depth} levels"
            " (limit providers.ollama.limits.maxJsonDepth)"
        )
    try:
        return decoder.decode(raw)
    except msgspec.MsgspecError as exc:
        raise fail(f"unexpected JSON: {exc}") from None
    except RecursionError:
        raise fail("JSON nested too deeply to decode") from None
    except MemoryError:
        raise fail("JSON too large to decode in the memory available") from None
    # The wire boundary: nothing unexpected escapes as anything but a ProtocolError.
    except Exception as exc:
        raise fail(f"undecodable JSON ({type(exc).__name__})") from None


class RawStream:
    """The raw chunks of one streamed response, and how to close them fully.

    httpx reads through a chain of nested async generators; closing only the outermost would
    leave the inner ones to the garbage collector (trio warns about each). :meth:`aclose`
    therefore closes the connection first, then resumes the chain: the read on the closed
    connection fails in the innermost generator and unwinds all of them.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks = response.aiter_raw()
        # Whether the chain was ever resumed / ran to its end (see aclose).
        self.started = False
        self.exhausted = False
        # httpx reads a body given as bytes (a mock's) at construction: nothing to stream.
        self._preread = response.is_stream_consumed
        self._read = b""
        if self._preread:
            with contextlib.suppress(httpx.ResponseNotRead):
                self._read = response.content

    async def next(self) -> bytes | None:
        """The next chunk, or None at the end; httpx exceptions pass through."""
        if self._preread:
            chunk, self._read = self._read, b""
            return chunk or None
        self.started = True
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            self.exhausted = True
            return None
        except BaseException:
            # Any failure unwound the whole chain.
            self.exhausted = True
            raise

    async def aclose(self) -> None:
        """Close the connection and finish every reader under it. Idempotent; never raises an
        httpx exception (a failure to close is no news to someone who is done)."""
        with contextlib.suppress(*HTTPX_ERRORS):
            await self.response.aclose()
        if self.started and not self.exhausted:
            self.exhausted = True
            with contextlib.suppress(*HTTPX_ERRORS, StopAsyncIteration):
                # A stream that keeps yielding buffered data (a mock, a proxy) gets a bounded
                # number of resumes before we stop waiting for it to notice.
                for _ in range(_DRAIN_CHUNKS):
                    await self._chunks.__anext__()
        closer = getattr(self._chunks, "aclose", None)
        if closer is not None:
            with contextlib.suppress(*HTTPX_ERRORS):
                await closer()


def _declared_length(response: httpx.Response) -> int | None:
    text = response.headers.get("content-length")
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


async def read_body(
    stream: RawStream,
    limit: int,
    *,
    too_large: Callable[[], OllmError] | None,
    translate: Callable[[Exception], OllmError],
) -> bytes:
    """The raw body of a streamed response, never holding much more than ``limit`` bytes.

    A body larger than ``limit`` (declared or sent) raises ``too_large()``, or, when that is
    None, is cut to its first ``limit`` bytes (an error page is quoted, not decoded). httpx
    errors become ``translate(exc)``. The caller closes ``stream`` (shielded, bounded).
    """
    # Content-Length is only a claim: it lets a 2 GB answer fail before its first byte, but
    # the count below is what holds.
    declared = _declared_length(stream.response)
    if declared is not None and declared > limit and too_large is not None:
        raise too_large()
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        try:
            chunk = await stream.next()
        except HTTPX_ERRORS as exc:
            raise translate(exc) from exc
        if chunk is None:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
    if too_large is not None:
        # Raised before any join: the parts are dropped, so an endless body peaks at the limit.
        raise too_large()
    return b"".join(parts)[:limit]
