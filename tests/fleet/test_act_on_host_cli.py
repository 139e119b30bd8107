"""`rm`, `show`, `limits`, `pull` and `ps` act on the right host, with two emulators at once
on loopback (the CLI in a process; the emulators in the test, under asyncio and trio)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fleet.act_support import dead_port, ollm, other_build, two_emulators

pytestmark = pytest.mark.anyio


async def test_rm_show_limits_find_a_model_only_the_second_host_has(tmp_path: Path) -> None:
    async with two_emulators(["phi3:mini"], ["gemma2:2b"]) as (a, b):
        hosts = [a.url, b.url]
        show = await ollm(hosts, "show", "gemma2:2b", "--json", cache=tmp_path / "c")
        assert show.code == 0, show.err
        assert show.json["host"] == b.url and "hosts" not in show.json
        assert show.json["context_window"] == 8192

        limits = await ollm(hosts, "limits", "gemma2:2b", cache=tmp_path / "c")
        assert limits.code == 0, limits.err
        assert f"gemma2:2b on {b.url}" in limits.out
        assert "from the server (/api/show)" in limits.out

        rm = await ollm(hosts, "rm", "gemma2:2b", cache=tmp_path / "c")
        assert rm.code == 0, rm.err
        assert rm.out.splitlines() == [f"deleted 'gemma2:2b' from {b.url}"]
        assert b.state.find_installed("gemma2:2b") is None
        assert a.state.find_installed("phi3:mini") is not None

        # Now no host has it: "not found" names no host, and suggests from every host.
        again = await ollm(hosts, "--json", "rm", "gemma2:2b", cache=tmp_path / "c")
        assert again.code == 1
        assert again.json["error"]["type"] == "ModelNotFound"
        assert again.json["error"]["host"] is None


async def test_rm_of_a_model_on_two_hosts_refuses_then_all_hosts_then_on(
    tmp_path: Path,
) -> None:
    async with two_emulators(["phi3:mini"], ["phi3:mini"]) as (a, b):
        hosts = [a.url, b.url]
        refused = await ollm(hosts, "rm", "phi3:mini", cache=tmp_path / "c")
        assert refused.code == 1
        assert a.url in refused.err and b.url in refused.err and "--all-hosts" in refused.err
        assert a.state.find_installed("phi3:mini") and b.state.find_installed("phi3:mini")

        as_json = await ollm(hosts, "--json", "rm", "phi3:mini", cache=tmp_path / "c")
        assert as_json.code == 1
        assert as_json.json["error"]["type"] == "ModelOnSeveralHosts"
        assert as_json.json["error"]["hosts"] == hosts
        assert as_json.json["deleted"] == []

        every = await ollm(hosts, "--json", "rm", "phi3:mini", "--all-hosts", cache=tmp_path / "c")
        assert every.code == 0, every.err
        assert every.json["results"] == [
            {"model": "phi3:mini", "host": a.url},
            {"model": "phi3:mini", "host": b.url},
        ]
        assert not a.state.find_installed("phi3:mini")
        assert not b.state.find_installed("phi3:mini")

        a.state.install("phi3:mini")
        b.state.install("phi3:mini")
        one = await ollm(hosts, "rm", "phi3:mini", "--on", b.url, cache=tmp_path / "c")
        assert one.code == 0, one.err
        assert one.out.splitlines() == [f"deleted 'phi3:mini' from {b.url}"]
        assert a.state.find_installed("phi3:mini") is not None
        assert b.state.find_installed("phi3:mini") is None


async def test_show_and_limits_answer_per_host_for_a_same_named_model(tmp_path: Path) -> None:
    async with two_emulators(["llama3.1:8b"], []) as (a, b):
        other_build(b.state, "llama3.1:8b", context_length=32768)
        hosts = [a.url, b.url]
        limits = await ollm(hosts, "--json", "limits", "llama3.1:8b", cache=tmp_path / "c")
        assert limits.code == 0, limits.err
        document = limits.json
        # The documented object is the first host's; "hosts" holds every host's.
        assert document["host"] == a.url and document["context_window"] == 131072
        assert [(h["host"], h["context_window"]) for h in document["hosts"]] == [
            (a.url, 131072),
            (b.url, 32768),
        ]
        assert {h["source"] for h in document["hosts"]} == {"server"}

        show = await ollm(hosts, "--json", "show", "llama3.1:8b", cache=tmp_path / "c")
        assert show.code == 0, show.err
        assert [(h["host"], h["context_window"]) for h in show.json["hosts"]] == [
            (a.url, 131072),
            (b.url, 32768),
        ]
        assert show.json["hosts"][0]["digest"] != show.json["hosts"][1]["digest"]

        text = await ollm(hosts, "limits", "llama3.1:8b", cache=tmp_path / "c")
        assert text.code == 0, text.err
        blocks = text.out.strip().split("\n\n")
        assert len(blocks) == 2
        assert a.url in blocks[0] and "131072 tokens" in blocks[0]
        assert b.url in blocks[1] and "32768 tokens" in blocks[1]

        shown = await ollm(hosts, "show", "llama3.1:8b", cache=tmp_path / "c")
        assert shown.code == 0, shown.err
        assert shown.out.startswith(f"llama3.1:8b on {a.url}\n")
        assert f"llama3.1:8b on {b.url}\n" in shown.out

        on_b = await ollm(
            hosts, "--json", "limits", "llama3.1:8b", "--on", b.url, cache=tmp_path / "c"
        )
        assert on_b.code == 0, on_b.err
        assert (on_b.json["host"], on_b.json["context_window"]) == (b.url, 32768)
        assert "hosts" not in on_b.json


async def test_pull_on_a_host_the_settings_do_not_name(tmp_path: Path) -> None:
    async with two_emulators([], []) as (a, b):
        # b is not configured: --on reaches it all the same, by its short form.
        pulled = await ollm(
            [a.url], "--json", "pull", "phi3:mini", "--on", f":{b.port}", cache=tmp_path / "c"
        )
        assert pulled.code == 0, pulled.err
        events = [line for line in pulled.out.splitlines() if line]
        import json

        last = json.loads(events[-1])
        assert last["event"] == "done"
        assert last["host"] == f"http://127.0.0.1:{b.port}"
        assert b.state.find_installed("phi3:mini") is not None
        assert a.state.find_installed("phi3:mini") is None

        # Without --on the default host gets it.
        default = await ollm([a.url, b.url], "pull", "gemma2:2b", cache=tmp_path / "c")
        assert default.code == 0, default.err
        assert f"from {a.url}" in default.out
        assert a.state.find_installed("gemma2:2b") is not None
        assert b.state.find_installed("gemma2:2b") is None

        # show and limits --on an unconfigured host too.
        show = await ollm(
            [a.url], "--json", "show", "phi3:mini", "--on", b.url, cache=tmp_path / "c"
        )
        assert show.code == 0, show.err
        assert show.json["host"] == b.url


async def test_on_rejects_a_string_that_is_no_host(tmp_path: Path) -> None:
    async with two_emulators(["phi3:mini"], []) as (a, _b):
        bad = await ollm([a.url], "rm", "phi3:mini", "--on", "ftp://x", cache=tmp_path / "c")
        assert bad.code == 2
        assert "--on" in bad.err and "ftp://x" in bad.err
        assert a.state.find_installed("phi3:mini") is not None


async def test_ps_names_a_dead_host_instead_of_dropping_it(tmp_path: Path) -> None:
    async with two_emulators(["phi3:mini"], []) as (a, _b):
        a.state.load("phi3:mini")
        dead = f"http://127.0.0.1:{dead_port()}"
        ps = await ollm([a.url, dead], "ps", cache=tmp_path / "c")
        assert ps.code == 0, ps.err
        assert "phi3:mini" in ps.out and a.url in ps.out
        assert dead in ps.err and "warning" in ps.err

        as_json = await ollm([a.url, dead], "--json", "ps", cache=tmp_path / "c")
        assert as_json.code == 0, as_json.err
        assert [m["host"] for m in as_json.json["models"]] == [a.url]
        assert dead in as_json.err
