"""Building the router's :class:`Candidate` values from what the other actors know.

Pure and synchronous: the router actor gathers the inventory's snapshot, the loaded models
and each model's resolved limits, and these functions turn them into candidates. The model
database also yields *catalog* candidates (models that are not installed) so that a
``NoModelAvailable`` can say what would fit if pulled.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

import msgspec

from ollm_actors.inventory.types import InventorySnapshot, LoadedModel, ModelInfo
from ollm_actors.limits.resolve import ModelLimits
from ollm_actors.routing.candidate import Candidate, CandidateMemory
from ollm_actors.vocab.database import ModelDatabase
from ollm_actors.vocab.entries import ModelEntry
from ollm_actors.vocab.memory import KV_TYPES, KvType
from ollm_actors.vocab.memory_fit import HostCapacity
from ollm_actors.vocab.names import model_key, parse_model_name
from ollm_actors.vocab.pattern_names import pattern_name

__all__ = (
    "build_candidates",
    "candidate_from",
    "candidate_from_limits",
    "candidate_memory",
    "catalog_candidates",
    "skipped_hosts",
)


def candidate_from(
    info: ModelInfo,
    limits: ModelLimits,
    *,
    online: bool,
    loaded: bool,
    degraded: bool = False,
    latency_ms: float | None = None,
    memory: CandidateMemory | None = None,
) -> Candidate:
    """One installed model as the router sees it.

    Identity and size facts (name, host, parameter size, quantization, bytes) come from the
    inventory's ``info``; the routing family, window, max output, capabilities and profiles
    from the resolved ``limits``. ``stale`` is the inventory's flag for an entry the host did
    not confirm lately; ``online`` whether its host answers now.
    """
    return Candidate(
        name=info.name,
        host=info.host,
        family=limits.family,
        parameter_size=info.parameter_size,
        quantization=info.quantization,
        size=info.size,
        context_window=limits.context_window,
        max_output_tokens=limits.max_output_tokens,
        capabilities=limits.capabilities.names(),
        profiles=limits.profiles,
        loaded=loaded,
        stale=info.stale,
        online=online,
        degraded=degraded,
        latency_ms=latency_ms,
        memory=memory,
    )


def candidate_memory(
    info: ModelInfo, limits: ModelLimits, capacity: HostCapacity | None, used: int
) -> CandidateMemory | None:
    """What the memory rule needs of ``info`` on its host: None unless the host's ``vram``
    is known (``capacity``) and the server's facts (``limits.memory``, weighed by the tags'
    file size when it sent no tensor list) can size the model. ``used`` is the VRAM other
    models hold there (0 when evicting is allowed)."""
    facts = limits.memory
    if capacity is None or capacity.vram is None or facts is None:
        return None
    if facts.tensors is None:
        if info.size <= 0:
            return None
        facts = msgspec.structs.replace(facts, size=info.size)
    kv: KvType = "f16"
    for known in KV_TYPES:
        if capacity.kv_cache_type == known:
            kv = known
    return CandidateMemory(
        digest=limits.digest or info.digest,
        facts=facts,
        vram=capacity.vram,
        free=max(capacity.vram - used, 0),
        parallel=capacity.num_parallel or 1,
        kv_type=kv,
        flash_attention=capacity.flash_attention,
    )


def candidate_from_limits(limits: ModelLimits, host: str = "") -> Candidate:
    """A model known only by its resolved ``limits`` (not installed, or its host unknown):
    enough to check the hard filters of a profile, not to rank it."""
    return Candidate(
        name=limits.model,
        host=host,
        family=limits.family,
        context_window=limits.context_window,
        max_output_tokens=limits.max_output_tokens,
        capabilities=limits.capabilities.names(),
        profiles=limits.profiles,
        online=False,
    )


def build_candidates(
    snapshot: InventorySnapshot,
    limits: Mapping[tuple[str, str], ModelLimits],
    loaded: Iterable[LoadedModel] = (),
    capacities: Mapping[str, HostCapacity] | None = None,
    evict: bool = False,
) -> list[Candidate]:
    """Every model of ``snapshot`` that has resolved ``limits`` (keyed by ``(host, name)``),
    as candidates, in the snapshot's order.

    A host's ``online`` status comes from the snapshot's host list (a host missing there
    counts as online unless its entries are stale). A model is ``loaded`` when a non-stale
    entry of ``loaded`` names it on the same host (names compared normalised, so
    ``llama3.1`` and ``llama3.1:latest`` are one model). A host's health (degraded, probe
    latency) comes from its status. Models without limits are skipped (the router cannot
    judge them), and so are the models of :func:`skipped_hosts`.

    With ``capacities`` (the settings' per-host capacity), a model on a host of known
    ``vram`` carries its :func:`candidate_memory`: free VRAM is the capacity less the
    ``size_vram`` of the other models loaded there, or all of it when ``evict``.
    """
    online = {status.url: status.online for status in snapshot.hosts}
    health = {status.url: status for status in snapshot.hosts}
    skipped = skipped_hosts(snapshot)
    current = [item for item in loaded if not item.stale]
    in_memory = {(item.host, model_key(item.name)) for item in current}
    holding: dict[str, list[tuple[str, int]]] = {}
    for item in current:
        holding.setdefault(item.host, []).append((model_key(item.name), item.size_vram))
    capacities = capacities or {}
    out: list[Candidate] = []
    for info in snapshot.models:
        resolved = limits.get((info.host, info.name))
        if resolved is None or info.host in skipped:
            continue
        status = health.get(info.host)
        out.append(
            candidate_from(
                info,
                resolved,
                online=online.get(info.host, not info.stale),
                loaded=(info.host, model_key(info.name)) in in_memory,
                degraded=status is not None and status.state == "degraded",
                latency_ms=None if status is None else status.latency_ms,
                memory=_memory_of(info, resolved, capacities, holding, evict),
            )
        )
    return out


def _memory_of(
    info: ModelInfo,
    limits: ModelLimits,
    capacities: Mapping[str, HostCapacity],
    holding: Mapping[str, list[tuple[str, int]]],
    evict: bool,
) -> CandidateMemory | None:
    capacity = capacities.get(info.host)
    if capacity is None or capacity.vram is None:
        return None
    key = model_key(info.name)
    # The model's own copy, if loaded, makes room when it is reloaded at another context.
    used = 0 if evict else sum(v for k, v in holding.get(info.host, ()) if k != key)
    return candidate_memory(info, limits, capacity, used)


def skipped_hosts(snapshot: InventorySnapshot) -> dict[str, str]:
    """The hosts of ``snapshot`` the router skips, each with why: those in a cooldown
    (``routing.cooldown``), whose models are no candidates at all until it ends."""
    return {
        status.url: (
            f"in cooldown until {status.cooldown_until} after repeated failures"
            + (f" (last: {status.cooldown_reason})" if status.cooldown_reason else "")
        )
        for status in snapshot.hosts
        if status.cooldown_until is not None
    }


def _covers_a_line(pattern: str, bases: Collection[str]) -> bool:
    """True for a catch-all such as ``llama*`` whose stem other database names extend with a
    letter or digit (``llama2``, ``llama3.1``): it stands for a whole line of models, so its
    facts are the line's defaults, not those of the one model its stem names."""
    stem = pattern[:-1]
    if not pattern.endswith("*") or ":" in stem or any(c in stem for c in "*?["):
        return False
    return any(
        other != stem and other.startswith(stem) and other[len(stem)].isalnum()
        for other in bases
    )


def _catalog_candidate(name: str, entry: ModelEntry) -> Candidate:
    capabilities = entry.capabilities.to_capabilities()
    output = entry.maxOutputTokens
    if output is None:
        output = entry.contextWindow if capabilities.completion else 0
    return Candidate(
        name=name,
        host="",
        family=entry.family,
        context_window=entry.contextWindow,
        max_output_tokens=output,
        capabilities=capabilities.names(),
        profiles=entry.profiles,
        online=False,
    )


def catalog_candidates(database: ModelDatabase) -> list[Candidate]:
    """One candidate per pullable model the database describes (host empty, not online),
    for the "would fit if pulled" suggestions of ``NoModelAvailable``.

    Each entry's name is the one its pattern spells
    (:func:`~ollm_actors.vocab.pattern_names.pattern_name`), in Ollama's display form. One
    candidate per model, whatever its tags (``llama4*`` and ``llama4:scout*`` give one), so
    that five suggestions name five models; the first entry that spells a model wins.
    Entries that spell no name, and catch-alls that cover a whole line of models
    (``llama*`` beside ``llama2*``), are skipped.
    """
    entries = list(database)
    names = [pattern_name(entry.pattern) for entry in entries]
    bases = {name.split(":", 1)[0] for name in names if name is not None}
    seen: set[str] = set()
    out: list[Candidate] = []
    for entry, name in zip(entries, names, strict=True):
        if name is None or _covers_a_line(entry.pattern, bases):
            continue
        parsed = parse_model_name(name)
        # The key without its tag: host, namespace and model.
        model = parsed.key.rsplit(":", 1)[0]
        if model in seen:
            continue
        seen.add(model)
        out.append(_catalog_candidate(parsed.display, entry))
    return out
