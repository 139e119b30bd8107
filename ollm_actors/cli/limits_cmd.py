"""`ollm limits NAME`: the resolved limits of a model and where each value came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.state import CliState
from ollm_actors.vocab.safe_text import safe_line

if TYPE_CHECKING:
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


def limits_json(limits: ModelLimits) -> dict[str, Any]:
    """The ``ollm limits --json`` document (plus ``family``, ``profiles`` and ``sources``)."""
    return {
        "model": limits.model,
        "context_window": limits.context_window,
        "max_output_tokens": limits.max_output_tokens,
        "capabilities": capabilities_json(limits),
        "matched_pattern": limits.matched_pattern,
        "source": limits.source,
        "family": limits.family,
        "profiles": list(limits.profiles),
        "sources": limits.sources,
        "digest": limits.digest,
    }


def _from(source: str) -> str:
    return f"from {_SOURCE_WORDS.get(source, source)}"


def limits_lines(limits: ModelLimits) -> list[str]:
    """Human lines: each value and where it came from."""
    sources = limits.sources
    caps = ", ".join(sorted(limits.capabilities.names())) or "none"
    pattern = limits.matched_pattern or "none"
    rows = [
        ("context window", f"{limits.context_window} tokens", _from(sources.context_window)),
        ("max output", f"{limits.max_output_tokens} tokens", _from(sources.max_output_tokens)),
        ("capabilities", caps, _from(sources.capabilities)),
        ("family", limits.family, _from(sources.family)),
        ("profiles", ", ".join(limits.profiles) or "none", _from(sources.profiles)),
        ("matched pattern", pattern, ""),
    ]
    # Names, families, patterns and sources come from servers and settings files.
    rows = [(label, safe_line(value), safe_line(where)) for label, value, where in rows]
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    lines = [f"  {safe_line(limits.model)}"]
    for label, value, where in rows:
        lines.append(f"    {label.ljust(width)}    {value.ljust(value_width)}    {where}".rstrip())
    return lines


def register(app: typer.Typer) -> None:
    """Add `ollm limits` to ``app``."""

    @app.command("limits")
    def limits_command(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Model name, e.g. llama3.1:8b.")],
    ) -> None:
        """The resolved limits of a model and where each value came from."""
        state: CliState = ctx.find_root().obj

        async def body(rt: Runtime) -> Any:
            return await rt.limits.lookup(name)

        from ollm_actors.cli.run import run_with_runtime

        limits = run_with_runtime(state, body, actors=("limits",))
        if state.json:
            state.print_json(limits_json(limits))
            return
        typer.echo("\n".join(limits_lines(limits)))
