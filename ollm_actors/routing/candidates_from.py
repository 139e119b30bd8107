"""Building the router's :class:`Candidate` values from what the other actors know.

Pure and synchronous: the router actor gathers the inventory's snapshot, the loaded models
and each model's resolved limits, and these functions turn them into candidates. The model
database also yields *catalog* candidates (models that are not installed) so that a
``NoModelAvailable`` can say what would fit if pulled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from ollm_actors.errors import InvalidModelName
from ollm_actors.inventory.types import InventorySnapshot, LoadedModel, ModelInfo
from ollm_actors.limits.resolve import ModelLimits
from ollm_actors.routing.candidate import Candidate
from ollm_actors.vocab.database import ModelDatabase
from ollm_actors.vocab.entries import ModelEntry
from ollm_actors.vocab.names import model_key, parse_model_name

__all__ = (
    "build_candidates",
    "candidate_from",
    "candidate_from_limits",
    "catalog_candidates",
    "catalog_name",
)

_GLOB = re.compile(r"[*?\[]")


def candidate_from(
    info: ModelInfo, limits: ModelLimits, *, online: bool, loaded: bool
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
) -> list[Candidate]:
    """Every model of ``snapshot`` that has resolved ``limits`` (keyed by ``(host, name)``),
    as candidates, in the snapshot's order.

    A host's ``online`` status comes from the snapshot's host list (a host missing there
    counts as online unless its entries are stale). A model is ``loaded`` when a non-stale
    entry of ``loaded`` names it on the same host (names compared normalised, so
    ``llama3.1`` and ``llama3.1:latest`` are one model). Models without limits are skipped:
    the router cannot judge them.
    """
    online = {status.url: status.online for status in snapshot.hosts}
    in_memory = {(item.host, model_key(item.name)) for item in loaded if not item.stale}
    out: list[Candidate] = []
    for info in snapshot.models:
        resolved = limits.get((info.host, info.name))
        if resolved is None:
            continue
        out.append(
            candidate_from(
                info,
                resolved,
                online=online.get(info.host, not info.stale),
                loaded=(info.host, model_key(info.name)) in in_memory,
            )
        )
    return out


def catalog_name(pattern: str, bases: Sequence[str] = ()) -> str | None:
    """The model name a database ``pattern`` stands for, or None when it names no single
    model one could pull.

    The name is the pattern's literal part: ``qwen2.5-coder*`` → ``qwen2.5-coder``,
    ``llama4:latest`` → itself; a glob inside the tag drops the tag (``phi3:*128k*`` →
    ``phi3``). A catch-all whose literal base is a prefix of other database bases followed by
    a letter or digit (``llama*`` beside ``llama2*``) covers a whole line of models, not one,
    and gives None, as does a literal part Ollama's name grammar rejects. ``bases`` are the
    literal bases of the whole database (see :func:`catalog_candidates`).
    """
    found = _GLOB.search(pattern)
    if found is None:
        literal = pattern
    else:
        literal = pattern[: found.start()]
        if ":" in literal:
            literal = literal.split(":", 1)[0]
        elif pattern[found.start() :] == "*" and any(
            other != literal and other.startswith(literal) and other[len(literal)].isalnum()
            for other in bases
        ):
            return None
    literal = literal.rstrip(":-._/")
    if not literal:
        return None
    try:
        return parse_model_name(literal).display
    except InvalidModelName:
        return None


def _literal_base(pattern: str) -> str:
    found = _GLOB.search(pattern)
    literal = pattern if found is None else pattern[: found.start()]
    return literal.split(":", 1)[0]


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

    The first entry that yields a name wins; entries naming no single model are skipped
    (see :func:`catalog_name`).
    """
    bases = sorted({_literal_base(entry.pattern) for entry in database})
    seen: set[str] = set()
    out: list[Candidate] = []
    for entry in database:
        name = catalog_name(entry.pattern, bases)
        if name is None or model_key(name) in seen:
            continue
        seen.add(model_key(name))
        out.append(_catalog_candidate(name, entry))
    return out
