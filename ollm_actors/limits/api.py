"""``LimitsAPI`` (``rt.limits``): resolved limits of models and token budgets for requests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio

from ollm_actors.actors.ref import ActorRef
from ollm_actors.config.model import Settings
from ollm_actors.errors import OllmError
from ollm_actors.inventory.types import ModelInfo
from ollm_actors.limits.budget import TokenBudget, compute_budget, compute_budget_for_prompt
from ollm_actors.limits.messages import LookupLimits
from ollm_actors.limits.resolve import ModelLimits
from ollm_actors.ollama.pool import HostPool

if TYPE_CHECKING:
    from ollm_actors.inventory.api import InventoryAPI
    from ollm_actors.limits.memory_api import CorrectionBook, ModelMemory

__all__ = ("LimitsAPI", "Progress")

#: ``progress(done, total)``: lookups answered so far, of how many
Progress = Callable[[int, int], object]


class LimitsAPI:
    """Limits lookups and budgets, answered by the limits actor."""

    def __init__(
        self,
        ref: ActorRef[Any],
        settings: Settings,
        hosts: HostPool | None = None,
        inventory: InventoryAPI | None = None,
        corrections: CorrectionBook | None = None,
    ) -> None:
        """``settings`` gives the budget's ``options.maxTokens`` and
        ``providers.ollama.options.numCtx``; with ``hosts``, a ``host`` the settings do not
        name is attached for the call; ``inventory`` supplies the facts of :meth:`memory`
        and ``corrections`` keeps what it learns from ``/api/ps``."""
        self._inventory = inventory
        self._corrections = corrections
        self._ref = ref
        self._hosts = hosts
        self._settings = settings
        self._max_tokens = settings.options.max_tokens
        self._num_ctx = settings.providers.ollama.options.num_ctx

    async def lookup(self, name: str, host: str | None = None) -> ModelLimits:
        """The limits of ``name``: override > server facts > database > family > default.

        Server facts come from ``host`` (any host string; else the first host that has the
        model), or from the inventory's cache when the host is offline: the same name may be
        a different model on each host, with its own window and capabilities. ``source`` /
        ``sources`` say where each value came from. Raises ``InvalidModelName``,
        ``InvalidHost``, or ``LimitsDataError`` for an invalid override.
        """
        if host is not None and self._hosts is not None:
            host = await self._hosts.attach(host)
        answer: ModelLimits = await self._ref.ask(LookupLimits(name, host))
        return answer

    async def lookup_many(
        self, names: Iterable[str], host: str | None = None, *, progress: Progress | None = None
    ) -> dict[str, ModelLimits]:
        """:meth:`lookup` for many names (duplicates asked once), keyed by the names as given;
        see :meth:`lookup_installed` for the bound, ``progress`` and cancellation."""
        pairs = [(host, name) for name in dict.fromkeys(names)]
        found = await self._lookup_pairs(pairs, progress)
        return {name: limits for (_, name), limits in found.items()}

    async def lookup_installed(
        self, models: Iterable[ModelInfo], *, progress: Progress | None = None
    ) -> dict[tuple[str, str], ModelLimits]:
        """:meth:`lookup` for installed models, each judged by the facts of its own host
        (one name may be a different model on each), keyed by ``(host, name)``.

        Every host's lookups run together, at most ``providers.ollama.showConcurrency`` at a
        time (each may cost one ``/api/show``: the warm-up of a host with thousands of
        models). ``progress(done, total)`` is called after each answer. A lookup that raises
        an ``OllmError`` is left out. Cancelling cancels every lookup not yet answered and
        starts no more; the facts already fetched stay in the inventory's cache (and a
        request already sent completes into it, bounded by ``timeouts.request``).
        """
        pairs = list(dict.fromkeys((model.host, model.name) for model in models))
        found = await self._lookup_pairs(pairs, progress)
        return {(str(host), name): limits for (host, name), limits in found.items()}

    async def _lookup_pairs(
        self, pairs: Sequence[tuple[str | None, str]], progress: Progress | None
    ) -> dict[tuple[str | None, str], ModelLimits]:
        found: dict[tuple[str | None, str], ModelLimits] = {}
        todo = iter(pairs)
        total, done = len(pairs), 0

        # A bounded pool of workers sharing one iterator, not a task per pair: thousands of
        # models start only ``showConcurrency`` tasks, and a cancelled pool starts no more.
        async def worker() -> None:
            nonlocal done
            for host, name in todo:
                with contextlib.suppress(OllmError):
                    found[host, name] = await self.lookup(name, host)
                done += 1
                if progress is not None:
                    progress(done, total)

        workers = min(self._settings.providers.ollama.show_concurrency, total)
        async with anyio.create_task_group() as tg:
            for _ in range(workers):
                tg.start_soon(worker)
        return found

    def _memory_service(self) -> Any:
        from ollm_actors.errors import ActorUnavailable
        from ollm_actors.limits.memory_api import CorrectionBook, MemoryService

        if self._inventory is None:
            raise ActorUnavailable("inventory", "memory estimates need the inventory")
        if self._corrections is None:
            self._corrections = CorrectionBook()
        return MemoryService(self._settings, self._inventory, self._corrections)

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
        """The memory ``name`` takes loaded with ``num_ctx`` (default: the effective context,
        see :func:`~ollm_actors.limits.memory_api.effective_num_ctx`), ``parallel`` slots and
        a ``kv_type`` (``f16`` | ``q8_0`` | ``q4_0``) cache — the host's settings
        (``numParallel``, ``kvCacheType``) when not given, else 1 and f16 — as a typed
        breakdown (weights, KV cache, graph, overhead, total; bytes), with the fit on every
        host of known capacity (and on ``vram`` bytes when given). A correction learned from
        ``/api/ps`` is applied. Raises ``MemoryUnknown`` when the server's facts cannot size
        it, ``ValueError`` for a bad ``kv_type`` or count, and what :meth:`lookup` raises."""
        if host is not None and self._hosts is not None:
            host = await self._hosts.attach(host)
        service = self._memory_service()
        answer: ModelMemory = await service.memory(
            name, num_ctx=num_ctx, parallel=parallel, kv_type=kv_type, host=host, vram=vram
        )
        return answer

    async def max_context(
        self,
        name: str,
        host: str | None = None,
        *,
        parallel: int | None = None,
        kv_type: str | None = None,
        vram: int | None = None,
    ) -> int | None:
        """The largest ``num_ctx`` (a multiple of 1,024, at most the model's window) at which
        ``name`` fits whole in ``host``'s VRAM (``vram`` bytes when given, else the host's
        ``vram`` setting); None when not even 1,024 fits or the capacity is unknown."""
        memory = await self.memory(
            name, parallel=parallel, kv_type=kv_type, host=host, vram=vram
        )
        wanted = "--vram" if vram is not None else memory.host
        for fit in memory.hosts:
            if fit.host == wanted:
                return fit.max_context
        return None

    async def budget(
        self,
        name: str,
        prompt: int | str | Sequence[Mapping[str, Any]] | None = None,
        *,
        prompt_tokens: int | None = None,
        text: str | None = None,
        messages: Sequence[Mapping[str, Any]] | None = None,
        max_output: int | None = None,
        host: str | None = None,
    ) -> TokenBudget:
        """The token budget of a request to ``name``, with the ``num_ctx``/``num_predict``
        options to send.

        Give the prompt as at most one of: ``prompt`` (a token count, a text or chat
        messages), ``prompt_tokens``, ``text`` or ``messages``; none means an empty prompt.
        ``options.maxTokens`` and ``providers.ollama.options.numCtx`` from the settings apply.
        Raises ``PromptTooLarge`` (model, window, prompt size) when the prompt cannot fit,
        ``ValueError`` when several prompt forms are given or a count is negative, and what
        :meth:`lookup` raises.

        Memory: on a host of known ``vram`` (the model's host, else ``host``) the budget says
        whether the model at the ``num_ctx`` it sends fits whole in the GPU, and if not the
        largest ``num_ctx`` that does and whether the prompt fits in it (``memory_*``
        fields; None when the capacity or the model's memory facts are unknown).
        """
        budget = await self._budget(
            name, (prompt, prompt_tokens, text, messages), max_output, host,
            self._max_tokens, self._num_ctx,
        )
        return await self._memory_check(budget, name, host)

    async def _memory_check(self, budget: TokenBudget, name: str, host: str | None) -> TokenBudget:
        from ollm_actors.limits.budget_memory import with_memory

        known = any(c.vram is not None for c in self._settings.capacities().values())
        if not budget.fits or self._inventory is None or not known:
            return budget
        try:
            memory = await self.memory(name, num_ctx=budget.options.num_ctx, host=host)
        except OllmError:
            return budget  # facts unknown (MemoryUnknown) or the host cannot say: unknown
        for fit in memory.hosts:
            if fit.host == memory.host and fit.vram is not None and fit.fits is not None:
                return with_memory(
                    budget, fit.host, fit.vram, memory.estimate, fits=fit.fits,
                    cpu_share=fit.cpu_share or 0.0, max_context=fit.max_context,
                )
        return budget

    async def request_options(
        self,
        name: str,
        prompt: int | str | Sequence[Mapping[str, Any]] | None = None,
        *,
        prompt_tokens: int | None = None,
        text: str | None = None,
        messages: Sequence[Mapping[str, Any]] | None = None,
        max_output: int | None = None,
        host: str | None = None,
    ) -> dict[str, object]:
        """The ``options`` to send to Ollama for a request to ``name``: the generation
        options (``options`` < ``models.<pattern>.options``, the most specific pattern
        winning < flags) plus the budget's ``num_ctx`` and ``num_predict``.

        A model-specific ``num_ctx`` / ``num_predict`` is what the budget asks for (unless
        ``--context-size`` / ``--max-tokens`` were given). The prompt is given as for
        :meth:`budget`, which raises what this raises.
        """
        from ollm_actors.limits.options import model_options

        chosen = model_options(self._settings, name)
        options = dict(chosen.options)
        sources = self._settings.sources
        configured, num_ctx = self._max_tokens, self._num_ctx
        specific_predict = options.pop("num_predict", None)
        if isinstance(specific_predict, int) and specific_predict > 0 and not sources.get(
            "options.maxTokens", ""
        ).startswith("flag:"):
            configured = specific_predict
        specific_ctx = options.pop("num_ctx", None)
        if isinstance(specific_ctx, int) and not sources.get(
            "providers.ollama.options.numCtx", ""
        ).startswith("flag:"):
            num_ctx = specific_ctx
        budget = await self._budget(
            name, (prompt, prompt_tokens, text, messages), max_output, host, configured, num_ctx
        )
        options.update(budget.options.as_dict())
        return options

    async def _budget(
        self,
        name: str,
        prompts: tuple[int | str | Sequence[Mapping[str, Any]] | None, ...],
        max_output: int | None,
        host: str | None,
        configured: int | None,
        num_ctx: int | None,
    ) -> TokenBudget:
        given = [p for p in prompts if p is not None]
        if len(given) > 1:
            raise ValueError("give the prompt once: prompt, prompt_tokens, text or messages")
        chosen: int | str | Sequence[Mapping[str, Any]] = given[0] if given else 0
        limits = await self.lookup(name, host)
        if isinstance(chosen, int):
            return compute_budget(
                limits,
                prompt_tokens=chosen,
                max_output=max_output,
                configured_max_tokens=configured,
                num_ctx=num_ctx,
            )
        return compute_budget_for_prompt(
            limits,
            chosen,
            max_output=max_output,
            configured_max_tokens=configured,
            num_ctx=num_ctx,
        )
