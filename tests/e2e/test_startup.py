"""Start-up guard: what `ollm` imports, read from ``python -X importtime`` output (turned
on by ``PYTHONPROFILEIMPORTTIME=1``, its documented equivalent).

``--help`` must not load the wire, the event loop or the settings machinery; ``list --json``
must not load what only the terminal, the schema check or the other actors need."""

from __future__ import annotations

from pathlib import Path

import pytest

from ollm_actors.emulator import EmulatorState, run_emulator
from tests.e2e.support import Ollm, imported_modules, imports_of

_NOT_FOR_HELP = (
    "httpx",
    "httpcore",
    "anyio",
    "msgspec",
    "yaml",
    "jsonschema",
    "trio",
    "pyee",
    "pydantic",
)
# No "trio" here: httpcore imports trio whenever it is installed (as in this dev venv);
# benchmarks/bench_startup.py measures `list --json` where users have it: without trio.
_NOT_FOR_LIST_JSON = (
    "rich",
    "dynaconf",  # only when a settings file (or a mapping to merge) is there
    "jsonschema",
    "pydantic",
    "pyee",
    "ollm_actors.downloads.actor",
    "ollm_actors.downloads.api",
    "ollm_actors.downloads.job",
    "ollm_actors.routing.actor",
    "ollm_actors.routing.api",
    "ollm_actors.routing.candidates_from",
)


def test_importtime_output_is_parsed() -> None:
    sample = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       549 |        549 |   ollm_actors.errors\n"
        "import time:       321 |       9486 | ollm_actors\n"
    )
    assert imported_modules(sample) == {"ollm_actors.errors", "ollm_actors"}
    assert imports_of({"rich", "rich.console", "richer", "x"}, "rich") == {"rich", "rich.console"}


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    run = ollm.run_sync("--help", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert run.code == 0
    assert "list" in run.out and "pull" in run.out
    names = imported_modules(run.err)
    assert "ollm_actors.cli.app" in names  # the parse saw the command tree load
    assert imports_of(names, *_NOT_FOR_HELP) == set()


@pytest.mark.anyio
async def test_list_json_imports_only_what_listing_needs(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path, user_settings=False)
    async with run_emulator(EmulatorState.default()) as emu:
        run = await ollm.run(
            "list", "--json", "--host", emu.url, env={"PYTHONPROFILEIMPORTTIME": "1"}
        )
    assert run.code == 0, run.err
    assert '"llama3.1:8b"' in run.out
    names = imported_modules(run.err)
    assert "ollm_actors.inventory.actor" in names
    assert imports_of(names, *_NOT_FOR_LIST_JSON) == set()
