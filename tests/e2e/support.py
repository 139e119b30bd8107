"""Running `ollm` as a person does: a subprocess with its own cache and settings, and the
checks every end-to-end test makes on what it printed and what it left on disk."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import msgspec
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from ollm_actors.inventory.store import HostCacheFile

REPO = Path(__file__).resolve().parents[2]
#: bound on one `ollm` run; a normal one takes well under a second
RUN_TIMEOUT = 30.0

_ESCAPE = re.compile(r"\x1b\[")

# `python -m ollm_actors` with Ctrl-C restored: a process started from a shell's background
# job inherits SIGINT ignored, and Python then never installs its KeyboardInterrupt handler.
_INTERRUPTIBLE_MAIN = (
    "import runpy, signal, sys; "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'ollm'; "
    "runpy.run_module('ollm_actors', run_name='__main__', alter_sys=True)"
)


class Run(msgspec.Struct, frozen=True):
    """What one `ollm` process did: exit code, stdout and stderr (decoded)."""

    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]

    @property
    def warning_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("warning:")]

    def one_error(self) -> str:
        """The single ``error:`` line; fails the test on a traceback or any other count."""
        assert "Traceback" not in self.err, self.err
        lines = self.error_lines
        assert len(lines) == 1, self.err
        return lines[0]

    def json(self) -> object:
        """stdout as one JSON document."""
        return msgspec.json.decode(self.out)

    def json_error(self) -> dict[str, object]:
        """The ``{"error": {...}}`` document of a failed ``--json`` run (checked: no text
        error line on stderr)."""
        assert "Traceback" not in self.err, self.err
        assert not self.error_lines, self.err
        document = msgspec.json.decode(self.out, type=dict[str, dict[str, object]])
        error = document["error"]
        assert {"type", "message"} <= set(error), error
        return error


class Ollm:
    """`ollm` with private state under ``home``: a cache dir and an empty user settings file
    (or, with ``user_settings=False``, an empty config dir where none is found); nothing of
    the developer's environment (``OLLM_*``, ``OLLAMA_*``, ``NO_COLOR``) leaks in."""

    def __init__(self, home: Path, *, user_settings: bool = True) -> None:
        self.home = home
        self.cache = home / "cache"
        self.settings_file = home / "settings.yaml" if user_settings else None
        home.mkdir(parents=True, exist_ok=True)
        if self.settings_file is not None:
            self.settings_file.touch()

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
        env.pop("NO_COLOR", None)
        env["OLLM_CACHE_DIR"] = str(self.cache)
        if self.settings_file is not None:
            env["OLLM_CONFIG"] = str(self.settings_file)
        else:
            env["XDG_CONFIG_HOME"] = str(self.home / "config")
        env["PYTHONPATH"] = str(REPO)
        env.update(extra or {})
        return env

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ollm_actors", *args]

    async def run(self, *args: str, env: Mapping[str, str] | None = None) -> Run:
        """Run ``ollm ARGS`` to its end (bounded by :data:`RUN_TIMEOUT`)."""
        with anyio.fail_after(RUN_TIMEOUT):
            result = await anyio.run_process(
                self.argv(*args), env=self.env(env), check=False, cwd=self.home
            )
        return Run(result.returncode, result.stdout.decode(), result.stderr.decode())

    def run_sync(self, *args: str, env: Mapping[str, str] | None = None) -> Run:
        """:meth:`run` for tests that need no event loop (nothing to serve)."""
        result = subprocess.run(
            self.argv(*args),
            env=self.env(env),
            cwd=self.home,
            capture_output=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        return Run(result.returncode, result.stdout.decode(), result.stderr.decode())

    @asynccontextmanager
    async def started(
        self, *args: str, env: Mapping[str, str] | None = None
    ) -> AsyncIterator[LiveOllm]:
        """``ollm ARGS`` running; the block reads its stdout line by line while its stderr is
        collected in the background. Leaving the block kills the process if it still runs."""
        argv = [sys.executable, "-c", _INTERRUPTIBLE_MAIN, *args]
        async with (
            await anyio.open_process(argv, env=self.env(env), cwd=self.home) as process,
            anyio.create_task_group() as tasks,
        ):
            live = LiveOllm(process)
            tasks.start_soon(live.collect_stderr)
            try:
                yield live
            finally:
                if process.returncode is None:
                    process.kill()
                    with anyio.CancelScope(shield=True):
                        await process.wait()


class LiveOllm:
    """A running `ollm`: its stdout lines as they come, a signal, and its end."""

    def __init__(self, process: Process) -> None:
        assert process.stdout is not None
        self.process = process
        self._stdout = BufferedByteReceiveStream(process.stdout)
        self._stderr = bytearray()
        self._stderr_done = anyio.Event()
        self.lines: list[str] = []

    async def collect_stderr(self) -> None:
        assert self.process.stderr is not None
        try:
            async for chunk in self.process.stderr:
                self._stderr.extend(chunk)
        finally:
            self._stderr_done.set()

    async def next_line(self) -> str:
        """The next stdout line (without its newline); raises ``EndOfStream`` at the end."""
        line = (await self._stdout.receive_until(b"\n", 1 << 20)).decode()
        self.lines.append(line)
        return line

    async def line_where(self, wanted: str) -> str:
        """Read stdout lines until one contains ``wanted`` (bounded by :data:`RUN_TIMEOUT`);
        returns it. Raises ``EndOfStream`` if the process ends first."""
        with anyio.fail_after(RUN_TIMEOUT):
            while True:
                line = await self.next_line()
                if wanted in line:
                    return line

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the process."""
        self.process.send_signal(signal.SIGINT)

    async def finish(self) -> Run:
        """Read everything left and wait for the exit (bounded by :data:`RUN_TIMEOUT`);
        the whole run."""
        with anyio.fail_after(RUN_TIMEOUT):
            try:
                while True:
                    await self.next_line()
            except (anyio.EndOfStream, anyio.IncompleteRead):
                pass
            await self._stderr_done.wait()
            code = await self.process.wait()
        return Run(code, "\n".join(self.lines), self._stderr.decode())


def has_escapes(text: str) -> bool:
    """Whether ``text`` holds terminal control sequences (colours, cursor movement)."""
    return _ESCAPE.search(text) is not None


def check_cache_dir(directory: Path) -> list[HostCacheFile]:
    """Assert that the cache dir holds nothing half-written: no temp file, and every cache
    file decodes whole. Files set aside (``.bad-*``) are left out. Returns the documents."""
    documents = []
    for path in sorted(directory.iterdir()):
        assert not path.name.startswith("."), f"temp file left: {path.name}"
        assert not path.name.endswith(".tmp"), f"temp file left: {path.name}"
        if ".bad-" in path.name:
            continue
        documents.append(msgspec.json.decode(path.read_bytes(), type=HostCacheFile))
    return documents


def set_aside_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if ".bad-" in p.name)


@contextmanager
def emulator_process(*options: str) -> Iterator[str]:
    """A standalone `ollm emulator --port 0 OPTIONS` process; yields its URL, stops it after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ollm_actors", "emulator", "--port", "0", *options],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        assert "listening on" in first, first
        yield first.split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def imported_modules(importtime_stderr: str) -> set[str]:
    """Module names from ``python -X importtime`` output."""
    names = set()
    for line in importtime_stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            names.add(fields[2].strip())
    return names


def imports_of(names: set[str], *roots: str) -> set[str]:
    """Those of ``names`` that are one of ``roots`` or inside one."""
    return {n for n in names if any(n == r or n.startswith(r + ".") for r in roots)}
