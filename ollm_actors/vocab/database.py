"""The model database: entries loaded from JSON, validated, and matched by name.

The built-in database is ``models.json`` beside this module: ``{"version": 1, "models":
[ModelEntry, ...]}`` with the seed's camelCase keys. Every entry's ``source`` says where its
numbers come from. ``contextWindow`` is the window Ollama serves the model with (the GGUF
``<arch>.context_length`` shown by ``/api/show``), which can differ from a model card (e.g.
nomic-embed-text: card 8192, Ollama 2048). Where a card states no output limit,
``maxOutputTokens`` follows a project convention: half the window, at most 8192; embedding
models omit it (they generate no text).

Lookups match a name's normalised ``model:tag`` against the entries' glob patterns and return
the most specific match (the order is written down in :mod:`ollm_actors.vocab.patterns`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from importlib import resources

import msgspec

from ollm_actors.errors import LimitsDataError
from ollm_actors.vocab.builtin_profiles import BUILTIN_PROFILES
from ollm_actors.vocab.entries import ModelEntry
from ollm_actors.vocab.fit import misfit, need_for
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.patterns import PatternIndex, compile_pattern

__all__ = (
    "BUILTIN_DATABASE_FILE",
    "DatabaseFile",
    "DatabaseSource",
    "ModelDatabase",
    "OnFirstUse",
    "load_builtin_database",
    "validate_entries",
)

BUILTIN_DATABASE_FILE = "models.json"
_CACHE_SIZE = 16384
_PATTERN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-.:*?[]!")


class DatabaseFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The JSON document of a model database."""

    version: int
    models: tuple[ModelEntry, ...]


def _entry_problems(index: int, entry: ModelEntry) -> list[str]:
    where = f"models[{index}] ({entry.pattern!r})"
    problems: list[str] = []
    text = entry.pattern.strip().lower()
    if not text:
        return [f"{where}: pattern is empty"]
    bad = sorted(set(text) - _PATTERN_CHARS)
    if bad:
        problems.append(f"{where}: pattern has characters a model name cannot have: {bad}")
    try:
        compile_pattern(text)
    except LimitsDataError as exc:
        problems.extend(f"{where}: {p}" for p in exc.problems)
    if not entry.family.strip():
        problems.append(f"{where}: family is empty")
    if entry.contextWindow <= 0:
        problems.append(f"{where}: contextWindow must be positive, got {entry.contextWindow}")
    if entry.maxOutputTokens is not None:
        if entry.maxOutputTokens <= 0:
            problems.append(
                f"{where}: maxOutputTokens must be positive, got {entry.maxOutputTokens}"
            )
        elif entry.maxOutputTokens > entry.contextWindow:
            problems.append(
                f"{where}: maxOutputTokens {entry.maxOutputTokens} exceeds "
                f"contextWindow {entry.contextWindow}"
            )
    if not (entry.source or "").strip():
        problems.append(f"{where}: source is missing (say where the numbers come from)")
    capabilities = entry.capabilities.to_capabilities().names()
    for name in entry.profiles:
        profile = BUILTIN_PROFILES.get(name)
        if profile is None:
            known = ", ".join(sorted(BUILTIN_PROFILES))
            problems.append(f"{where}: unknown profile {name!r} (known: {known})")
            continue
        need = need_for(name, profile)
        why = misfit(capabilities, entry.contextWindow, need)
        if why is None:
            continue
        if why.kind == "window":
            problems.append(
                f"{where}: profile {name!r} needs a window of {need.min_window}, "
                f"the entry has {entry.contextWindow}"
            )
        elif why.kind == "capability":
            missing = sorted(need.required_set - capabilities)
            problems.append(f"{where}: profile {name!r} needs capabilities {missing}")
        else:
            problems.append(f"{where}: profile {name!r} does not fit: the model {why.text}")
    return problems


def validate_entries(entries: Sequence[ModelEntry], *, source: str) -> None:
    """Check every entry; raise :class:`LimitsDataError` listing all problems found.

    Rules: a non-empty glob pattern made of name characters and glob syntax, unique across
    the database (case-insensitively); a family; ``contextWindow`` > 0; ``maxOutputTokens``
    absent or in ``1..contextWindow``; a ``source``; profiles that exist in
    :data:`~ollm_actors.vocab.builtin_profiles.BUILTIN_PROFILES` and whose minimum window and
    required capabilities the entry meets.
    """
    problems: list[str] = []
    first_at: dict[str, int] = {}
    for index, entry in enumerate(entries):
        problems.extend(_entry_problems(index, entry))
        key = entry.pattern.strip().lower()
        if key in first_at:
            problems.append(
                f"models[{index}]: pattern {entry.pattern!r} repeats models[{first_at[key]}]"
            )
        else:
            first_at[key] = index
    if problems:
        raise LimitsDataError(source=source, problems=problems)


