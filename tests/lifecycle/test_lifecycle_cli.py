"""`ollm cp/create/load/stop/push/update/show --part/ls` as a process against an emulator on
loopback (the emulator runs in the test, under asyncio and trio)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fleet.act_support import ollm
from tests.lifecycle.support import one_emulator, requests_to

pytestmark = pytest.mark.anyio


async def test_cp_move_and_unknown(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini"]) as emu:
        hosts, cache = [emu.url], tmp_path / "c"
        cp = await ollm(hosts, "cp", "phi3:mini", "phi3-old", cache=cache)
        assert cp.code == 0, cp.err
        assert cp.out.strip() == f"copied 'phi3:mini' to 'phi3-old:latest' on {emu.url}"
        mv = await ollm(hosts, "--json", "cp", "phi3-old", "phi3-new", "--move", cache=cache)
        assert mv.code == 0, mv.err
        assert mv.json["copied"]["moved"] is True
        assert emu.state.find_installed("phi3-old:latest") is None
        ls = await ollm(hosts, "ls", cache=cache)
        assert "phi3-new:latest" in ls.out and "phi3-old" not in ls.out
        missing = await ollm(hosts, "cp", "phi3:mino", "x", cache=cache)
        assert missing.code == 1 and "did you mean 'phi3:mini'" in missing.err
        assert "Traceback" not in missing.err


async def test_create_checks_parameters_before_any_request(tmp_path: Path) -> None:
    async with one_emulator(["llama3.2:3b"]) as emu:
        hosts, cache = [emu.url], tmp_path / "c"
        for bad in (["--param", "num_ctxx=4096"], ["--param", "temperature=hot"],
                    ["--param", "seed"]):
            run = await ollm(hosts, "create", "x", "--from", "llama3.2:3b", *bad, cache=cache)
            assert run.code == 2, (bad, run.err)
            assert "model parameter" in run.err
        typo = await ollm(hosts, "--json", "create", "x", "--from", "llama3.2:3b",
                          "--param", "num_ctxx=1", cache=cache)
        assert typo.json["error"]["type"] == "BadModelParameter"
        assert "num_ctx" in typo.json["error"]["suggestions"]
        assert requests_to(emu, "POST /api/create") == 0
        unknown = await ollm(hosts, "create", "x", "--from", "llama3.2:3bb", cache=cache)
        assert unknown.code == 1 and "did you mean 'llama3.2:3b'" in unknown.err
        system = tmp_path / "system.txt"
        system.write_text("You review code.", encoding="utf-8")
        made = await ollm(hosts, "create", "reviewer", "--from", "llama3.2:3b", "--param",
                          "temperature=0.1", "--param", "stop=END", "--system", f"@{system}",
                          cache=cache)
        assert made.code == 0, made.err
        assert made.out.startswith("created 'reviewer:latest' from 'llama3.2:3b'")
        shown = await ollm(hosts, "show", "reviewer", "--system", cache=cache)
        assert shown.out.strip() == "You review code."
        params = await ollm(hosts, "show", "reviewer", "--parameters", cache=cache)
        assert "temperature                    0.1" in params.out
        assert 'stop                           "END"' in params.out
        modelfile = await ollm(hosts, "show", "reviewer", "--modelfile", cache=cache)
        assert "PARAMETER temperature 0.1" in modelfile.out
        assert (await ollm(hosts, "show", "reviewer", "--license", cache=cache)).code == 0


async def test_load_stop_all_leaves_ps_empty(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini", "gemma2:2b"]) as emu:
        hosts, cache = [emu.url], tmp_path / "c"
        for name in ("phi3:mini", "gemma2:2b"):
            run = await ollm(hosts, "load", name, "--keep-alive", "30m", cache=cache)
            assert run.code == 0, run.err
        ps = await ollm(hosts, "--json", "ps", cache=cache)
        assert {m["name"] for m in ps.json["models"]} == {"phi3:mini", "gemma2:2b"}
        one = await ollm(hosts, "stop", "phi3:mini", cache=cache)
        assert one.out.strip() == f"stopped 'phi3:mini' on {emu.url}"
        every = await ollm(hosts, "--json", "stop", "--all", cache=cache)
        assert every.code == 0, every.err
        assert every.json["stopped"] == [{"model": "gemma2:2b", "host": emu.url}]
        assert (await ollm(hosts, "--json", "ps", cache=cache)).json["models"] == []
        missing = await ollm(hosts, "load", "gemma2:7b", cache=cache)
        assert missing.code == 1 and "did you mean 'gemma2:2b'" in missing.err
        usage = await ollm(hosts, "stop", cache=cache)
        assert usage.code == 2
        sent = requests_to(emu, "POST /api/generate")
        bad = await ollm(hosts, "load", "phi3:mini", "--keep-alive", "soon", cache=cache)
        assert bad.code == 2 and requests_to(emu, "POST /api/generate") == sent


async def test_push_json_events_and_unknown(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini"]) as emu:
        hosts, cache = [emu.url], tmp_path / "c"
        pushed = await ollm(hosts, "--json", "push", "phi3:mini", cache=cache)
        assert pushed.code == 0, pushed.err
        events = [json.loads(line) for line in pushed.out.splitlines()]
        assert events[0]["event"] == "queued" and events[-1]["event"] == "done"
        assert events[-1]["completed"] == events[-1]["total"] > 0
        assert "phi3:mini" in emu.state.pushed
        plain = await ollm(hosts, "push", "phi3:mini", cache=cache)
        assert f"pushed 'phi3:mini' on {emu.url}" in plain.err
        missing = await ollm(hosts, "push", "phi3:mino", cache=cache)
        assert missing.code == 1 and "did you mean 'phi3:mini'" in missing.err


async def test_update_updated_unchanged_local_and_dry_run(tmp_path: Path) -> None:
    async with one_emulator(["phi3:mini", "gemma2:2b"]) as emu:
        hosts, cache = [emu.url], tmp_path / "c"
        emu.state.copy("gemma2:2b", "mine:latest")  # in no registry: `local`, not a failure
        old = emu.state.find_installed("phi3:mini").digest  # type: ignore[union-attr]
        emu.state.publish_new_revision("phi3:mini")
        dry = await ollm(hosts, "update", "--all", "--dry-run", cache=cache)
        assert dry.code == 0, dry.err
        assert dry.out.count("would pull") == 3
        assert requests_to(emu, "POST /api/pull") == 0
        usage = await ollm(hosts, "update", cache=cache)
        assert usage.code == 2
        run = await ollm(hosts, "--json", "update", "--all", cache=cache)
        assert run.code == 0, run.err  # a local model is no failure
        by_name = {r["model"]: r for r in run.json["results"]}
        new = emu.state.find_installed("phi3:mini").digest  # type: ignore[union-attr]
        assert (by_name["phi3:mini"]["status"], by_name["phi3:mini"]["old_digest"],
                by_name["phi3:mini"]["new_digest"]) == ("updated", old, new)
        assert by_name["gemma2:2b"]["status"] == "unchanged"
        assert by_name["mine:latest"]["status"] == "local"
        assert "in no registry" in by_name["mine:latest"]["reason"]
        again = await ollm(hosts, "update", "phi3:mini", cache=cache)
        assert again.code == 0 and again.out.startswith("unchanged 'phi3:mini'")
        unknown = await ollm(hosts, "update", "phi3:mino", cache=cache)
        assert unknown.code == 1 and "did you mean 'phi3:mini'" in unknown.err


async def test_every_help_shows_the_global_options(tmp_path: Path) -> None:
    for command in ("list", "ls", "cp", "create", "load", "stop", "push", "update", "show"):
        run = await ollm([], command, "--help", cache=tmp_path / "c")
        assert run.code == 0, run.err
        assert "Global options" in run.out and "--host" in run.out, command
