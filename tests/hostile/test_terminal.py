"""A hostile server cannot drive the terminal through `ollm`: `ollm` runs as a process against
the emulator, whose model names, facts, licence and error texts carry a window-title OSC, a
clipboard OSC 52, a clear-screen CSI and 8-bit C1 controls; nothing of them may reach stdout
or stderr (and ``--json`` keeps them, escaped). Texts the emulator cannot send (a pull's
status lines) or that never reach a renderer through it are given to the renderers directly."""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import anyio.to_thread
import msgspec
import pexpect  # type: ignore[import-untyped]
import pytest

from ollm_actors.emulator import EmulatorState, Fault, run_emulator
from ollm_actors.emulator.catalog import manifest_digest
from ollm_actors.emulator.state import InstalledModel
from tests.asyncio_only import anyio_backend
from tests.e2e.support import Ollm, Run, has_escapes

__all__ = ("anyio_backend",)

pytestmark = pytest.mark.anyio

TITLE = "\x1b]0;pwned\x07"  # OSC 0: sets the window title
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x1b\\"  # OSC 52: writes the clipboard
CLEAR = "\x1b[2J\x1b[H"  # CSI 2J: clears the screen
EIGHT_BIT = "\x9b2J\x9d0;pwned\x9c"  # the same as C1 controls
HOSTILE = f"{TITLE}{CLIPBOARD}{CLEAR}{EIGHT_BIT}\rfake\x7f"
#: a model listed under a name the name grammar would refuse (the server sends what it likes)
EVIL_NAME = f"evil{TITLE}{CLEAR}:latest"
#: a model under a valid name whose facts and licence are hostile
TAINTED = "llama3.1:8b"
#: a pull that cannot succeed fails fast
_ONE_QUICK_RETRY = {
    "OLLM_SET__downloads__retries": "1",
    "OLLM_SET__downloads__backoff__initial": "0.01",
    "OLLM_SET__downloads__backoff__max": "0.01",
}

# ESC, BEL, CR, DEL and the C1 range: what makes a terminal act rather than print. The CLI
# prints no colour here (no terminal), so no escape of its own is expected either.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(run: Run) -> None:
    for name, text in (("stdout", run.out), ("stderr", run.err)):
        found = _FORBIDDEN.search(text)
        assert found is None, f"{name} holds {found.group()!r}: {text!r}"
    assert "Traceback" not in run.err, run.err


def _hostile_state() -> EmulatorState:
    state = EmulatorState.default()
    installed = state.installed[TAINTED]
    model = msgspec.structs.replace(
        installed.model,
        family=f"llama{HOSTILE}",
        parameter_size=f"8B{TITLE}",
        quantization_level=f"Q4{CLEAR}",
        license=f"Licence{HOSTILE}\nsecond line{CLIPBOARD}\nthird\n",
        parameters=(("stop", f"<|eot|>{HOSTILE}"), ("temperature", 0.6)),
    )
    state.installed[TAINTED] = msgspec.structs.replace(installed, model=model)
    state.installed["evil"] = InstalledModel(
        EVIL_NAME, model, manifest_digest(model), state.clock()
    )
    state.load(TAINTED)
    state.loaded["evil"] = msgspec.structs.replace(state.loaded[TAINTED], name=EVIL_NAME)
    return state


@pytest.fixture
async def host() -> AsyncIterator[str]:
    async with run_emulator(_hostile_state()) as emu:
        yield emu.url


@pytest.fixture
def ollm(tmp_path: Path) -> Iterator[Ollm]:
    yield Ollm(tmp_path)


async def test_list(ollm: Ollm, host: str) -> None:
    healthy = EmulatorState.empty()
    healthy.install("phi3:mini")
    async with run_emulator(healthy) as emu:
        run = await ollm.run("list", "--host", host, "--host", emu.url)
        ps = await ollm.run("ps", "--host", host, "--host", emu.url)
    assert run.code == 0, run.err
    assert ps.code == 0, ps.err
    _clean(run)
    _clean(ps)
    assert "evil" in run.out and "evil" in ps.out
    assert "phi3:mini" in run.out  # the healthy host beside the hostile one still lists


async def test_show(ollm: Ollm, host: str) -> None:
    run = await ollm.run("show", TAINTED, "--host", host)
    assert run.code == 0, run.err
    _clean(run)
    assert "Licence" in run.out and "llama" in run.out


