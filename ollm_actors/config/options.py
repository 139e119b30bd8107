"""The one table of flat environment variables and CLI flags and the settings paths they set.

This is the seed's ``optionsMapper``: the loader reads :data:`ENV_VARS` to build the
environment layer and the CLI reads :data:`FLAGS` (through :func:`flags_to_overrides`) to
build the flag layer, so a variable or flag is spelt in exactly one place. Paths are dotted
camelCase paths of ``settings.schema.json``; the type a text value converts to comes from the
schema at that path, not from this table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

__all__ = (
    "CONFIG_ENV",
    "ENV_VARS",
    "FLAGS",
    "NESTED_ENV_PREFIX",
    "EnvVar",
    "Flag",
    "flag_source",
    "flags_to_overrides",
)

#: names the user settings file (below the project file and the environment)
CONFIG_ENV = "OLLM_CONFIG"

#: prefix of nested settings in the environment, dynaconf's ``__`` form:
#: ``OLLM_SET__options__topP=0.5`` sets ``options.topP``. Its own prefix, so that no flat
#: ``OLLM_*`` variable can ever be read as a whole section.
NESTED_ENV_PREFIX = "OLLM_SET__"


class EnvVar(msgspec.Struct, frozen=True, kw_only=True):
    """A flat environment variable. ``fallback_for`` names a variable this one yields to."""

    name: str
    path: str
    help: str
    fallback_for: str | None = None
    #: more (path, text) pairs a set variable implies (OLLM_STATE_URL: backend valkey)
    implies: tuple[tuple[str, str], ...] = ()


class Flag(msgspec.Struct, frozen=True, kw_only=True):
    """A CLI flag: ``paths[0]`` takes the (first) value; with ``repeatable``, ``paths[1]``
    takes the list of all values."""

    flag: str
    paths: tuple[str, ...]
    help: str
    repeatable: bool = False

    @property
    def param(self) -> str:
        """The flag as a Python parameter name (``--max-tokens`` -> ``max_tokens``)."""
        return self.flag.lstrip("-").replace("-", "_")


ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar(name="OLLM_MODEL", path="model.default", help="default model"),
    EnvVar(name="OLLM_PROVIDER", path="provider", help="model provider (ollama)"),
    EnvVar(
        name="OLLM_HOST",
        path="providers.ollama.host",
        help="Ollama server, read as Ollama reads OLLAMA_HOST (gpu-box, :11500, https://h/p)",
    ),
    EnvVar(
        name="OLLAMA_HOST",
        path="providers.ollama.host",
        help="Ollama's own variable, used when OLLM_HOST is not set",
        fallback_for="OLLM_HOST",
    ),
    EnvVar(
        name="OLLM_HOSTS",
        path="providers.ollama.hosts",
        help="several Ollama servers, comma-separated (a:11434,:11500)",
    ),
    EnvVar(
        name="OLLM_STATE_URL",
        path="state.url",
        help="Valkey/Redis server shared by runtimes (redis://host:6379/0); backend valkey",
        implies=(("state.backend", "valkey"),),
    ),
    EnvVar(name="OLLM_TEMPERATURE", path="options.temperature", help="generation temperature"),
    EnvVar(name="OLLM_MAX_TOKENS", path="options.maxTokens", help="max output tokens"),
    EnvVar(
        name="OLLM_CONTEXT_SIZE",
        path="providers.ollama.options.numCtx",
        help="context window to request",
    ),
    EnvVar(name="OLLM_CACHE_DIR", path="cache.dir", help="inventory cache directory"),
)

FLAGS: tuple[Flag, ...] = (
    Flag(flag="--model", paths=("model.default",), help="Default model."),
    Flag(
        flag="--profile",
        paths=("model.routing.defaultProfile",),
        help="Routing profile used when a task type names none.",
    ),
    Flag(flag="--temperature", paths=("options.temperature",), help="Temperature (0-2)."),
    Flag(flag="--max-tokens", paths=("options.maxTokens",), help="Max output tokens."),
    Flag(flag="--top-p", paths=("options.topP",), help="Nucleus sampling top_p (0-1)."),
    Flag(flag="--provider", paths=("provider",), help="Model provider (ollama)."),
    Flag(
        flag="--context-size",
        paths=("providers.ollama.options.numCtx",),
        help="Context window to request.",
    ),
    Flag(
        flag="--host",
        paths=("providers.ollama.host", "providers.ollama.hosts"),
        help="Ollama server (gpu-box, :11500, https://h/p); repeat for several servers.",
        repeatable=True,
    ),
)

_FLAGS_BY_PARAM: dict[str, Flag] = {f.param: f for f in FLAGS}


def flag_source(flag: str) -> str:
    """The source label of a value set by ``flag`` (``flag:--temperature``)."""
    return f"flag:{flag}"


def flags_to_overrides(values: Mapping[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """Turn parsed CLI flag values into settings overrides and their source labels.

    ``values`` is keyed by parameter name (``max_tokens``) or flag (``--max-tokens``), as
    typer hands them over. A value of ``None`` (or an empty list for ``--host``) means the
    flag was not given and is skipped; keys that are not settings flags (``json``,
    ``verbose`` ...) are ignored. Values are passed through unconverted: ``load_settings``
    converts text to the schema's type and reports bad values with the flag as their source.
    Returns ``(overrides, sources)``, both keyed by dotted path.
    """
    overrides: dict[str, object] = {}
    sources: dict[str, str] = {}
    for key, value in values.items():
        spec = _FLAGS_BY_PARAM.get(key.lstrip("-").replace("-", "_"))
        if spec is None or value is None:
            continue
        label = flag_source(spec.flag)
        if spec.repeatable:
            items = (
                [value]
                if isinstance(value, str) or not isinstance(value, Sequence)
                else list(value)
            )
            if not items:
                continue
            overrides[spec.paths[0]] = items[0]
            overrides[spec.paths[1]] = items
            sources[spec.paths[0]] = sources[spec.paths[1]] = label
        else:
            overrides[spec.paths[0]] = value
            sources[spec.paths[0]] = label
    return overrides, sources
