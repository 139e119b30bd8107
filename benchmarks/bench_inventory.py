"""Inventory speed against baselines measured in the same run.

1. A warm ``list_models()`` (answered from the inventory's memory) vs a plain ``httpx`` GET of
   ``/api/tags`` on loopback, against the bundled emulator. Target: >= 20x faster.
2. The whole process ``ollm list --json`` vs
   ``python -c "import ollama; ollama.Client(host=H).list()"``. Target: ratio <= 0.6.

Run: ``.venv/bin/python benchmarks/bench_inventory.py``. The emulator runs in a child process.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
from _report import record
from ollm_actors.inventory.session import open_inventory

from ollm_actors.testing import hermetic_settings

CALLS = 2000
PROCESS_RUNS = 11


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def start_emulator(port: int) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "ollm_actors", "emulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if "listening" not in line:
        child.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return child


async def in_process(url: str, cache: Path) -> tuple[float, float]:
    settings = hermetic_settings([url], cache)
    async with open_inventory(settings) as session, httpx.AsyncClient(base_url=url) as http:
        await session.models.list_models()
        (await http.get("/api/tags")).raise_for_status()
        start = time.perf_counter()
        for _ in range(CALLS):
            await session.models.list_models()
        warm = (time.perf_counter() - start) / CALLS
        start = time.perf_counter()
        for _ in range(CALLS):
            (await http.get("/api/tags")).raise_for_status()
        plain = (time.perf_counter() - start) / CALLS
    return warm, plain


def median_runs(commands: list[list[str]], env: dict[str, str]) -> list[float]:
    """The median wall time of each command, the commands taking turns so that a change in
    the machine's load during the measurement hits every one alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(PROCESS_RUNS):
        for command, samples in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def compile_package() -> None:
    """Byte-compile ollm_actors as `pip install` does for a regular install.

    An editable install run with PYTHONDONTWRITEBYTECODE (set on these machines) would
    otherwise compile every edited module from source at each start, which the other side,
    installed normally, never pays.
    """
    import compileall

    import ollm_actors

    compileall.compile_dir(Path(ollm_actors.__file__).parent, quiet=1)


def main() -> None:
    compile_package()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    child = start_emulator(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            warm, plain = anyio.run(in_process, url, Path(tmp) / "inproc")
            print(f"warm list_models(): {warm * 1e6:8.1f} us/call")
            print(f"httpx GET /api/tags: {plain * 1e6:8.1f} us/call")
            print(f"  speed-up: {plain / warm:.1f}x (target >= 20x)")
            record("inventory", "warm list_models() vs HTTP GET /api/tags", plain / warm, 20.0)

            # No settings file at all (an empty config home), as the one-liner reads none.
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
            env.update(
                XDG_CONFIG_HOME=str(Path(tmp) / "config-home"),
                OLLM_CACHE_DIR=str(Path(tmp) / "cli"),
            )
            ours, theirs = median_runs(
                [
                    [sys.executable, "-m", "ollm_actors", "list", "--json", "--host", url],
                    [sys.executable, "-c", f"import ollama; ollama.Client(host={url!r}).list()"],
                ],
                env,
            )
            print(f"ollm list --json:            {ours * 1e3:7.1f} ms (median of {PROCESS_RUNS})")
            print(f"ollama.Client().list():      {theirs * 1e3:7.1f} ms (median of {PROCESS_RUNS})")
            print(f"  ratio: {ours / theirs:.2f} (target <= 0.6)")
            record(
                "inventory",
                "`ollm list --json` process vs ollama one-liner",
                ours / theirs,
                0.6,
                higher_is_better=False,
            )
    finally:
        child.terminate()
        child.wait(timeout=10)


if __name__ == "__main__":
    main()
