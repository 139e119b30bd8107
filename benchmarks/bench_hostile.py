"""Hostile-server benchmark: the peak memory of a client that meets a hostile answer.

Run: ``.venv/bin/python benchmarks/bench_hostile.py``

Each case runs the client in a child process of its own and reads that child's peak RSS
(``ru_maxrss``), so one case's garbage never counts against the next. The hostile server runs
here, in the parent, on loopback. A baseline child that only asks ``/api/version`` shows what
the interpreter and the imports cost before any answer is held. Cases:

- an endless chunked ``/api/tags`` body: the client must stop at ``max_tags_bytes`` (32 MiB);
- a pull line that never ends: the client must stop at ``max_pull_line_bytes`` (1 MiB);
- a pull of 2,000,000 layers with distinct digests: the reader must hold none of them.

Each peak (in MiB: ru_maxrss / 1024) must stay at or under 100 MiB.

Then hostile settings files, each loaded in a fresh child process (``ollm config validate``'s
loader), timed from the parent: a 342-byte billion-laughs YAML, ``/dev/zero`` and a FIFO with
no writer. Each must be refused with a ``SettingsError`` in under 1 s.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import anyio
from _report import record
from anyio.abc import ByteStream, SocketAttribute

LAYERS = 2_000_000
TARGET_MIB = 100.0
VERSION = b'{"version":"0.0.0-hostile"}'

CHILD = """
import resource, sys
import anyio
from ollm_actors.errors import OllmError
from ollm_actors.ollama.client import OllamaClient
from ollm_actors.ollama.deadlines import Deadlines

async def main(url: str, case: str) -> None:
    outcome = "ok"
    async with OllamaClient(
        url, deadlines=Deadlines(first_byte=120.0, stall=120.0, request=120.0)
    ) as client:
        try:
            if case == "baseline":
                outcome = await client.version()
            elif case == "body":
                await client.list_models()
            else:
                count = 0
                async with client.pull("llama3.2:3b") as lines:
                    async for _ in lines:
                        count += 1
                outcome = f"{count} lines"
        except OllmError as exc:
            outcome = type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak_mb:.1f}\\t{outcome}")

