"""The memory check of a token budget: does the model, loaded at the ``num_ctx`` the budget
sends, fit whole in the GPU of its host (``providers.ollama.hosts[].vram``)? A budget grows
``num_ctx`` to avoid truncation, and the KV cache grows with it; when that would spill to
the CPU (5–20× slower) the budget says so and offers the largest ``num_ctx`` that fits, and
whether the prompt still fits in it. The options are left as they are: cutting the context
would truncate the prompt, which is the worse failure; the caller chooses.
"""

from __future__ import annotations

import msgspec

from ollm_actors.limits.budget import TokenBudget
from ollm_actors.vocab.memory import MemoryEstimate

__all__ = ("with_memory",)


def _gb(size: int) -> str:
    text = f"{size / 1e9:.1f}"
    return text[:-2] if text.endswith(".0") else text


def with_memory(
    budget: TokenBudget,
    host: str,
    vram: int,
    estimate: MemoryEstimate,
    *,
    fits: bool,
    cpu_share: float,
    max_context: int | None,
) -> TokenBudget:
    """``budget`` with the memory check filled in: ``estimate`` is the model at the
    budget's ``num_ctx``, placed on ``host``'s ``vram`` (``fits``, ``cpu_share``), and
    ``max_context`` the largest ``num_ctx`` that fits there (None: not even 1,024)."""
    num_ctx = budget.options.num_ctx
    prompt_fits = max_context is not None and budget.prompt_tokens + 1 <= max_context
    note = None
    if not fits:
        head = (
            f"num_ctx {num_ctx} needs about {_gb(estimate.total)} GB on {host}, more than its "
            f"{_gb(vram)} GB of VRAM: Ollama would put {round(cpu_share * 100)} % of the "
            "model on the CPU (much slower)"
        )
        if max_context is None:
            tail = "not even num_ctx 1024 fits there"
        elif prompt_fits:
            left = max_context - budget.prompt_tokens
            tail = (
                f"the largest num_ctx that fits is {max_context}, which holds the "
                f"{budget.prompt_tokens}-token prompt and {left} tokens of output"
            )
        else:
            tail = (
                f"the largest num_ctx that fits is {max_context}, too small for the "
                f"{budget.prompt_tokens}-token prompt"
            )
        note = f"{head}; {tail}"
    return msgspec.structs.replace(
        budget,
        memory_host=host,
        memory_total=estimate.total,
        memory_fits=fits,
        memory_cpu_share=cpu_share,
        memory_max_context=max_context,
        memory_prompt_fits=prompt_fits,
        memory_note=note,
    )
