"""The typed, frozen settings tree that :func:`ollm_actors.config.load_settings` returns.

Attribute names are snake_case; each Struct renames them to the camelCase keys of the YAML
files and the schema (``max_tokens`` <-> ``maxTokens``), so ``msgspec`` converts the merged
document straight into this tree and :meth:`Settings.as_dict` gives the YAML spelling back.
Mappings are :class:`FrozenDict`: a ``dict`` that refuses changes and hashes, so the whole
tree is immutable and hashable.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ollm_actors.config.frozen import FrozenDict
from ollm_actors.config.frozen import Section as _Section
from ollm_actors.vocab.cooldown import CooldownRule
from ollm_actors.vocab.entries import LimitsOverride
from ollm_actors.vocab.memory_fit import HostCapacity
from ollm_actors.vocab.profiles import RoutingProfile

__all__ = (
    "Backoff",
    "CacheSettings",
    "CooldownSettings",
    "DownloadSettings",
    "EventSettings",
    "FrozenDict",
    "GenerationOptions",
    "HealthSettings",
    "HostEntry",
    "InventorySettings",
    "LimitsSettings",
    "ModelRouting",
    "ModelSettings",
    "ModelSpecific",
    "OllamaOptions",
    "OllamaProvider",
    "OllamaRequestOptions",
    "ProviderSettings",
    "RoutingMemorySettings",
    "RoutingSettings",
    "Settings",
    "Timeouts",
    "host_url",
)

class ModelRouting(_Section, frozen=True):
    """``model.routing``: whether routing is on, its default profile, per-profile models."""

    enabled: bool = True
    default_profile: str = "general"
    #: profile name -> model name that always serves it
    overrides: dict[str, str] = msgspec.field(default_factory=FrozenDict)


class ModelSettings(_Section, frozen=True):
    """``model``: the default model (``None``: let the router pick) and routing."""

    default: str | None = None
    routing: ModelRouting = ModelRouting()


class GenerationOptions(_Section, frozen=True):
    """``options``: generation parameters sent with requests (``None``: Ollama's default)."""

    temperature: float = 0.7
    max_tokens: int = 4096
    top_p: float = 0.9
    top_k: int | None = None
    min_p: float | None = None
    repeat_penalty: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] | None = None


