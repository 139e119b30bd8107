"""``rt.limits.memory()`` / ``max_context()``: the memory rule fed with what the inventory
knows — ``/api/show`` facts and the file size per digest, the hosts' capacity from settings,
and what ``/api/ps`` says is loaded (to learn a correction).

Self-correction. When a model is seen loaded (``/api/ps``: ``size``, ``context_length``),
the ratio observed / estimated at that context is kept per (digest, server version) and
multiplies later estimates of the same digest on a server of that version. The ratios live
in a :class:`CorrectionBook` the runtime owns (one per runtime, no global state).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import msgspec

from ollm_actors.config.model import Settings
from ollm_actors.errors import MemoryUnknown, OllmError
from ollm_actors.inventory.types import LoadedModel, ModelDetails
from ollm_actors.vocab.memory import (
    KV_TYPES,
    KvType,
    MemoryEstimate,
    MemoryFacts,
    estimate_memory,
    facts_from_model_info,
)
from ollm_actors.vocab.memory_fit import HostCapacity, Placement, max_context, place
from ollm_actors.vocab.modelfile import SERVER_DEFAULT_NUM_CTX
from ollm_actors.vocab.names import model_key

if TYPE_CHECKING:
    from ollm_actors.inventory.api import InventoryAPI

__all__ = (
    "SERVER_DEFAULT_NUM_CTX",
    "CorrectionBook",
    "HostFit",
    "MemoryService",
    "ModelMemory",
    "effective_num_ctx",
)

#: ``num_ctx`` a server uses when none is sent (Ollama 0.6.6 – 0.15.3; capped at the window)


def effective_num_ctx(
    settings: Settings,
    context_length: int | None,
    requested: int | None = None,
    model_default: int | None = None,
) -> int:
    """THE effective context: the ``num_ctx`` a request would be sent with — ``requested``,
    else ``providers.ollama.options.numCtx`` (both sent as request options, which win in
    Ollama), else the model's own default (its Modelfile's ``PARAMETER num_ctx``), else the
    server's default — capped at the model's window."""
    chosen = (
        requested
        or settings.providers.ollama.options.num_ctx
        or model_default
        or SERVER_DEFAULT_NUM_CTX
    )
    return min(chosen, context_length) if context_length else chosen


class CorrectionBook:
    """Observed / estimated ratios by (digest, server version), learned from ``/api/ps``."""

    def __init__(self) -> None:
        self._ratios: dict[tuple[str, str | None], tuple[float, int, int]] = {}

    def learn(self, digest: str, version: str | None, observed: int, estimated: int) -> float:
        """Keep observed / estimated for the pair; returns the ratio."""
        ratio = observed / estimated
        self._ratios[digest, version] = (ratio, observed, estimated)
        return ratio

    def ratio(self, digest: str, version: str | None) -> tuple[float, int, int] | None:
        """(ratio, observed bytes, estimated bytes) last learned for the pair, or None."""
        return self._ratios.get((digest, version))


class HostFit(msgspec.Struct, frozen=True, kw_only=True):
    """The estimate on one host of known (or given) capacity: ``fits`` whole in ``vram``
    (None: capacity unknown), the ``cpu_share`` that would spill, the largest
    ``max_context`` that fits, and ``free`` (capacity less what is loaded) when known."""

    host: str
    vram: int | None
    fits: bool | None
    cpu_share: float | None
    max_context: int | None
    free: int | None = None


class ModelMemory(msgspec.Struct, frozen=True, kw_only=True):
    """``rt.limits.memory()``: the estimate (``estimate``: weights, KV cache, graph, overhead,
    total) of ``model`` on ``host``, the fit on every host of known capacity, and, when the
    model was seen loaded, what ``/api/ps`` ``observed`` (bytes) at ``observed_context``."""

    model: str
    host: str
    digest: str
    estimate: MemoryEstimate
    hosts: tuple[HostFit, ...]
    observed: int | None = None
    observed_context: int | None = None


_At = Callable[[int], MemoryEstimate]


class MemoryService:
    """Gathers the facts (inventory, settings) and applies the pure memory rule."""

    def __init__(self, settings: Settings, inventory: InventoryAPI, book: CorrectionBook) -> None:
        self._settings = settings
        self._inventory = inventory
        self._book = book

    def capacity(self, host: str) -> HostCapacity:
        """The settings' capacity of ``host`` (all unknown when it is given as a string)."""
        return self._settings.capacities().get(host, HostCapacity())

    async def facts(self, name: str, host: str | None) -> tuple[ModelDetails, MemoryFacts]:
        """The show details and memory facts of ``name`` (on ``host``, else the host that has
        it). Raises what ``show_model`` raises, and ``MemoryUnknown``."""
        details = await self._inventory.show_model(name, host)
        size = 0
        key = model_key(details.name)
        for model in await self._inventory.list_models(details.host):
            if model_key(model.name) == key:
                size = model.size
        facts = facts_from_model_info(
            details.model_info, size=size, tensors=details.tensors, family=details.family
        )
        if facts is None:
            raise MemoryUnknown(
                details.name, details.host,
                "the server sent no block_count / embedding_length / head_count, or no size",
            )
        return details, facts

    async def _version(self, host: str) -> str | None:
        for status in await self._inventory.hosts_status():
            if status.url == host:
                return status.version
        return None

    async def _loaded(self, host: str | None = None) -> list[LoadedModel]:
        try:
            return await self._inventory.list_loaded(host)
        except OllmError:  # HostUnreachable among them: nothing is known to be loaded
            return []

    async def memory(
        self,
        name: str,
        *,
        num_ctx: int | None = None,
        parallel: int | None = None,
        kv_type: str | None = None,
        host: str | None = None,
        vram: int | None = None,
    ) -> ModelMemory:
        """See :meth:`ollm_actors.limits.api.LimitsAPI.memory`."""
        details, facts = await self.facts(name, host)
        where = details.host
        capacity = self.capacity(where)
        slots = parallel or capacity.num_parallel or 1
        kind = kv_type or capacity.kv_cache_type or "f16"
        if kind not in KV_TYPES:
            raise ValueError(f"kv_type must be one of {', '.join(KV_TYPES)}, got {kind!r}")
        kv: KvType = kind
        flash = capacity.flash_attention
        ctx = effective_num_ctx(
            self._settings, facts.context_length, num_ctx, details.default_num_ctx
        )
        version = await self._version(where)
        loaded = await self._loaded()
        observed: LoadedModel | None = None
        for entry in loaded:
            if entry.digest == details.digest and entry.host == where and entry.context_length:
                observed = entry
                raw = estimate_memory(
                    facts, num_ctx=entry.context_length, parallel=slots, kv_type=kv,
                    flash_attention=flash,
                ).raw_total
                self._book.learn(details.digest, version, entry.size, raw)
        learned = self._book.ratio(details.digest, version)
        correction = learned[0] if learned else 1.0

        def at(n: int) -> MemoryEstimate:
            return estimate_memory(
                facts, model=details.name, num_ctx=n, parallel=slots, kv_type=kv,
                flash_attention=flash, correction=correction,
            )

        estimate = at(ctx)
        ceiling = facts.context_length or ctx
        fits = [self._fit(h, estimate, at, ceiling, loaded) for h in self._settings.hosts()]
        fits = [f for f in fits if f.vram is not None]
        if vram is not None:
            fits.insert(0, _fit_on("--vram", vram, estimate, at, ceiling))
        return ModelMemory(
            model=details.name,
            host=where,
            digest=details.digest,
            estimate=estimate,
            hosts=tuple(fits),
            observed=observed.size if observed else (learned[1] if learned else None),
            observed_context=observed.context_length if observed else None,
        )

    def _fit(
        self,
        host: str,
        estimate: MemoryEstimate,
        at: _At,
        ceiling: int,
        loaded: Sequence[LoadedModel],
    ) -> HostFit:
        vram = self.capacity(host).vram
        if vram is None:
            return HostFit(host=host, vram=None, fits=None, cpu_share=None, max_context=None)
        used = sum(m.size_vram for m in loaded if m.host == host and m.name != estimate.model)
        fit = _fit_on(host, vram, estimate, at, ceiling)
        return msgspec.structs.replace(fit, free=max(vram - used, 0))


def _fit_on(
    host: str, vram: int, estimate: MemoryEstimate, at: _At, ceiling: int
) -> HostFit:
    placed: Placement = place(estimate, vram)
    best = max_context(at, vram, ceiling)
    return HostFit(
        host=host, vram=vram, fits=placed.fits, cpu_share=placed.cpu_share, max_context=best
    )
