"""Start-up of ``ollm list --json`` as users install it, against the official client.

The dev venv holds the dev extras (trio among them), and httpcore imports trio whenever it is
installed: a start-up measured there is not the one users get. So this script builds a venv
the way users install, without the dev extras (``pip install -e <repo>``), once, cached under
the temp dir and keyed by the repo's path and pyproject.toml; it is rebuilt when missing.

1. The whole process ``ollm list --json`` (user venv) vs
   ``python -c "import ollama; ollama.Client(host=H).list()"`` (this venv: ``ollama`` is a dev
   extra), both against the bundled emulator, each the median of several interleaved runs.
   Target: ratio <= 0.6.
2. What that ``ollm list --json`` imports that listing does not need (``-X importtime``).

Run: ``.venv/bin/python benchmarks/bench_startup.py``. The emulator runs in a child process.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import record, start_emulator_child

REPO = Path(__file__).resolve().parent.parent
PROCESS_RUNS = 15
# Loaded by `ollm list --json` only through a leak: the terminal (rich), the settings schema
# check (jsonschema), the other actors, or a backend nobody runs (trio, via httpcore).
NOT_FOR_LIST_JSON = (
    "trio",
    "dynaconf",  # only when a settings file (or a mapping to merge) is there
    "rich",
    "jsonschema",
    "pydantic",
    "pyee",
    "ollm_actors.downloads.actor",
    "ollm_actors.downloads.api",
    "ollm_actors.downloads.job",
    "ollm_actors.routing.actor",
    "ollm_actors.routing.api",
)

EMULATOR = """
import anyio
from ollm_actors.emulator import EmulatorState, run_emulator

async def serve() -> None:
    async with run_emulator(EmulatorState.default()) as emu:
        print(emu.url, flush=True)
        await anyio.sleep_forever()

