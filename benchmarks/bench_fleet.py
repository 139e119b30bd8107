"""A fleet of hosts: ``ollm list --json --refresh`` over 16 emulated hosts x 300 models
against the official client listing the same hosts one after another in one process.

Both sides are measured as whole processes, as a person or a script runs them: ours is the
``ollm`` console script of a user install (the venv ``bench_startup.py`` builds, without the
dev extras), asking every host concurrently and printing every model as JSON; theirs is
``python -c "import ollama; [ollama.Client(host=h).list() for h in HOSTS]"`` (this venv:
``ollama`` is a dev extra), which prints nothing. Each is the median of interleaved runs
against the same emulators in the same run. ``--refresh`` makes ours ask every host each
time; its cache directory is kept between runs, as a user's is. Target: ratio <= 0.35.

Run: ``.venv/bin/python benchmarks/bench_fleet.py``. The 16 emulators run in one child
process (asyncio, one port each).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _report import record
from bench_startup import compile_package, median_runs, user_venv

HOSTS = 16
MODELS = 300

EMULATORS = """
import sys
from contextlib import AsyncExitStack
import anyio
from ollm_actors.emulator import EmulatorState, run_emulator

async def serve(hosts: int, models: int) -> None:
    async with AsyncExitStack() as stack:
        urls = []
        for _ in range(hosts):
            state = EmulatorState.empty()
            state.add_synthetic(models)
            urls.append((await stack.enter_async_context(run_emulator(state))).url)
        print(" ".join(urls), flush=True)
        await anyio.sleep_forever()

anyio.run(serve, int(sys.argv[1]), int(sys.argv[2]), backend="asyncio")
"""

THEIRS = """
import sys
import ollama
count = sum(len(ollama.Client(host=url).list().models) for url in sys.argv[1:])
assert count == {expected}, count
"""


def start_emulators() -> tuple[subprocess.Popen[str], list[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", EMULATORS, str(HOSTS), str(MODELS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    urls = child.stdout.readline().split()
    if len(urls) != HOSTS:
        child.kill()
        raise SystemExit(f"the emulators did not start: {urls!r}")
    return child, urls


def main() -> None:
    venv = user_venv()
    compile_package()
    child, urls = start_emulators()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
            env.update(
                XDG_CONFIG_HOME=str(Path(tmp) / "config-home"),
                OLLM_CACHE_DIR=str(Path(tmp) / "cache"),
            )
            ours = [str(venv / "bin" / "ollm"), "list", "--json", "--refresh"]
            for url in urls:
                ours += ["--host", url]
            check = subprocess.run(ours, env=env, check=True, capture_output=True, text=True)
            document = json.loads(check.stdout)
            if len(document["models"]) != HOSTS * MODELS or not all(
                host["online"] for host in document["hosts"]
            ):
                raise SystemExit(f"ollm list did not list every model: {check.stderr[-2000:]}")
            theirs = [sys.executable, "-c", THEIRS.format(expected=HOSTS * MODELS), *urls]
            ours_time, theirs_time = median_runs([ours, theirs], env)
    finally:
        child.terminate()
        child.wait(timeout=10)
    ratio = ours_time / theirs_time
    print(f"{HOSTS} hosts x {MODELS} models")
    print(f"ollm list --json --refresh (concurrent):   {ours_time * 1e3:7.1f} ms (median)")
    print(f"ollama.Client(h).list() for each host:     {theirs_time * 1e3:7.1f} ms (median)")
    print(f"  ratio: {ratio:.2f} (target <= 0.35)")
    record(
        "fleet",
        f"`ollm list --json --refresh`, {HOSTS} hosts x {MODELS} models, vs official client"
        " host after host",
        ratio,
        0.35,
        higher_is_better=False,
    )


if __name__ == "__main__":
    main()