async def test_ps(ollm: Ollm, host: str) -> None:
    run = await ollm.run("ps", "--host", host)
    assert run.code == 0, run.err
    _clean(run)
    assert "evil" in run.out


async def test_limits_and_route(ollm: Ollm, host: str) -> None:
    limits = await ollm.run("limits", TAINTED, "--host", host)
    assert limits.code == 0, limits.err
    _clean(limits)
    route = await ollm.run("route", "general", "-v", "--host", host)
    assert route.code == 0, route.err
    _clean(route)


async def test_error_lines(ollm: Ollm, host: str) -> None:
    # The server's error body is quoted in the one red line.
    async with run_emulator(EmulatorState.default()) as emu:
        emu.state.inject(Fault(kind="http_500", path="*", times=-1, message=HOSTILE))
        failed = await ollm.run("show", TAINTED, "--host", emu.url)
    assert failed.code == 1
    _clean(failed)
    assert "fake" in failed.one_error()


async def test_stale_warning_quotes_the_server(ollm: Ollm) -> None:
    async with run_emulator(EmulatorState.default()) as emu:
        filled = await ollm.run("list", "--host", emu.url)
        assert filled.code == 0, filled.err
        emu.state.inject(Fault(kind="http_500", path="*", times=-1, message=HOSTILE))
        stale = await ollm.run("list", "--refresh", "--host", emu.url)
    _clean(stale)
    assert stale.code == 0 and stale.warning_lines, stale.err


async def test_pull_failure(ollm: Ollm, host: str) -> None:
    async with run_emulator(EmulatorState.empty()) as emu:
        emu.state.inject(Fault(kind="error_line", after_lines=2, times=-1, message=HOSTILE))
        run = await ollm.run("pull", "phi3:mini", "--host", emu.url, env=_ONE_QUICK_RETRY)
        as_json = await ollm.run(
            "pull", "phi3:mini", "--json", "--host", emu.url, env=_ONE_QUICK_RETRY
        )
    assert run.code == 1
    _clean(run)
    assert "fake" in run.one_error()
    assert as_json.code == 1
    _clean(as_json)
    last = msgspec.json.decode(as_json.out.splitlines()[-1], type=dict[str, object])
    assert last["event"] == "failed"
    assert "\x9b2J" in str(last["error"])  # escaped on the wire, the server's text decoded


async def test_json_keeps_the_text_escaped(ollm: Ollm, host: str) -> None:
    run = await ollm.run("list", "--json", "--host", host)
    assert run.code == 0, run.err
    _clean(run)  # the escapes are JSON's: \u001b, \u009b, no raw control character
    assert "evil\\u001b]0;pwned\\u0007" in run.out
    document = msgspec.json.decode(run.out, type=dict[str, list[dict[str, object]]])
    names = {m["name"] for m in document["models"]}
    assert EVIL_NAME in names  # scripts still get the server's text, unaltered
    families = {m["family"] for m in document["models"]}
    assert f"llama{HOSTILE}" in families


def _in_terminal(ollm: Ollm, *args: str) -> str:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "ollm_actors", *args],
        env=ollm.env(_ONE_QUICK_RETRY),
        cwd=str(ollm.home),
        dimensions=(40, 160),
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect(pexpect.EOF)
        return str(child.before)
    finally:
        child.close()


async def test_on_a_terminal(ollm: Ollm, host: str) -> None:
    """On a pty `ollm` writes colours and redraws of its own; none of the server's."""
    async with run_emulator(EmulatorState.empty()) as emu:
        emu.state.inject(Fault(kind="error_line", after_lines=3, times=-1, message=HOSTILE))
        # pexpect blocks: it waits in a thread while the emulator serves on this loop.
        pull = ("pull", "phi3:mini", "--host", emu.url)
        pulled = await anyio.to_thread.run_sync(_in_terminal, ollm, *pull)
    shown = await anyio.to_thread.run_sync(_in_terminal, ollm, "show", TAINTED, "--host", host)
    assert "fake" in pulled and "Licence" in shown, (pulled, shown)
    assert has_escapes(pulled)  # the CLI's own bars and colours: a terminal was seen
    for text in (pulled, shown):
        for attack in ("\x1b]", "\x07", "\x1b[2J", "\x1b[H", "\x7f"):
            assert attack not in text, (attack, text)
        assert not re.search("[\x80-\x9f]", text), text


