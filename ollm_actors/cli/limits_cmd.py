"""`ollm limits NAME`: the resolved limits of a model and where each value came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState
from ollm_actors.vocab.safe_text import safe_line

if TYPE_CHECKING:
    from ollm_actors.limits.memory_api import ModelMemory
    from ollm_actors.limits.resolve import ModelLimits
    from ollm_actors.runtime import Runtime

__all__ = ("capabilities_json", "limits_json", "limits_lines", "register")

_SOURCE_WORDS = {
    "override": "your settings (limits.overrides)",
    "server": "the server (/api/show)",
    "database": "the built-in model database",
    "family": "the family default",
    "default": "the safe default",
}


def capabilities_json(limits: ModelLimits) -> dict[str, bool]:
    """Every capability flag, by name."""
    from ollm_actors.vocab.entries import CAPABILITY_NAMES

    return {name: bool(getattr(limits.capabilities, name)) for name in CAPABILITY_NAMES}


def limits_json(
    limits: ModelLimits, host: str | None = None, memory: ModelMemory | None = None
) -> dict[str, Any]:
    """The ``ollm limits --json`` document (plus ``host`` whose facts were used, None when
    no host has the model, ``family``, ``profiles``, ``sources`` and ``memory`` at the
    effective context, see :func:`~ollm_actors.cli.fit_cmd.memory_json`)."""
    from ollm_actors.cli.fit_cmd import memory_json

    return {
        "model": limits.model,
        "host": host,
        "context_window": limits.context_window,
        "max_output_tokens": limits.max_output_tokens,
        "default_context": limits.default_context,
        "default_context_source": limits.default_context_source,
        "capabilities": capabilities_json(limits),
        "matched_pattern": limits.matched_pattern,
        "source": limits.source,
        "family": limits.family,
        "profiles": list(limits.profiles),
        "sources": limits.sources,
        "digest": limits.digest,
        "memory": memory_json(memory),
    }


def _from(source: str) -> str:
    return f"from {_SOURCE_WORDS.get(source, source)}"


def limits_lines(
    limits: ModelLimits, host: str | None = None, memory: ModelMemory | None = None
) -> list[str]:
    """Human lines: the model and the host whose facts were used (when given), then each
    value and where it came from; the memory at the effective context when installed."""
    sources = limits.sources
    caps = ", ".join(sorted(limits.capabilities.names())) or "none"
    pattern = limits.matched_pattern or "none"
    rows = [
        ("context window", f"{limits.context_window} tokens", _from(sources.context_window)),
        ("default context", f"{limits.default_context} tokens",
         "from its Modelfile (PARAMETER num_ctx)"
         if limits.default_context_source == "modelfile" else "from the server default"),
        ("max output", f"{limits.max_output_tokens} tokens", _from(sources.max_output_tokens)),
        ("capabilities", caps, _from(sources.capabilities)),
        ("family", limits.family, _from(sources.family)),
        ("profiles", ", ".join(limits.profiles) or "none", _from(sources.profiles)),
        ("matched pattern", pattern, ""),
    ]
    if host is not None:
        from ollm_actors.cli.fit_cmd import memory_summary

        rows.append(("memory", *memory_summary(memory)))
    # Names, families, patterns and sources come from servers and settings files.
    rows = [(label, safe_line(value), safe_line(where)) for label, value, where in rows]
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    where = f" on {host}" if host is not None else ""
    lines = [safe_line(f"  {limits.model}{where}")]
    for label, value, where in rows:
        lines.append(f"    {label.ljust(width)}    {value.ljust(value_width)}    {where}".rstrip())
    return lines


def register(app: typer.Typer) -> None:
    """Add `ollm limits` to ``app``."""

    @app.command("limits")
    def limits_command(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Model name, e.g. llama3.1:8b.")],
        on: OnOption = None,
    ) -> None:
        """The resolved limits of a model and where each value came from, per host that
        has it (--on HOST: on that one)."""
        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)

        async def body(rt: Runtime) -> list[tuple[Any, str | None, Any]]:
            from ollm_actors.cli.fit_cmd import memory_of
            from ollm_actors.cli.on_host import each_host, holders

            found = await holders(rt, name, host)
            if not found:
                # Installed nowhere: the database and the defaults still answer.
                return [(await rt.limits.lookup(name), None, None)]

            async def lookup_on(where: str | None) -> tuple[Any, str | None, Any]:
                limits = await rt.limits.lookup(name, where)
                resolved = rt.resolve_host(where)
                return limits, resolved, await memory_of(rt, name, resolved)

            return await each_host(found, lookup_on)

        from ollm_actors.cli.run import run_with_runtime

        answers = run_with_runtime(state, body, actors=("limits",))
        if state.json:
            from ollm_actors.cli.on_host import per_host_json

            state.print_json(per_host_json([limits_json(*answer) for answer in answers]))
            return
        if answers[0][1] is None:
            state.warn(f"{answers[0][0].model} is not installed on any host")
        typer.echo("\n\n".join("\n".join(limits_lines(*answer)) for answer in answers))