anyio.run(main, sys.argv[1], sys.argv[2], backend="asyncio")
"""

Answer = Callable[[ByteStream], Awaitable[None]]


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def _chunked(stream: ByteStream, pieces: Callable[[], AsyncIterator[bytes]]) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
    await stream.send(head + b"Transfer-Encoding: chunked\r\n\r\n")
    async for piece in pieces():
        await stream.send(_chunk(piece))
    await stream.send(b"0\r\n\r\n")


async def endless_body(stream: ByteStream) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b'{"models":['
        block = b" " * 65_536
        while True:
            yield block

    await _chunked(stream, pieces)


async def endless_line(stream: ByteStream) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        yield b'{"status":"'
        block = b"a" * 65_536
        while True:
            yield block

    await _chunked(stream, pieces)


async def many_layers(stream: ByteStream) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        batch = 1_000
        for start in range(0, LAYERS, batch):
            yield b"".join(
                b'{"status":"pulling %012x","digest":"sha256:%064x","total":1,"completed":1}\n'
                % (i, i)
                for i in range(start, start + batch)
            )
        yield b'{"status":"success"}\n'

    await _chunked(stream, pieces)


@asynccontextmanager
async def serve(answer: Answer) -> AsyncIterator[str]:
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)

    async def handle(stream: ByteStream) -> None:
        async with stream:
            with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                data = b""
                while b"\r\n\r\n" not in data:
                    data += await stream.receive()
                # Read the request body too: closing on unread data resets the connection,
                # and a reset loses what the client had not read yet.
                head, _, body = data.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        while len(body) < int(value):
                            body += await stream.receive()
                if b" /api/version" in data.split(b"\r\n", 1)[0]:
                    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(VERSION)}\r\n\r\n"
                    await stream.send(head.encode() + VERSION)
                    return
                await answer(stream)

    async with listener, anyio.create_task_group() as tasks:
        port = int(listener.extra(SocketAttribute.local_port))
        tasks.start_soon(listener.serve, handle, tasks)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            tasks.cancel_scope.cancel()


async def measure(case: str, answer: Answer) -> tuple[float, str]:
    async with serve(answer) as url:
        done = await anyio.run_process(
            [sys.executable, "-c", CHILD, url, case], stderr=subprocess.PIPE, check=False
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode()[-2000:])
    peak, _, outcome = done.stdout.decode().strip().partition("\t")
    return float(peak), outcome


async def main() -> None:
    cases: list[tuple[str, str, Answer]] = [
        ("baseline", "baseline (version only)", endless_body),
        ("body", "endless /api/tags body", endless_body),
        ("line", "newline-free pull line", endless_line),
        ("digests", f"pull of {LAYERS:,} distinct layers", many_layers),
    ]
    # The peak is what is recorded against the target; "above base" is what the answer cost
    # over the baseline child (the interpreter and the imports).
    print(f"{'case':34} {'peak RSS':>9} {'above base':>10} {'target':>7}  met?  outcome")
    baseline = 0.0
    for case, name, answer in cases:
        peak, outcome = await measure(case, answer)
        if case == "baseline":
            baseline = peak
            print(f"{name:34} {peak:6.1f}MiB {'':>10} {'':>7}        {outcome}")
            continue
        met = record(
            "hostile", f"peak RSS, {name}", peak, TARGET_MIB, higher_is_better=False, unit="MiB"
        )
        mark = "yes" if met else "NO"
        above = peak - baseline
        print(
            f"{name:34} {peak:6.1f}MiB {above:7.1f}MiB {TARGET_MIB:4.0f}MiB  {mark:4}  "
            + outcome[:90]
        )


SETTINGS_CHILD = """
import sys, time
from ollm_actors.config.loader import load_settings
from ollm_actors.errors import SettingsError

started = time.perf_counter()
try:
    load_settings(None, env={"OLLM_CONFIG": sys.argv[1]})
except SettingsError as exc:
    outcome = "SettingsError: " + str(exc).splitlines()[0]
else:
    outcome = "loaded (not refused!)"
print(f"{time.perf_counter() - started:.4f}\t{outcome}")
"""

#: 342 bytes that stand for 9**9 strings once the aliases are expanded.
BILLION_LAUGHS = "".join(
    f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9 if prev else ['"lol"'] * 9) + "]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)
SETTINGS_TARGET_S = 1.0


def settings_cases() -> None:
    import os
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as scratch:
        laughs = Path(scratch) / "laughs.yaml"
        laughs.write_text(BILLION_LAUGHS, encoding="utf-8")
        cases = [("billion-laughs YAML (342 bytes)", str(laughs))]
        if Path("/dev/zero").exists():
            cases.append(("/dev/zero as the settings file", "/dev/zero"))
        if hasattr(os, "mkfifo"):
            fifo = Path(scratch) / "fifo.yaml"
            os.mkfifo(fifo)
            cases.append(("a FIFO with no writer", str(fifo)))
        print(f"\n{'settings file':34} {'refused in':>10} {'target':>7}  met?  outcome")
        for name, path in cases:
            done = subprocess.run(
                [sys.executable, "-c", SETTINGS_CHILD, path],
                capture_output=True,
                timeout=60,
                check=True,
            )
            seconds, _, outcome = done.stdout.decode().strip().partition("\t")
            refused = outcome.startswith("SettingsError")
            met = record(
                "hostile",
                f"refusal time, {name}",
                float(seconds) if refused else float("inf"),
                SETTINGS_TARGET_S,
                higher_is_better=False,
                unit="s",
            )
            mark = "yes" if met else "NO"
            print(f"{name:34} {float(seconds):9.3f}s {SETTINGS_TARGET_S:6.1f}s  {mark:4}  "
                  + outcome[:70])


if __name__ == "__main__":
    anyio.run(main, backend="asyncio")
    settings_cases()