@pytest.mark.parametrize("view", ["plain", "live"])
def test_pull_views_print_the_server_status_safely(
    view: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The emulator's status texts are fixed, so the server's lines are given to the views
    # as the runtime hands them over.
    from ollm_actors.cli.progress_view import LiveView as _LiveView
    from ollm_actors.cli.progress_view import PlainView as _PlainView
    from ollm_actors.vocab.pull_events import PullEvent

    shown = _PlainView(iter(range(0, 1000, 10)).__next__) if view == "plain" else _LiveView()
    host = f"http://h{TITLE}"
    events = [
        PullEvent(event="progress", model="m", host=host, phase="downloading",
                  status=f"pulling {HOSTILE}", completed=1, total=10),
        PullEvent(event="retrying", model="m", host=host, error=f"reset{HOSTILE}",
                  retry_in=0.1, attempt=2),
        PullEvent(event="progress", model="m", host=host, phase="verifying",
                  status=f"verifying [bold]{HOSTILE}", completed=10, total=10),
    ]
    if view == "plain":
        events.append(PullEvent(event="done", model="m", host=host, completed=10, total=10))
    # else the last status stays on the bar: off a terminal rich prints only its last state
    try:
        for event in events:
            shown.show("m", event)
    finally:
        shown.close()
    captured = capsys.readouterr()
    _clean(Run(0, captured.out, captured.err))
    assert "fake" in captured.err, captured.err
    # rich markup in a status is text, not a style
    assert view == "plain" or "[bold]" in captured.err, captured.err


def _assert_safe(text: str) -> None:
    found = _FORBIDDEN.search(text)
    assert found is None, f"holds {found.group()!r}: {text!r}"


def test_limits_and_route_renderers() -> None:
    # The emulator's names and families do not reach these two renderers (the router skips
    # names outside the grammar, the limits come from the database): fed to them directly.
    from ollm_actors.cli.limits_cmd import limits_lines
    from ollm_actors.cli.route_cmd import render_decision
    from ollm_actors.limits.resolve import LimitsSource, LimitsSources, ModelLimits
    from ollm_actors.routing.decision import CandidateScore, RouteDecision
    from ollm_actors.vocab.entries import Capabilities

    source: LimitsSource = "server"
    limits = ModelLimits(
        model=EVIL_NAME,
        family=f"llama{HOSTILE}",
        context_window=8192,
        max_output_tokens=2048,
        capabilities=Capabilities(completion=True),
        profiles=(f"chat{TITLE}",),
        matched_pattern=f"evil{CLEAR}*",
        source=source,
        sources=LimitsSources(
            context_window=source,
            max_output_tokens=source,
            capabilities=source,
            family=source,
            profiles=source,
        ),
    )
    decision = RouteDecision(
        profile="general",
        requested_profile="general",
        model=EVIL_NAME,
        host="http://h:11434",
        fallback_used=False,
        reasons=(f"{EVIL_NAME} is the best{HOSTILE}",),
        candidates=(
            CandidateScore(name=EVIL_NAME, host="http://h:11434", score=1.0),
            CandidateScore(name="b", host="h", score=0.0, rejected_reason=f"no{CLIPBOARD}"),
        ),
    )
    for text in ("\n".join(limits_lines(limits)), render_decision(decision, verbose=True)):
        _assert_safe(text)
        assert "fake" in text or "evil" in text, text


def test_config_show_of_a_hostile_settings_file(tmp_path: Path) -> None:
    ollm = Ollm(tmp_path)
    assert ollm.settings_file is not None
    # YAML's own escapes: \e is ESC, \a is BEL.
    ollm.settings_file.write_text(
        'model:\n  default: "llama\\e]0;pwned\\a\\e[2J[red]x\\e]52;c;eA==\\e\\\\"\n'
    )
    run = ollm.run_sync("config", "show")
    assert run.code == 0, run.err
    _clean(run)
    assert "llama[red]x" in run.out  # whole, brackets and all: not read as rich markup


def test_library_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from ollm_actors.cli.output import show_library_warnings

    show_library_warnings(verbose=False)
    logging.getLogger("ollm_actors.inventory").warning("cache of %s set aside", HOSTILE)
    captured = capsys.readouterr()
    _clean(Run(0, captured.out, captured.err))
    assert "set aside" in captured.err
