"""``ollm route [PROFILE] [--task TYPE] [--prompt-tokens N] [--require CAP ...]``.

Prints the model the router picks now, its host, the profile used (and the fallback taken)
and the reasons as bullet lines; ``-v`` adds a table of every candidate with its score or
why it was rejected. ``--json`` prints ``{"profile", "requested_profile", "model", "host",
"fallback_used", "reasons", "stale", "candidates"}``. No model available: one error line,
exit 1; an unknown profile or capability: exit 2 with a suggestion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ollm_actors.cli.state import CliState
    from ollm_actors.routing.decision import RouteDecision

__all__ = ("decision_document", "register", "render_decision")


def decision_document(decision: RouteDecision) -> dict[str, Any]:
    """The ``route --json`` document: the interface's keys first, then ``stale`` and the
    scored ``candidates``."""
    return {
        "profile": decision.profile,
        "requested_profile": decision.requested_profile,
        "model": decision.model,
        "host": decision.host,
        "fallback_used": decision.fallback_used,
        "reasons": list(decision.reasons),
        "stale": decision.stale,
        "candidates": [
            {
                "name": c.name,
                "host": c.host,
                "score": c.score,
                "rejected_reason": c.rejected_reason,
            }
            for c in decision.candidates
        ],
    }


def render_decision(decision: RouteDecision, *, verbose: bool) -> str:
    """The human form: model, host, profile (and fallback), reasons as bullets; with
    ``verbose`` a table of candidates follows."""
    from ollm_actors.cli.format import render_table
    from ollm_actors.vocab.safe_text import safe_line

    if decision.fallback_used:
        profile = f"{decision.profile} (fell back from {decision.requested_profile})"
    else:
        profile = decision.profile
    cached = "  (offline; from its cached list)" if decision.stale else ""
    # Model names and the reasons quoting them come from the servers.
    lines = [
        f"model:   {safe_line(decision.model)}",
        f"host:    {safe_line(decision.host)}{cached}",
        f"profile: {safe_line(profile)}",
        "why:",
        *(f"  - {safe_line(reason)}" for reason in decision.reasons),
    ]
    if verbose and decision.candidates:
        rows = [
            [
                c.name,
                c.host,
                "-" if c.rejected_reason else f"{c.score:.2f}",
                c.rejected_reason or "fits",
            ]
            for c in decision.candidates
        ]
        lines.append("")
        lines.append(render_table(["NAME", "HOST", "SCORE", "VERDICT"], rows))
        if decision.unlisted:
            lines.append(f"... and {decision.unlisted} more candidates not listed")
    return "\n".join(lines)


async def _with_default_context(
    rt: Any, decision: RouteDecision, prompt_tokens: int
) -> RouteDecision:
    """``decision`` with one more reason when the prompt fits the chosen model's window but
    not the context it loads with by default: the ``num_ctx`` to send, and the fix."""
    import msgspec

    from ollm_actors.errors import OllmError

    if not prompt_tokens:
        return decision
    try:
        budget = await rt.limits.budget(
            decision.model, prompt_tokens=prompt_tokens, host=decision.host
        )
    except OllmError:
        return decision  # the decision's own reasons already say how the prompt fits
    if budget.default_context_note is None:
        return decision
    reasons = (*decision.reasons, budget.default_context_note)
    return msgspec.structs.replace(decision, reasons=reasons)


def register(app: typer.Typer) -> None:
    """Add ``route`` to ``app``."""

    @app.command("route")
    def route(
        ctx: typer.Context,
        profile: Annotated[
            str | None,
            typer.Argument(help="Routing profile (default: model.routing.defaultProfile)."),
        ] = None,
        task: Annotated[
            str | None,
            typer.Option("--task", help="Task type (code, chat, story ...) instead of PROFILE."),
        ] = None,
        prompt_tokens: Annotated[
            int,
            typer.Option("--prompt-tokens", min=0, help="Prompt size the window must hold."),
        ] = 0,
        require: Annotated[
            list[str] | None,
            typer.Option("--require", help="Extra capability (tools, vision ...); repeatable."),
        ] = None,
    ) -> None:
        """The model the router picks now, and why."""
        state: CliState = ctx.find_root().obj
        if profile is not None and task is not None:
            raise typer.BadParameter("give PROFILE or --task, not both")
        settings = state.load_settings()
        wanted = profile if profile is not None else settings.model.routing.default_profile
        extra = tuple(require or ())

        async def body(rt: Any) -> RouteDecision:
            if task is not None:
                decision: RouteDecision = await rt.router.select_for_task(
                    task, prompt_tokens=prompt_tokens, require=extra
                )
            else:
                decision = await rt.router.select_model(
                    wanted, prompt_tokens=prompt_tokens, require=extra
                )
            return await _with_default_context(rt, decision, prompt_tokens)

        from ollm_actors.cli.run import run_with_runtime

        decision = run_with_runtime(state, body)
        if decision.stale:
            state.warn(f"{decision.host} did not answer; {decision.model} is from its cached list")
        if state.json:
            state.print_json(decision_document(decision))
        else:
            typer.echo(render_decision(decision, verbose=state.verbose))
