"""`ollm fit NAME`: will the model fit in the GPU? The memory breakdown at a context, and per
host of known capacity (or ``--vram``): fits / spills N % / the largest num_ctx that fits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ollm_actors.cli.on_host import OnOption, checked_on
from ollm_actors.cli.state import CliState
from ollm_actors.vocab.safe_text import safe_line

if TYPE_CHECKING:
    from ollm_actors.limits.memory_api import ModelMemory
    from ollm_actors.runtime import Runtime

__all__ = (
    "fit_json",
    "fit_lines",
    "gb",
    "memory_json",
    "memory_of",
    "memory_summary",
    "register",
)


def gb(size: int) -> str:
    """Decimal gigabytes, as ``ollama ps`` prints SIZE."""
    return f"{size / 1e9:.1f} GB"


def fit_json(memory: ModelMemory) -> dict[str, Any]:
    """The ``ollm fit --json`` document (bytes), plus ``host``, ``kv_type_used``,
    ``correction``, ``observed`` and ``notes``."""
    e = memory.estimate
    return {
        "model": memory.model,
        "host": memory.host,
        "num_ctx": e.num_ctx,
        "parallel": e.parallel,
        "kv_type": e.kv_type,
        "kv_type_used": e.kv_type_used,
        "weights": e.weights,
        "kv_cache": e.kv_cache,
        "graph": e.graph,
        "overhead": e.overhead,
        "total": e.total,
        "estimated": e.raw_total,
        "correction": e.correction,
        "observed": memory.observed,
        "hosts": [
            {
                "host": h.host,
                "vram": h.vram,
                "fits": h.fits,
                "cpu_share": h.cpu_share,
                "max_context": h.max_context,
            }
            for h in memory.hosts
        ],
        "notes": list(e.notes),
    }


def _verdict(fits: bool | None, cpu_share: float | None) -> str:
    if fits is None:
        return "capacity unknown"
    if fits:
        return "fits"
    return f"spills {round((cpu_share or 0) * 100)} % to the CPU"


def fit_lines(memory: ModelMemory) -> list[str]:
    """Human lines: the breakdown, the correction when one was learned, then one line per
    host of known capacity."""
    e = memory.estimate
    kv = e.kv_type if e.kv_type == e.kv_type_used else f"{e.kv_type} (used: {e.kv_type_used})"
    lines = [
        safe_line(f"  {memory.model} on {memory.host}"),
        f"    num_ctx {e.num_ctx} × parallel {e.parallel}, KV cache {kv}",
        f"    weights     {gb(e.weights):>9}",
        f"    KV cache    {gb(e.kv_cache):>9}",
        f"    graph       {gb(e.graph):>9}",
        f"    overhead    {gb(e.overhead):>9}",
        f"    total       {gb(e.total):>9}",
    ]
    if e.correction != 1.0 or memory.observed is not None:
        observed = gb(memory.observed) if memory.observed is not None else "?"
        lines.append(
            f"    estimated {gb(e.raw_total)}, observed {observed} in /api/ps,"
            f" correction × {e.correction:.3f}"
        )
    for note in e.notes:
        lines.append(safe_line(f"    note: {note}"))
    for h in memory.hosts:
        best = "none" if h.max_context is None else str(h.max_context)
        vram = gb(h.vram) if h.vram is not None else "?"
        lines.append(
            safe_line(
                f"  {h.host}: {_verdict(h.fits, h.cpu_share)} in {vram};"
                f" largest num_ctx that fits: {best}"
            )
        )
    if not memory.hosts:
        lines.append("  no host has a known capacity: set providers.ollama.hosts[].vram or --vram")
    return lines


async def memory_of(
    rt: Runtime, name: str, host: str | None, num_ctx: int | None = None
) -> ModelMemory | None:
    """What ``ollm fit`` computes for ``name`` on ``host`` at ``num_ctx`` (default: the
    effective context), or None when it cannot be sized: the memory line is an extra of
    ``limits`` / ``show`` / ``ps``, so a server without the facts must not fail them."""
    from ollm_actors.errors import OllmError

    try:
        return await rt.limits.memory(name, num_ctx=num_ctx, host=host)
    except OllmError:  # MemoryUnknown, or a host that cannot say: the line says "unknown"
        return None


def memory_summary(memory: ModelMemory | None) -> tuple[str, str]:
    """(the total at the effective context, the verdict per host of known capacity) — the
    one memory line ``limits`` and ``show`` print."""
    if memory is None:
        return "unknown", "the server sent too few facts to size it"
    e = memory.estimate
    total = f"{gb(e.total)} at num_ctx {e.num_ctx}"
    if e.parallel > 1 or e.kv_type_used != "f16":
        total += f" × {e.parallel}, KV {e.kv_type_used}"
    verdicts = [
        f"{h.host}: {_verdict(h.fits, h.cpu_share)}"
        + (f" in {gb(h.vram)}" if h.vram is not None else "")
        for h in memory.hosts
    ]
    return total, "; ".join(verdicts) or "no host of known capacity"


def memory_json(memory: ModelMemory | None) -> dict[str, Any] | None:
    """The ``memory`` member of ``limits`` / ``show --json``: ``{"num_ctx", "parallel",
    "kv_type", "total", "hosts": [{"host", "vram", "fits", "cpu_share", "max_context"}]}``
    (bytes, as ``fit --json``), None when the model cannot be sized."""
    if memory is None:
        return None
    document = fit_json(memory)
    keys = ("num_ctx", "parallel", "kv_type", "total", "hosts")
    return {key: document[key] for key in keys}


def register(app: typer.Typer) -> None:
    """Add `ollm fit` to ``app``."""

    @app.command("fit")
    def fit_command(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(help="Model name, e.g. llama3.1:8b.")],
        num_ctx: Annotated[
            int | None, typer.Option("--num-ctx", min=1, help="Context to size it at.")
        ] = None,
        prompt_tokens: Annotated[
            int | None,
            typer.Option("--prompt-tokens", min=0, help="Size it at the budget's num_ctx."),
        ] = None,
        parallel: Annotated[
            int | None, typer.Option("--parallel", min=1, help="Parallel slots.")
        ] = None,
        kv_type: Annotated[
            str | None, typer.Option("--kv-type", help="KV cache type: f16, q8_0 or q4_0.")
        ] = None,
        vram: Annotated[
            str | None, typer.Option("--vram", help="GPU memory to fit in: 24GB, 24GiB, bytes.")
        ] = None,
        on: OnOption = None,
    ) -> None:
        """Memory estimate of a model (weights, KV cache, graph, overhead, total) and, per
        host with known capacity, whether it fits and the largest num_ctx that does."""
        from ollm_actors.errors import SettingsError, SettingsProblem
        from ollm_actors.vocab.memory import KV_TYPES
        from ollm_actors.vocab.memory_fit import parse_size

        state: CliState = ctx.find_root().obj
        host = checked_on(state, on)
        problems = []
        if num_ctx is not None and prompt_tokens is not None:
            problems.append(SettingsProblem(
                "--num-ctx", "flag:--num-ctx", "either --num-ctx or --prompt-tokens", "both"
            ))
        if kv_type is not None and kv_type not in KV_TYPES:
            problems.append(SettingsProblem(
                "--kv-type", "flag:--kv-type", "one of " + ", ".join(KV_TYPES), repr(kv_type)
            ))
        size = parse_size(vram) if vram is not None else None
        if vram is not None and size is None:
            problems.append(SettingsProblem(
                "--vram", "flag:--vram", "a size in bytes, or like 24GB or 24GiB", repr(vram)
            ))
        if problems:
            state.fail(SettingsError(problems))

        async def body(rt: Runtime) -> ModelMemory:
            ctx_size = num_ctx
            if prompt_tokens is not None:
                budget = await rt.limits.budget(name, prompt_tokens=prompt_tokens, host=host)
                ctx_size = budget.options.num_ctx
            return await rt.limits.memory(
                name, num_ctx=ctx_size, parallel=parallel, kv_type=kv_type, host=host, vram=size
            )

        from ollm_actors.cli.run import run_with_runtime

        memory = run_with_runtime(state, body, actors=("limits",))
        if state.json:
            state.print_json(fit_json(memory))
            return
        typer.echo("\n".join(fit_lines(memory)))
