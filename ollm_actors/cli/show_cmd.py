"""`ollm show NAME`: server facts, resolved limits, capabilities and the profiles it suits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState
from ollm_actors.vocab.safe_text import safe_line

if TYPE_CHECKING:
    from ollm_actors.inventory.types import ModelDetails
    from ollm_actors.limits.memory_api import ModelMemory
    from ollm_actors.limits.resolve import ModelLimits
    from ollm_actors.runtime import Runtime

__all__ = ("register", "show_json", "show_text")

_LICENSE_LINES = 2


def show_json(
    details: ModelDetails,
    limits: ModelLimits,
    profiles: list[str],
    memory: ModelMemory | None = None,
) -> dict[str, Any]:
    """The ``ollm show --json`` document (interface shape, plus the server's facts and the
    ``memory`` at the effective context, see :func:`~ollm_actors.cli.fit_cmd.memory_json`).

    ``profiles`` are the routing profiles the model suits (its capabilities and window meet
    theirs); ``recommended_profiles`` are the ones the model database names for it.
    """
    from ollm_actors.cli.fit_cmd import memory_json
    from ollm_actors.cli.limits_cmd import capabilities_json

    return {
        "name": details.name,
        "host": details.host,
        "family": details.family,
        "parameter_size": details.parameter_size,
        "quantization": details.quantization,
        "context_window": limits.context_window,
        "max_output_tokens": limits.max_output_tokens,
        "capabilities": capabilities_json(limits),
        "profiles": profiles,
        "recommended_profiles": list(limits.profiles),
        "limits_source": limits.source,
        "matched_pattern": limits.matched_pattern,
        "digest": details.digest,
        "architecture": details.architecture,
        "context_length": details.context_length,
        "server_capabilities": details.capabilities,
        "format": details.format,
        "parameters": details.parameters,
        "default_context": limits.default_context,
        "default_context_source": limits.default_context_source,
        "modelfile": details.modelfile,
        "template": details.template,
        "system": details.system,
        "license": details.license,
        "modified_at": details.modified_at,
        "stale": details.stale,
        "memory": memory_json(memory),
    }


def _default_from(limits: ModelLimits) -> str:
    """Where the default context comes from, in words."""
    if limits.default_context_source == "modelfile":
        return "its Modelfile, PARAMETER num_ctx"
    return "the server default: its Modelfile sets no num_ctx"


#: ``ollm show NAME --<part>``: the ModelDetails attribute each option prints alone
PARTS = ("modelfile", "parameters", "template", "system", "license")


def _section(title: str, rows: list[tuple[str, str]]) -> list[str]:
    if not rows:
        return []
    rows = [(safe_line(label), safe_line(value)) for label, value in rows]
    width = max(len(label) for label, _ in rows)
    lines = [f"  {title}"]
    lines += [f"    {label.ljust(width)}    {value}".rstrip() for label, value in rows]
    lines.append("")
    return lines


def show_text(
    details: ModelDetails,
    limits: ModelLimits,
    profiles: list[str],
    memory: ModelMemory | None = None,
) -> str:
    """Sections like `ollama show`: Model, Capabilities, Limits (with the memory at the
    effective context), Profiles, Parameters, License (its first lines). Every value is
    made a safe line here: most come from the server or the settings files."""
    from ollm_actors.cli.fit_cmd import memory_summary

    model_rows = [
        ("architecture", details.architecture or details.family or "-"),
        ("parameters", details.parameter_size or "-"),
        ("context length", str(details.context_length) if details.context_length else "-"),
        ("quantization", details.quantization or "-"),
        ("host", details.host),
    ]
    caps = sorted(limits.capabilities.names())
    limit_rows = [
        ("context window", f"{limits.context_window} (from {limits.sources.context_window})"),
        ("default context", f"{limits.default_context} (from {_default_from(limits)})"),
        ("max output", f"{limits.max_output_tokens} (from {limits.sources.max_output_tokens})"),
        ("source", limits.source),
        ("matched pattern", limits.matched_pattern or "none"),
        ("memory", "; ".join(memory_summary(memory))),
    ]
    params = [
        (line.split(None, 1)[0], line.split(None, 1)[1] if " " in line.strip() else "")
        for line in details.parameters.splitlines()
        if line.strip()
    ]
    license_lines = [line for line in details.license.splitlines() if line.strip()]
    shown_license = license_lines[:_LICENSE_LINES]
    if len(license_lines) > _LICENSE_LINES:
        shown_license.append("...")
    lines = _section("Model", model_rows)
    lines += ["  Capabilities", *[f"    {safe_line(c)}" for c in caps], ""]
    lines += _section("Limits", limit_rows)
    if profiles:
        recommended = set(limits.profiles)
        lines += [
            "  Profiles it suits",
            *[
                f"    {safe_line(p)}{'  (recommended)' if p in recommended else ''}"
                for p in profiles
            ],
            "",
        ]
    lines += _section("Parameters", [(k, v.strip()) for k, v in params])
    if shown_license:
        lines += ["  License", *[f"    {safe_line(line)}" for line in shown_license], ""]
    return "\n".join(lines).rstrip()


def register(app: typer.Typer) -> None:
    """Add `ollm show` to ``app``."""

    @app.command("show")
    def show_command(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Model name, e.g. llama3.1:8b.")],
        on: OnOption = None,
        modelfile: Annotated[
            bool, typer.Option("--modelfile", help="Print the Modelfile alone.")
        ] = False,
        parameters: Annotated[
            bool, typer.Option("--parameters", help="Print the parameters alone.")
        ] = False,
        template: Annotated[
            bool, typer.Option("--template", help="Print the template alone.")
        ] = False,
        system: Annotated[
            bool, typer.Option("--system", help="Print the system prompt alone.")
        ] = False,
        license_: Annotated[
            bool, typer.Option("--license", help="Print the license alone.")
        ] = False,
    ) -> None:
        """Server facts, resolved limits, capabilities and the routing profiles it suits, on
        every host that has the model (--on HOST: on that one); --modelfile, --parameters,
        --template, --system or --license print that part alone, like `ollama show`."""
        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)
        chosen = [
            part for part, wanted in zip(
                PARTS, (modelfile, parameters, template, system, license_), strict=True
            ) if wanted
        ]
        if len(chosen) > 1:
            raise typer.BadParameter(
                "give one of --modelfile, --parameters, --template, --system, --license",
                param_hint="--" + chosen[1],
            )

        async def body(rt: Runtime) -> list[tuple[Any, Any, list[str], Any]]:
            from ollm_actors.cli.fit_cmd import memory_of
            from ollm_actors.cli.on_host import each_host, holders
            from ollm_actors.vocab.fit import suited_profiles

            async def show_on(where: str | None) -> tuple[Any, Any, list[str], Any]:
                details = await rt.models.show_model(name, where)
                limits = await rt.limits.lookup(details.name, details.host)
                profiles = suited_profiles(
                    limits.capabilities.names(),
                    limits.context_window,
                    rt.settings.routing.profiles,
                )
                return details, limits, profiles, await memory_of(rt, details.name, details.host)

            # No holder: the show itself says "not found", with close names.
            hosts: tuple[str | None, ...] = await holders(rt, name, host) or (None,)
            return await each_host(hosts, show_on)

        from ollm_actors.cli.run import run_with_runtime

        answers = run_with_runtime(state, body, actors=("limits",))
        for details, *_ in answers:
            if details.stale:
                state.warn(
                    f"{details.host} is offline; showing the facts cached for {details.name}"
                )
        if chosen:
            part = chosen[0]
            if state.json:
                from ollm_actors.cli.on_host import per_host_json

                state.print_json(per_host_json([
                    {"name": d.name, "host": d.host, part: getattr(d, part)}
                    for d, *_ in answers
                ]))
                return
            # The part line by line as the server gave it, each made safe for a terminal;
            # one host's after another's under a header when several have the model.
            for details, *_ in answers:
                if len(answers) > 1:
                    typer.echo(f"# {safe_line(details.name)} on {safe_line(details.host)}")
                text = getattr(details, part).rstrip("\n")
                typer.echo("\n".join(safe_line(line) for line in text.split("\n")))
            return
        if state.json:
            from ollm_actors.cli.on_host import per_host_json

            state.print_json(per_host_json([show_json(*answer) for answer in answers]))
            return
        if len(answers) == 1:
            typer.echo(show_text(*answers[0]))
            return
        blocks = [
            f"{safe_line(details.name)} on {safe_line(details.host)}\n"
            + show_text(details, limits, profiles, memory)
            for details, limits, profiles, memory in answers
        ]
        typer.echo("\n\n".join(blocks))