class OllamaRequestOptions(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Ollama's own request ``options``, spelt as Ollama spells them (snake_case), for
    ``models.<pattern>.options``; an option left out is not sent."""

    num_ctx: int | None = None
    num_predict: int | None = None
    num_keep: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    typical_p: float | None = None
    repeat_penalty: float | None = None
    repeat_last_n: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] | None = None
    mirostat: int | None = None
    mirostat_tau: float | None = None
    mirostat_eta: float | None = None
    num_batch: int | None = None
    num_gpu: int | None = None
    main_gpu: int | None = None
    num_thread: int | None = None


class ModelSpecific(_Section, frozen=True):
    """``models.<pattern>``: settings for the models a glob pattern matches."""

    options: OllamaRequestOptions = OllamaRequestOptions()


class OllamaOptions(_Section, frozen=True):
    """``providers.ollama.options``: ``num_ctx`` to request (``None``: the model's default)."""

    num_ctx: int | None = None


class Timeouts(_Section, frozen=True):
    """``providers.ollama.timeouts``, in seconds, for every request to every host.

    ``connect`` bounds opening the connection and ``first_byte`` the wait for the answer's
    head once the request is sent: both short, so a dead or hung host fails fast and
    delays no other. ``stall`` bounds the silence between two reads of a streamed answer (a
    pull), ``request`` the whole of an answer that is not streamed (tags, show, ps,
    version, delete), its body included.
    """

    connect: float = 2.5
    first_byte: float = 2.5
    stall: float = 30.0
    request: float = 10.0
    #: the one read timeout of earlier versions, still read so their files load: it is the
    #: stall bound (what it bounded for streams) when given
    read: float | None = None

    @property
    def stream_stall(self) -> float:
        """The stall bound in force: ``read`` (the old name) when a file still sets it."""
        return self.stall if self.read is None else self.read


class BodyLimits(_Section, frozen=True):
    """``providers.ollama.limits.maxBodyBytes``: the largest answer read per endpoint."""

    tags: int = 32 * 1024 * 1024
    show: int = 8 * 1024 * 1024
    ps: int = 8 * 1024 * 1024
    version: int = 64 * 1024
    error: int = 64 * 1024


class WireLimits(_Section, frozen=True):
    """``providers.ollama.limits``: what one answer of a server may cost before it is
    refused (a ``ProtocolError`` naming the bound): body sizes, one pull line, JSON depth."""

    max_body_bytes: BodyLimits = BodyLimits()
    max_line_bytes: int = 1024 * 1024
    max_json_depth: int = 64


class HealthSettings(_Section, frozen=True):
    """``providers.ollama.health``: every ``interval`` seconds the inventory asks each host
    for ``/api/version`` (``0``: only when asked, e.g. by ``ollm hosts``); an answer slower
    than ``slow`` seconds marks the host degraded."""

    interval: float = 30.0
    slow: float = 1.0


class HostEntry(_Section, frozen=True):
    """A mapping entry of ``providers.ollama.hosts``: the host ``url`` and what its GPU can
    hold, for memory fit. ``vram`` is in bytes (a ``"24GB"``/``"24GiB"`` text is turned into
    bytes when settings load); the rest mirror the server's ``OLLAMA_NUM_PARALLEL``,
    ``OLLAMA_KV_CACHE_TYPE`` and ``OLLAMA_FLASH_ATTENTION``. None: unknown, never guessed."""

    url: str
    vram: int | None = None
    num_parallel: int | None = None
    kv_cache_type: str | None = None
    flash_attention: bool | None = None

    def capacity(self) -> HostCapacity:
        """The entry's capacity facts, for the memory rule."""
        return HostCapacity(
            vram=self.vram,
            num_parallel=self.num_parallel,
            kv_cache_type=self.kv_cache_type,
            flash_attention=self.flash_attention,
        )


def host_url(entry: str | HostEntry) -> str:
    """The URL of a ``providers.ollama.hosts`` entry (a string or a :class:`HostEntry`)."""
    return entry if isinstance(entry, str) else entry.url


class OllamaProvider(_Section, frozen=True):
    """``providers.ollama``: server address(es), request options and network timeouts.

    ``host`` and ``hosts`` keep any userinfo and query as written (requests need them);
    ``repr()`` (and so ``repr(settings)``) masks both. A ``hosts`` entry is a host string or a
    :class:`HostEntry` with the host's capacity; :meth:`Settings.hosts` gives the URLs alone.
    """

    host: str = "http://localhost:11434"
    hosts: tuple[str | HostEntry, ...] = ()
    options: OllamaOptions = OllamaOptions()
    timeouts: Timeouts = Timeouts()
    limits: WireLimits = WireLimits()
    health: HealthSettings = HealthSettings()
    #: ``showConcurrency``: /api/show requests in flight at once while model facts are read
    show_concurrency: int = 8

    def __repr__(self) -> str:
        # Settings end up in logs and tracebacks by way of repr; the URLs' secrets must not.
        from ollm_actors.vocab.hosts import redact_url

        hosts = tuple(redact_url(host_url(host)) for host in self.hosts)
        return (
            f"{type(self).__name__}(host={redact_url(self.host)!r}, hosts={hosts!r},"
            f" options={self.options!r}, timeouts={self.timeouts!r}, limits={self.limits!r},"
            f" health={self.health!r})"
        )


class ProviderSettings(_Section, frozen=True):
    """``providers``."""

    ollama: OllamaProvider = OllamaProvider()


class CooldownSettings(_Section, frozen=True):
    """``routing.cooldown``: a host that failed ``failures`` times within ``window`` seconds
    is skipped by the router for ``duration`` seconds, then probed again (``failures: 0``
    turns cooldowns off). See :mod:`ollm_actors.vocab.cooldown`."""

    failures: int = 3
    window: float = 60.0
    duration: float = 30.0

    def rule(self) -> CooldownRule:
        """The same numbers as the cooldown rule's input."""
        return CooldownRule(failures=self.failures, window=self.window, duration=self.duration)


class RoutingMemorySettings(_Section, frozen=True):
    """``routing.memory``: how the router counts a host's free GPU memory. ``evict`` false:
    the host's ``vram`` less what ``/api/ps`` says other models hold; true: all of it
    (Ollama unloads idle models to make room, at the cost of their next load)."""

    evict: bool = False


class RoutingSettings(_Section, frozen=True):
    """``routing``: every profile (built-ins patched by settings), the task-type map, when
    a failing host is skipped and how GPU memory is counted."""

    profiles: dict[str, RoutingProfile] = msgspec.field(default_factory=FrozenDict)
    tasks: dict[str, str] = msgspec.field(default_factory=FrozenDict)
    cooldown: CooldownSettings = CooldownSettings()
    memory: RoutingMemorySettings = RoutingMemorySettings()


class LimitsSettings(_Section, frozen=True):
    """``limits``: user overrides by model-name glob."""

    overrides: dict[str, LimitsOverride] = msgspec.field(default_factory=FrozenDict)


class Backoff(_Section, frozen=True):
    """Capped exponential backoff, in seconds."""

    initial: float = 1.0
    max: float = 60.0


class InventorySettings(_Section, frozen=True):
    """``inventory``: how long a model list stays fresh, and the offline-host probe."""

    ttl: float = 30.0
    probe: Backoff = Backoff()


class DownloadSettings(_Section, frozen=True):
    """``downloads``: concurrent pulls, retries of dropped streams, stall detection."""

    concurrency: int = 2
    retries: int = 5
    backoff: Backoff = Backoff(initial=0.5, max=30.0)
    stall_timeout: float = 60.0
    progress_deadline: float = 300.0
    attempt_timeout: float = 21600.0
    max_layers: int = 1000


class CacheSettings(_Section, frozen=True):
    """``cache``: the inventory cache directory (``None``: the platform cache dir)."""

    dir: str | None = None


class EventSettings(_Section, frozen=True):
    """``events``: events buffered per subscriber."""

    buffer: int = 256


class StateTimeouts(_Section, frozen=True):
    """``state.timeouts``, seconds: past them a call answers from local state."""

    connect: float = 1.0
    call: float = 0.5


class StateSettings(_Section, frozen=True):
    """``state``: where runtimes share snapshots, leases, cooldowns and events
    (``backend: valkey`` at ``url``). See :mod:`ollm_actors.state`."""

    backend: str = "local"
    url: str | None = None
    namespace: str = "ollm"
    staleness: float = 2.0
    lease_ttl: float = 15.0
    stream_length: int = 10_000
    max_value_bytes: int = 8 * 1024 * 1024
    timeouts: StateTimeouts = StateTimeouts()

    def __repr__(self) -> str:
        from ollm_actors.vocab.hosts import redact_url

        return f"StateSettings(backend={self.backend!r}, url={redact_url(self.url or '')!r})"


class Settings(_Section, frozen=True):
    """The effective settings, merged from every source and validated.

    ``sources`` maps each dotted path of :meth:`as_dict` to where its value came from:
    ``default``, ``file:PATH``, ``env:VAR`` or ``flag:--name``.
    """

    provider: str = "ollama"
    model: ModelSettings = ModelSettings()
    options: GenerationOptions = GenerationOptions()
    providers: ProviderSettings = ProviderSettings()
    routing: RoutingSettings = RoutingSettings()
    limits: LimitsSettings = LimitsSettings()
    inventory: InventorySettings = InventorySettings()
    downloads: DownloadSettings = DownloadSettings()
    cache: CacheSettings = CacheSettings()
    events: EventSettings = EventSettings()
    state: StateSettings = StateSettings()
    #: model-name glob -> options for those models (most specific pattern wins)
    models: dict[str, ModelSpecific] = msgspec.field(default_factory=FrozenDict)
    sources: dict[str, str] = msgspec.field(default_factory=FrozenDict)
    #: problems that did not stop the load (a bad env value a flag overrides), for people
    warnings: tuple[str, ...] = ()

    def hosts(self) -> list[str]:
        """The Ollama servers to use: ``providers.ollama.hosts`` if given, else ``[host]``."""
        ollama = self.providers.ollama
        return [host_url(h) for h in ollama.hosts] if ollama.hosts else [ollama.host]

    def capacities(self) -> dict[str, HostCapacity]:
        """The capacity of every host whose ``providers.ollama.hosts`` entry is a mapping,
        by its URL (as :meth:`hosts` gives it); hosts given as strings are not in it."""
        return {h.url: h.capacity() for h in self.providers.ollama.hosts if not isinstance(h, str)}

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain data with the YAML's camelCase keys (without ``sources``).

        Written to a settings file, it loads back to equal settings: profiles appear as
        patches keyed by name, limits overrides without their unset fields.
        """
        # Through JSON so that tuples come back as lists, as YAML and JSON tools expect.
        out: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self))
        del out["sources"], out["warnings"]
        for profile in out["routing"]["profiles"].values():
            del profile["name"]
        out["limits"]["overrides"] = {
            pattern: _drop_none(entry) for pattern, entry in out["limits"]["overrides"].items()
        }
        return out


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _drop_none(value) if isinstance(value, dict) else value
        for key, value in data.items()
        if value is not None
    }


def default_document() -> dict[str, Any]:
    """Every default setting as the YAML document ``config/default.yaml`` spells it
    (camelCase keys, lists, ``None`` for null); a fresh copy on each call."""
    document: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(Settings()))
    del document["sources"], document["warnings"]
    return document
