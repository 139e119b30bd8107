"""The estimate against sizes Ollama reported in its issue tracker (``published.json``): one
place computes each row's error, the test asserts it and the README's table is rendered from
it (``benchmarks/bench_memory_accuracy.py`` prints it), so the three cannot disagree.

Several GPUs: Ollama's scheduler (``estimateGPULayers``) gives every GPU it uses its own
compute graph and its own minimum, so a load over g GPUs reports g - 1 more of each than the
one-GPU estimate; the comparison adds them (``ollm fit`` sizes one GPU).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from ollm_actors.vocab.ggml_sizes import TensorBytes
from ollm_actors.vocab.memory import GPU_MINIMUM, MemoryEstimate, estimate_memory
from ollm_actors.vocab.memory import facts_from_model_info as _facts

__all__ = ("DATA", "TARGETS", "Row", "render_table", "rows")

DATA = Path(__file__).with_name("published.json")
MIB = 1024 * 1024
#: the issue's targets: dense models up to 32k context, and the others (sliding window,
#: vision, MoE, longer contexts)
TARGETS = {"dense": 0.10, "other": 0.25}
DENSE_CONTEXT = 32768


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One published case beside our estimate (bytes; ``error`` = estimate / reported - 1)."""

    model: str
    num_ctx: int
    parallel: int
    kv_type: str
    gpus: int
    kind: str
    reported: int
    reported_as: str
    source: str
    estimate: int
    error: float
    target: float
    within_target: bool

    @property
    def target_class(self) -> str:
        return "dense" if self.target == TARGETS["dense"] else "other"


def _facts_of(entry: dict[str, Any], base: dict[str, Any]) -> Any:
    tensors = None
    weights = base.get("weights_log")
    info = base["model_info"]
    if weights is not None:
        # The thread logged the weights (repeating layers, output layer): the exact path, as if
        # the server had sent its tensor list.
        layers = info[f"{info['general.architecture']}.block_count"]
        per_layer = round(weights["repeating_mib"] * MIB / layers)
        tensors = TensorBytes(
            layers=(per_layer,) * layers, output=round(weights["nonrepeating_mib"] * MIB)
        )
    facts = _facts(info, size=int(base.get("size", 0)), tensors=tensors)
    assert facts is not None, f"{entry['model']}: incomplete facts"
    return facts


def _estimate(entry: dict[str, Any], base: dict[str, Any]) -> MemoryEstimate:
    return estimate_memory(
        _facts_of(entry, base),
        model=entry["model"],
        num_ctx=entry["num_ctx"],
        parallel=entry["parallel"],
        kv_type=entry["kv_type"],
        flash_attention=entry.get("flash_attention"),
    )


def rows(path: Path = DATA) -> list[Row]:
    """Every case of ``published.json`` with our estimate and its error."""
    raw = json.loads(path.read_text())["rows"]
    out: list[Row] = []
    for entry in raw:
        base = raw[entry["same_facts_as"]] if "same_facts_as" in entry else entry
        estimate = _estimate(entry, base)
        extra_gpus = entry["gpus"] - 1
        total = estimate.total + extra_gpus * (estimate.graph + GPU_MINIMUM)
        reported = round(entry["reported_mib"] * MIB)
        dense = entry["kind"] == "dense" and entry["num_ctx"] <= DENSE_CONTEXT
        out.append(
            Row(
                model=entry["model"],
                num_ctx=entry["num_ctx"],
                parallel=entry["parallel"],
                kv_type=entry["kv_type"],
                gpus=entry["gpus"],
                kind=entry["kind"],
                reported=reported,
                reported_as=entry["reported_as"],
                source=entry["source"],
                estimate=total,
                error=total / reported - 1,
                target=TARGETS["dense" if dense else "other"],
                within_target=bool(entry["within_target"]),
            )
        )
    return out


def _gib(size: int) -> str:
    return f"{size / 1024**3:.1f} GiB"


def render_table(table: list[Row] | None = None) -> str:
    """The README's accuracy table (markdown), from :func:`rows`."""
    table = rows() if table is None else table
    lines = [
        "| model | num_ctx | parallel | KV | GPUs | Ollama reported | our estimate | error "
        "| target | source |",
        "|---|---:|---:|---|---:|---|---:|---:|---|---|",
    ]
    for row in table:
        mark = "✓" if row.within_target else "✗"
        number = row.source.rstrip("/").rsplit("/", 1)[-1]
        kind = row.kind if row.num_ctx <= DENSE_CONTEXT else f"{row.kind}, > 32k"
        lines.append(
            f"| {row.model} | {row.num_ctx} | {row.parallel} | {row.kv_type} | {row.gpus} "
            f"| {_gib(row.reported)} ({row.reported_as}) | {_gib(row.estimate)} "
            f"| {row.error:+.1%} | {mark} ±{row.target:.0%} ({kind}) "
            f"| [#{number}]({row.source}) |"
        )
    return "\n".join(lines)