class ModelDatabase:
    """Validated model entries with a compiled matcher and a lookup cache.

    Immutable after construction; safe to share between actors (lookups only read, and the
    cache is an ``lru_cache``).
    """

    __slots__ = ("_by_name", "_cached", "_index", "entries", "source")

    def __init__(self, entries: Sequence[ModelEntry], *, source: str) -> None:
        """Validate ``entries`` and compile their patterns.

        Raises :class:`LimitsDataError` naming ``source`` and every invalid entry.
        """
        validate_entries(entries, source=source)
        self.entries: tuple[ModelEntry, ...] = tuple(entries)
        self.source = source
        self._index = PatternIndex(e.pattern for e in self.entries)
        self._cached: functools._lru_cache_wrapper[ModelEntry | None] = functools.lru_cache(
            maxsize=_CACHE_SIZE
        )(self._match_uncached)
        # Raw names are cached too: normalising costs more than a cached match.
        self._by_name: functools._lru_cache_wrapper[ModelEntry | None] = functools.lru_cache(
            maxsize=_CACHE_SIZE
        )(self._match_name)

    @classmethod
    def from_json(cls, data: bytes | str, *, source: str) -> ModelDatabase:
        """Decode and validate a database document.

        Raises :class:`LimitsDataError` when the JSON is malformed, has unknown keys or wrong
        types, or an entry breaks a rule of :func:`validate_entries`.
        """
        try:
            document = msgspec.json.decode(data, type=DatabaseFile)
        except msgspec.DecodeError as exc:
            raise LimitsDataError(source=source, problems=(str(exc),)) from exc
        if document.version != 1:
            raise LimitsDataError(
                source=source, problems=(f"version {document.version} is not supported (1 is)",)
            )
        return cls(document.models, source=source)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.entries)

    def _match_uncached(self, short: str) -> ModelEntry | None:
        position = self._index.best(short)
        return None if position is None else self.entries[position]

    def _match_name(self, name: str) -> ModelEntry | None:
        return self._cached(parse_model_name(name).short)

    def match_normalised(self, short: str) -> ModelEntry | None:
        """The most specific entry for a normalised ``model:tag`` (lower-case), or None.

        Cached by ``short``; never raises.
        """
        return self._cached(short)

    def match(self, name: str) -> ModelEntry | None:
        """The most specific entry for any Ollama model name, or None when nothing matches.

        The name is normalised first (registry and namespace dropped, tag ``latest`` by
        default, lower-cased), so ``hf.co/someone/llama3.1:8b`` matches like ``llama3.1:8b``.
        Raises :class:`~ollm_actors.errors.InvalidModelName` for a name Ollama would reject.
        """
        return self._by_name(name)

    def matches(self, name: str) -> list[ModelEntry]:
        """Every entry matching ``name``, most specific first (for ``ollm limits -v``)."""
        short = parse_model_name(name).short
        return [self.entries[p] for p in self._index.all_matches(short)]

    def cache_clear(self) -> None:
        """Empty the lookup caches (benchmarks measure cold lookups with it)."""
        self._by_name.cache_clear()
        self._cached.cache_clear()


def load_builtin_database() -> ModelDatabase:
    """The database shipped with the package, read and validated anew on each call: a
    runtime reads it once and hands it to the actors that use it.

    Raises :class:`LimitsDataError` if the packaged file is invalid (a packaging bug).
    """
    data = resources.files("ollm_actors.vocab").joinpath(BUILTIN_DATABASE_FILE).read_bytes()
    return ModelDatabase.from_json(data, source=f"ollm_actors/vocab/{BUILTIN_DATABASE_FILE}")


#: how an actor gets the model database: called when the database is first needed
DatabaseSource = Callable[[], ModelDatabase]


class OnFirstUse:
    """The built-in database, read on the first call and kept by this object (one per
    runtime), so that a runtime whose commands never need it never reads it."""

    __slots__ = ("_database",)

    def __init__(self) -> None:
        self._database: ModelDatabase | None = None

    def __call__(self) -> ModelDatabase:
        if self._database is None:
            self._database = load_builtin_database()
        return self._database
