"""A small long-running agent that embeds ollm-actors.

For each task it asks the router which model to use, checks that the prompt fits that
model's context (and gets the ``num_ctx``/``num_predict`` options that make it fit), and
pulls a model when no installed one can serve the task, showing the pull's progress.
It logs host and pull events as they happen.

    python examples/agent.py --backend trio                 # against your Ollama (OLLM_HOST)
    python examples/agent.py --backend asyncio --emulator   # against the bundled emulator
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import anyio
from anyio.abc import TaskStatus

from ollm_actors import NoModelAvailable, Settings, estimate_tokens, load_settings, open_runtime
from ollm_actors.actors import Subscription

if TYPE_CHECKING:
    from ollm_actors import PullEvent, Runtime

Out = Callable[[str], None]

#: (task type, prompt): what this agent is asked to do
TASKS: list[tuple[str, str]] = [
    ("chat", "Explain in two sentences why the sky is blue."),
    ("refactor", "def add(a,b):\n  return a+b\n# make this typed and documented\n" * 40),
    ("autocomplete", "import numpy as np\narr = np."),
    ("image", "What is in this photo? <image>"),
    ("embed", "structured concurrency with anyio task groups"),
]

#: what to pull when no installed model can serve a profile
PULL_WHEN_MISSING: dict[str, str] = {
    "vision": "llava:7b",
    "code": "qwen2.5-coder:7b",
    "embedding": "nomic-embed-text",
    "general": "llama3.1:8b",
    "fast": "phi3:mini",
}


async def log_events(
    subscription: Subscription, out: Out, *, task_status: TaskStatus[None]
) -> None:
    task_status.started()
    async for event in subscription:
        out(f"  [event] {event.topic}: {getattr(event.payload, 'model', '')}")


async def handle_task(rt: Runtime, task_type: str, prompt: str, out: Out) -> dict[str, Any]:
    profile = rt.router.get_profile(task_type)
    tokens = estimate_tokens(prompt)
    try:
        decision = await rt.router.select_model(profile.name, prompt_tokens=tokens)
    except NoModelAvailable:
        name = PULL_WHEN_MISSING.get(profile.name)
        if name is None:
            raise
        out(f"{task_type}: no installed model fits profile '{profile.name}'; pulling {name}")

        shown: set[int] = set()

        def show(progress: PullEvent) -> None:
            # Progress events come many a second; a line per new whole percent is enough.
            if progress.total:
                percent = progress.completed * 100 // progress.total
                if percent not in shown:
                    shown.add(percent)
                    out(f"  pulling {name}: {percent}%")

        await rt.models.pull_model(name, on_progress=show)
        decision = await rt.router.select_model(profile.name, prompt_tokens=tokens)
    budget = await rt.limits.budget(decision.model, text=prompt)
    out(
        f"{task_type}: {decision.model} on {decision.host} (profile {decision.profile}); "
        f"prompt ~{budget.prompt_tokens} tokens, up to {budget.max_output} out, "
        f"options {budget.options.as_dict()}"
    )
    return {
        "task": task_type,
        "profile": decision.profile,
        "model": decision.model,
        "host": decision.host,
        "fits": budget.fits,
        "num_ctx": budget.options.num_ctx,
    }


async def run_agent(settings: Settings, out: Out = print) -> list[dict[str, Any]]:
    """Serve every task of :data:`TASKS` once; returns what was decided for each."""
    async with open_runtime(settings) as rt:
        unsubscribe = rt.events.on("host.*", lambda e: out(f"  [event] {e.topic}"))
        try:
            async with (
                rt.events.subscribe("pull.done", "pull.failed", "pull.retrying") as pulls,
                anyio.create_task_group() as tg,
            ):
                await tg.start(log_events, pulls, out)
                results = [await handle_task(rt, t, p, out) for t, p in TASKS]
                tg.cancel_scope.cancel()
        finally:
            unsubscribe()
    return results


async def main_async(args: argparse.Namespace) -> None:
    async with AsyncExitStack() as stack:
        if args.emulator:
            from ollm_actors.emulator import EmulatorState, run_emulator
            from ollm_actors.testing import hermetic_settings

            emu = await stack.enter_async_context(run_emulator(EmulatorState.default()))
            cache = stack.enter_context(tempfile.TemporaryDirectory())
            settings = hermetic_settings([emu.url], cache)
        else:
            settings = load_settings()
        await run_agent(settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    parser.add_argument("--emulator", action="store_true", help="use the bundled emulator")
    args = parser.parse_args(argv)
    anyio.run(main_async, args, backend=args.backend)


if __name__ == "__main__":
    main(sys.argv[1:])