anyio.run(serve, backend="asyncio")
"""
# Runs a console script as its own process would, then writes the modules that did load:
# -X importtime also lists imports that failed (httpcore trying trio, for one).
RUN_AND_LIST = """
import atexit, sys
loaded_file, script = sys.argv[1], sys.argv[2]
atexit.register(lambda: open(loaded_file, "w").write("\\n".join(sys.modules)))
sys.argv = sys.argv[2:]
import runpy
runpy.run_path(script, run_name="__main__")
"""


def user_venv() -> Path:
    """The venv users get from ``pip install ollm-actors``: no dev extras, so no trio.

    Built once per (repo path, pyproject.toml); a build that did not finish is redone.
    Raises SystemExit when trio is importable there after all.
    """
    key = hashlib.sha256(str(REPO).encode() + (REPO / "pyproject.toml").read_bytes())
    venv = Path(tempfile.gettempdir()) / f"ollm-bench-user-venv-{key.hexdigest()[:12]}"
    built = venv / ".built"
    if not built.exists():
        print(f"building the user venv {venv} (once) ...", file=sys.stderr, flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(REPO)], check=True)
        built.touch()
    probe = "import importlib.util as u, sys; sys.exit(u.find_spec('trio') is not None)"
    if subprocess.run([str(venv / "bin" / "python"), "-c", probe], check=False).returncode:
        raise SystemExit(f"trio is importable in {venv}: it is not a user install")
    return venv


def compile_package() -> None:
    """Byte-compile the sources as ``pip install`` does for a regular install.

    An editable install run with PYTHONDONTWRITEBYTECODE (set on these machines) would
    otherwise compile every module from source at each start, which the other side,
    installed normally, never pays.
    """
    compileall.compile_dir(REPO / "ollm_actors", quiet=1)


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    child, url = start_emulator_child(EMULATOR)
    return child, url


def median_runs(commands: list[list[str]], env: dict[str, str]) -> list[float]:
    """The median wall time of each command, the commands taking turns so that a change in
    the machine's load during the measurement hits every one alike. One unmeasured round
    first: the first start of a venv reads its files from disk."""
    times: list[list[float]] = [[] for _ in commands]
    for round_ in range(PROCESS_RUNS + 1):
        for command, samples in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
            if round_:
                samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


class Imported:
    """One import in ``-X importtime`` output: its cumulative ms, who asked for it, and
    whether it loaded (a failed import, say of a missing optional package, is listed too)."""

    def __init__(self, cumulative_ms: float, importer: str, loaded: bool) -> None:
        self.cumulative_ms = cumulative_ms
        self.importer = importer
        self.loaded = loaded


def imports(python: str, script: list[str], env: dict[str, str]) -> dict[str, Imported]:
    """Each module that running ``script`` (a console script and its arguments) imports.

    ``-X importtime`` lists a module after everything it imported, indented one step less;
    so the importer of a line is the next line below it that is indented less.
    """
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "loaded.txt"
        command = [python, "-X", "importtime", "-c", RUN_AND_LIST, str(listing), *script]
        run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if run.returncode:
            raise SystemExit(f"{' '.join(script)} failed:\n{run.stderr[-2000:]}")
        loaded = set(listing.read_text().split())
    rows: list[tuple[str, int, float]] = []
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _self, cumulative, field = line.removeprefix("import time:").split("|")
        name = field.strip()
        rows.append((name, len(field) - len(field.lstrip()), int(cumulative) / 1e3))
    found: dict[str, Imported] = {}
    for index, (name, depth, cumulative) in enumerate(rows):
        importer = next((n for n, d, _c in rows[index + 1 :] if d < depth), "the command")
        found[name] = Imported(cumulative, importer, name in loaded)
    return found


def unwanted(found: dict[str, Imported]) -> dict[str, Imported]:
    """The entries of NOT_FOR_LIST_JSON that were asked for (the package or a submodule)."""
    out: dict[str, Imported] = {}
    for name in NOT_FOR_LIST_JSON:
        hits = [m for m in found if m == name or m.startswith(name + ".")]
        if hits:
            out[name] = found.get(name, found[hits[0]])
    return out


def main() -> None:
    venv = user_venv()
    compile_package()
    ours_command = [str(venv / "bin" / "ollm"), "list", "--json", "--host"]
    child, url = start_emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # No settings file at all (an empty config home), as the one-liner reads none.
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OLLM_", "OLLAMA_"))}
            env.update(
                XDG_CONFIG_HOME=str(Path(tmp) / "config-home"),
                OLLM_CACHE_DIR=str(Path(tmp) / "cli"),
            )
            ours_command.append(url)
            ours, theirs = median_runs(
                [
                    ours_command,
                    [sys.executable, "-c", f"import ollama; ollama.Client(host={url!r}).list()"],
                ],
                env,
            )
            found = imports(str(venv / "bin" / "python"), ours_command, env)
            # The same command with a small user settings file: dynaconf layers it.
            settings = Path(tmp) / "settings.yaml"
            settings.write_text("options:\n  temperature: 0.2\nmodel:\n  default: phi3:mini\n")
            with_file = {**env, "OLLM_CONFIG": str(settings)}
            [ours_with_file] = median_runs([ours_command], with_file)
    finally:
        child.terminate()
        child.wait(timeout=10)
    print(f"user venv (no dev extras): {venv}")
    print(f"ollm list --json:            {ours * 1e3:7.1f} ms (median of {PROCESS_RUNS})")
    print(f"ollama.Client().list():      {theirs * 1e3:7.1f} ms (median of {PROCESS_RUNS})")
    print(f"  ratio: {ours / theirs:.2f} (target <= 0.6)")
    print(
        f"ollm list --json, settings file: {ours_with_file * 1e3:7.1f} ms "
        f"(+{(ours_with_file - ours) * 1e3:.0f} ms: PyYAML, dynaconf and the schema check)"
    )
    record(
        "startup",
        "`ollm list --json` (user install) vs ollama one-liner",
        ours / theirs,
        0.6,
        higher_is_better=False,
    )
    asked = unwanted(found)
    extra = {name: hit for name, hit in asked.items() if hit.loaded}
    count = sum(1 for hit in found.values() if hit.loaded)
    print(f"`ollm list --json` loads {count} modules; not needed for listing:")
    for name, hit in sorted(extra.items(), key=lambda item: -item[1].cumulative_ms):
        print(f"  {name:30} {hit.cumulative_ms:6.1f} ms, imported by {hit.importer}")
    if not extra:
        print("  none")
    for name, hit in asked.items():
        if not hit.loaded:
            print(f"  ({name}: tried by {hit.importer}, not installed: {hit.cumulative_ms:.1f} ms)")
    record(
        "startup",
        "modules `ollm list --json` loads but does not need",
        len(extra),
        0,
        higher_is_better=False,
        unit="modules",
    )


if __name__ == "__main__":
    main()
