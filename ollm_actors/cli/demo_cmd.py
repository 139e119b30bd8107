"""`ollm demo`: the main job end to end, against the bundled emulator — no Ollama needed.

It starts the emulator in-process on a free loopback port, points a runtime at it (with a
throw-away cache and none of the user's settings), and walks through what a user does:
list, pull two models at once, show, route every profile, limits, a budget for a long
prompt, rm. Above each output it prints the `ollm` command that prints the same, exactly as
it would be typed (``route`` once per profile); the budget step is Python and says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.state import CliState

if TYPE_CHECKING:
    from rich.console import Console

    from ollm_actors.runtime import Runtime

__all__ = ("DEMO_PULLS", "register", "run_demo")

#: the two models the demo pulls side by side
DEMO_PULLS = ("qwen2.5-coder:7b", "llava:7b")
# About 10k tokens of text: more than phi3:mini's 4k window, well within llama3.1's.
_LONG_PROMPT = "Summarise the design of this service and list its risks.\n" + (
    "The inventory actor caches model lists per host and serves them when a host is down. "
    * 450
)


def _safe(text: str) -> str:
    """``text`` from the server as one safe line, its brackets kept out of rich markup."""
    from rich.markup import escape

    from ollm_actors.vocab.safe_text import safe_line

    return escape(safe_line(text))


def _step(console: Console, title: str, command: str | None = None) -> None:
    console.print()
    console.rule(f"[bold]{title}[/bold]", align="left")
    if command is not None:
        _command(console, command)


def _command(console: Console, command: str) -> None:
    """The command that does what follows, exactly: one ``$`` line above each output."""
    console.print(f"[dim]$ {_safe(command)}[/dim]")


async def _list(console: Console, rt: Runtime) -> None:
    from ollm_actors.cli.list_cmd import models_table, output_width

    models = await rt.models.list_models(refresh=True)
    limits = await rt.limits.lookup_installed(models)
    # As `ollm list` prints it: one host, so no HOST column; fitted to the terminal.
    table = models_table(models, limits, show_host=False, width=output_width())
    console.print(table, markup=False, highlight=False)


async def _pull(console: Console, rt: Runtime, names: tuple[str, ...]) -> None:
    from ollm_actors.cli.pull_cmd import choose_view, pull_names, summary_line
    from ollm_actors.errors import OllmError

    view = choose_view(json=False)
    try:
        outcomes = await pull_names(rt, list(names), view)
    finally:
        view.close()
    for name, outcome in outcomes.items():
        if isinstance(outcome, OllmError):
            console.print(f"[red]{_safe(f'{name}: {outcome}')}[/red]")
        else:
            console.print(summary_line(outcome), markup=False)


async def _show(console: Console, rt: Runtime, name: str) -> None:
    from ollm_actors.cli.fit_cmd import memory_of
    from ollm_actors.cli.show_cmd import show_text
    from ollm_actors.vocab.fit import suited_profiles

    details = await rt.models.show_model(name)
    limits = await rt.limits.lookup(details.name, details.host)
    profiles = suited_profiles(
        limits.capabilities.names(), limits.context_window, rt.settings.routing.profiles
    )
    memory = await memory_of(rt, details.name, details.host)
    console.print(show_text(details, limits, profiles, memory), markup=False, highlight=False)


async def _routes(console: Console, rt: Runtime, host: str) -> None:
    from ollm_actors.errors import NoModelAvailable

    for profile in rt.settings.routing.profiles:
        _command(console, f"ollm {host} route {profile}")
        try:
            decision = await rt.router.select_model(profile)
        except NoModelAvailable as exc:
            console.print(f"[bold]{profile:13}[/bold] [red]no model[/red]: {_safe(str(exc))}")
            continue
        fallback = f" (fell back from {decision.requested_profile})" if (
            decision.fallback_used
        ) else ""
        console.print(
            f"[bold]{profile:13}[/bold] → [green]{_safe(decision.model)}[/green]{fallback}",
            highlight=False,
        )
        for reason in decision.reasons[:2]:
            console.print(f"               [dim]- {_safe(reason)}[/dim]", highlight=False)


async def _limits(console: Console, rt: Runtime, name: str) -> None:
    from ollm_actors.cli.limits_cmd import limits_lines

    limits = await rt.limits.lookup(name)
    console.print("\n".join(limits_lines(limits)), markup=False, highlight=False)


async def _budgets(console: Console, rt: Runtime) -> None:
    from ollm_actors.errors import PromptTooLarge
    from ollm_actors.limits.tokens import estimate_tokens

    console.print(f"a prompt of ~{estimate_tokens(_LONG_PROMPT)} tokens:")
    for name in ("llama3.1:8b", "phi3:mini"):
        try:
            budget = await rt.limits.budget(name, text=_LONG_PROMPT)
        except PromptTooLarge as exc:
            console.print(
                f"  [bold]{name}[/bold]: [red]refused[/red] — {_safe(str(exc))}", highlight=False
            )
            continue
        options = budget.options.as_dict()
        console.print(
            f"  [bold]{name}[/bold]: fits; up to {budget.max_output} output tokens; "
            f"send options {options}",
            highlight=False,
        )
        for note in budget.notes:
            console.print(f"    [dim]- {_safe(note)}[/dim]", highlight=False)


async def run_demo(console: Console, *, pace: float) -> None:
    """The whole walk-through; ``pace`` is the emulator's delay between progress lines."""
    import tempfile

    from ollm_actors.emulator import EmulatorState, run_emulator
    from ollm_actors.runtime import open_runtime
    from ollm_actors.testing import hermetic_settings

    state = EmulatorState.default()
    state.pull_line_delay = pace
    state.pull_steps_per_layer = 40
    with tempfile.TemporaryDirectory(prefix="ollm-demo-") as cache:
        async with run_emulator(state) as emu:
            console.print(
                f"[bold]ollm demo[/bold]: an Ollama-compatible emulator is serving on {emu.url}"
                " (no real Ollama or network needed)."
            )
            async with open_runtime(hermetic_settings([emu.url], cache)) as rt:
                host = f"--host {emu.url}"
                _step(console, "1. The models on the server", f"ollm {host} list")
                await _list(console, rt)
                _step(
                    console,
                    "2. Pull two models at once, with live progress",
                    f"ollm {host} pull {' '.join(DEMO_PULLS)}",
                )
                await _pull(console, rt, DEMO_PULLS)
                _step(console, "3. What a model is", f"ollm {host} show {DEMO_PULLS[0]}")
                await _show(console, rt, DEMO_PULLS[0])
                _step(console, "4. Which model serves each task profile")
                await _routes(console, rt, host)
                _step(console, "5. The limits of a model", f"ollm {host} limits {DEMO_PULLS[1]}")
                await _limits(console, rt, DEMO_PULLS[1])
                _step(
                    console,
                    "6. A budget for a long prompt (no silent truncation)",
                    "await rt.limits.budget(model, text=prompt)",
                )
                await _budgets(console, rt)
                _step(console, "7. Remove a model", f"ollm {host} rm {DEMO_PULLS[1]}")
                await rt.models.delete_model(DEMO_PULLS[1])
                console.print(f"deleted '{DEMO_PULLS[1]}' from {emu.url}")
                _command(console, f"ollm {host} list")
                await _list(console, rt)
    console.print()
    console.print(
        "Done. Against your own Ollama: [bold]ollm list[/bold] (it uses OLLM_HOST or "
        "OLLAMA_HOST, else http://localhost:11434)."
    )


def register(app: typer.Typer) -> None:
    """Add `ollm demo` to ``app``."""

    @app.command("demo")
    def demo_command(
        ctx: typer.Context,
        pace: Annotated[
            float,
            typer.Option("--pace", help="Seconds between the emulator's progress lines.", min=0),
        ] = 0.02,
    ) -> None:
        """Walk through list, pull, show, route, limits, budget and rm on a bundled emulator."""
        from rich.console import Console

        from ollm_actors.cli.run import run_async

        state: CliState = ctx.find_root().obj
        # soft_wrap: piped into a file or a pager, lines stay whole instead of folding at 80.
        console = Console(highlight=False, soft_wrap=True)

        async def body() -> Any:
            await run_demo(console, pace=pace)

        run_async(state, body)
