"""Host strings are read the way Ollama reads OLLAMA_HOST, in every source (flags, OLLM_HOST,
OLLAMA_HOST, OLLM_HOSTS, YAML host/hosts, load_settings overrides), by the one parser
(vocab.hosts.parse_host); settings keep the canonical URL; a bad host is one problem that
names its source. The live tests reach several emulators on loopback through those forms."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import pytest

from ollm_actors import open_runtime
from ollm_actors.config import Settings, flags_to_overrides, load_settings
from ollm_actors.emulator import EmulatorState, run_emulator
from ollm_actors.errors import SettingsError
from tests.config.helpers import load_hermetic
from tests.fleet.hosts_support import run_cli

FORMS = [
    ("gpu-box", "http://gpu-box:11434"),
    ("gpu-box:11500", "http://gpu-box:11500"),
    (":11500", "http://127.0.0.1:11500"),
    ("[::1]:11434", "http://[::1]:11434"),
    ("https://gpu-box/ollama", "https://gpu-box:443/ollama"),
    ("http://gpu-box:11500/ollama/", "http://gpu-box:11500/ollama"),
    ("http://h:1?token=x", "http://h:1?token=x"),
    ("http://h:1/?token=x", "http://h:1?token=x"),
    ("  'GPU-Box:11500' ", "http://gpu-box:11500"),
]

Loader = Callable[[Path, str], Settings]


def _flag(tmp: Path, text: str) -> Settings:
    overrides, sources = flags_to_overrides({"--host": [text]})
    return load_hermetic(tmp, overrides=overrides, override_sources=sources)


def _flags(tmp: Path, text: str) -> Settings:
    overrides, sources = flags_to_overrides({"--host": [":11501", text]})
    return load_hermetic(tmp, overrides=overrides, override_sources=sources)


SOURCES: dict[str, tuple[Loader, str]] = {
    # source -> (load settings with the host text there, the dotted path that holds it)
    "--host": (_flag, "providers.ollama.hosts.0"),
    "--host --host": (_flags, "providers.ollama.hosts.1"),
    "OLLM_HOST": (
        lambda tmp, text: load_hermetic(tmp, env={"OLLM_HOST": text}),
        "providers.ollama.host",
    ),
    "OLLAMA_HOST": (
        lambda tmp, text: load_hermetic(tmp, env={"OLLAMA_HOST": text}),
        "providers.ollama.host",
    ),
    "OLLM_HOSTS": (
        lambda tmp, text: load_hermetic(tmp, env={"OLLM_HOSTS": f":11501,{text}"}),
        "providers.ollama.hosts.1",
    ),
    "yaml host": (
        lambda tmp, text: load_hermetic(tmp, user={"providers": {"ollama": {"host": text}}}),
        "providers.ollama.host",
    ),
    "yaml hosts": (
        lambda tmp, text: load_hermetic(
            tmp, project={"providers": {"ollama": {"hosts": [":11501", text]}}}
        ),
        "providers.ollama.hosts.1",
    ),
    "overrides": (
        lambda tmp, text: load_hermetic(tmp, overrides={"providers.ollama.hosts": [text]}),
        "providers.ollama.hosts.0",
    ),
}


def _value(settings: Settings, dotted: str) -> object:
    node: object = settings.as_dict()
    for key in dotted.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]  # type: ignore[index]
    return node


@pytest.mark.parametrize("source", list(SOURCES))
@pytest.mark.parametrize(("text", "canonical"), FORMS, ids=[f[0].strip() for f in FORMS])
def test_every_host_form_in_every_source(
    tmp_path: Path, source: str, text: str, canonical: str
) -> None:
    load, path = SOURCES[source]
    settings = load(tmp_path, text)
    assert _value(settings, path) == canonical
    # The default host is the first one, in the same spelling.
    assert settings.hosts()[0] == _value(settings, path.replace(".1", ".0"))


def test_a_host_from_a_file_is_kept_canonical_through_a_round_trip(tmp_path: Path) -> None:
    settings = load_hermetic(tmp_path, user={"providers": {"ollama": {"host": "gpu-box"}}})
    again = load_hermetic(tmp_path / "again", user=settings.as_dict())
    assert again.providers.ollama.host == settings.providers.ollama.host == "http://gpu-box:11434"


BAD = "gpu-box:notaport"
BAD_SOURCES: dict[str, tuple[Callable[[Path], Settings], str]] = {
    "--host": (lambda tmp: _flag(tmp, BAD), "flag:--host"),
    "--host --host": (lambda tmp: _flags(tmp, BAD), "flag:--host[1]"),
    "OLLM_HOST": (lambda tmp: load_hermetic(tmp, env={"OLLM_HOST": BAD}), "env:OLLM_HOST"),
    "OLLAMA_HOST": (
        lambda tmp: load_hermetic(tmp, env={"OLLAMA_HOST": BAD}), "env:OLLAMA_HOST"
    ),
    "OLLM_HOSTS": (
        lambda tmp: load_hermetic(tmp, env={"OLLM_HOSTS": f"a:1,{BAD}"}), "env:OLLM_HOSTS[1]"
    ),
    "yaml hosts": (
        lambda tmp: load_hermetic(
            tmp, user={"providers": {"ollama": {"hosts": ["a:1", BAD]}}}
        ),
        "user.yaml:5:",
    ),
    "overrides": (
        lambda tmp: load_hermetic(tmp, overrides={"providers.ollama.host": BAD}),
        "flag:providers.ollama.host",
    ),
}


@pytest.mark.parametrize("source", list(BAD_SOURCES))
def test_a_bad_host_is_one_problem_naming_its_source(tmp_path: Path, source: str) -> None:
    load, where = BAD_SOURCES[source]
    with pytest.raises(SettingsError) as info:
        load(tmp_path)
    [problem] = info.value.problems
    assert where in problem.source
    assert problem.expected.startswith("an Ollama host")
    assert "port 'notaport' is not a number" in problem.found


def test_the_schema_and_the_parser_agree_on_a_query_without_a_path(tmp_path: Path) -> None:
    # The schema's old URL pattern refused this while parse_host accepted it.
    settings = load_hermetic(
        tmp_path, user={"providers": {"ollama": {"hosts": ["http://h:1?token=x"]}}}
    )
    assert settings.hosts() == ["http://h:1?token=x"]


# --- live: the forms reach emulators on loopback ---------------------------------------------


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


LIVE_SOURCES = ["--host", "OLLM_HOSTS", "yaml hosts", "overrides", "OLLM_HOST", "yaml host"]


def _live_settings(source: str, forms: list[str], tmp: Path) -> Settings:
    user = tmp / "user.yaml"
    user.write_text("", encoding="utf-8")
    env: dict[str, str] = {}
    overrides: dict[str, object] = {"cache.dir": str(tmp / "cache")}
    labels: dict[str, str] = {}
    if source == "--host":
        flags, labels = flags_to_overrides({"--host": forms})
        overrides.update(flags)
    elif source == "OLLM_HOSTS":
        env["OLLM_HOSTS"] = ",".join(forms)
    elif source == "yaml hosts":
        user.write_text(json.dumps({"providers": {"ollama": {"hosts": forms}}}))
    elif source == "overrides":
        overrides["providers.ollama.hosts"] = forms
    elif source == "OLLM_HOST":
        env["OLLM_HOST"] = forms[0]
    else:
        user.write_text(json.dumps({"providers": {"ollama": {"host": forms[0]}}}))
    return load_settings(user, env=env, overrides=overrides, override_sources=labels, cwd=tmp)


@pytest.mark.anyio
@pytest.mark.parametrize("source", LIVE_SOURCES)
async def test_host_forms_reach_several_emulators(tmp_path: Path, source: str) -> None:
    ipv6 = _ipv6_loopback()
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(run_emulator(EmulatorState.default()))
        b = await stack.enter_async_context(run_emulator(EmulatorState.empty()))
        forms = [f":{a.port}", f"127.0.0.1:{b.port}?token=t"]
        expected = [a.url, b.url]
        if ipv6:
            c = await stack.enter_async_context(run_emulator(EmulatorState.empty(), host="::1"))
            forms.append(f"[::1]:{c.port}")
            expected.append(f"http://[::1]:{c.port}")
        c_state = EmulatorState.empty()
        c_state.install("phi3:mini")
        d = await stack.enter_async_context(run_emulator(c_state))
        forms.append(f"http://localhost:{d.port}/")
        expected.append(f"http://localhost:{d.port}")
        if source in ("OLLM_HOST", "yaml host"):
            forms, expected = forms[:1], expected[:1]
        settings = _live_settings(source, forms, tmp_path)
        with anyio.fail_after(10):
            async with open_runtime(settings, actors=("inventory",)) as rt:
                assert list(rt.hosts) == expected
                snapshot = await rt.models.inventory.snapshot(refresh=True)
        assert [h.url for h in snapshot.hosts] == expected
        assert all(h.online for h in snapshot.hosts)
        by_host = {m.host for m in snapshot.models}
        assert a.url in by_host
        if len(expected) > 1:
            assert expected[-1] in by_host  # phi3:mini through "http://localhost:PORT/"
        assert b.state.requests["GET /api/tags"] == (1 if len(expected) > 1 else 0)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_cli_reads_short_host_forms(tmp_path: Path) -> None:
    async with run_emulator(EmulatorState.default()) as a, run_emulator() as b:
        with anyio.fail_after(30):
            code, out, err = await run_cli(
                "list", "--json", "--host", f":{a.port}", "--host", f"127.0.0.1:{b.port}",
                cache=tmp_path / "c1",
            )
            assert code == 0, err
            assert [h["url"] for h in json.loads(out)["hosts"]] == [a.url, b.url]
            code, out, err = await run_cli(
                "list", "--json", cache=tmp_path / "c2",
                env={"OLLM_HOSTS": f"127.0.0.1:{a.port},:{b.port}"},
            )
            assert code == 0, err
            assert [h["url"] for h in json.loads(out)["hosts"]] == [a.url, b.url]
            code, out, err = await run_cli(
                "--host", "gpu-box:notaport", "list", cache=tmp_path / "c3"
            )
    assert code == 2
    # One problem (not one for ``host`` and another for ``hosts.0``), naming the flag.
    assert err.count("expected an Ollama host") == 1, err
    assert "flag:--host" in err and "Traceback" not in err
