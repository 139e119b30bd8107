"""The checks of one layer that the loader runs before the merge: the schema's (raw keys and
all), host strings, ``cache.dir``; a bad value is reported and taken out of the layer, so the
checks that need the merged document (profiles, cycles) still run in the same pass."""

from __future__ import annotations

from typing import Any

from ollm_actors.config.bounds import CacheDirError, expand_cache_dir
from ollm_actors.config.hostcheck import canonical_hosts
from ollm_actors.config.layers import DEFAULT_SOURCE, KeyPath, Layer, dotted
from ollm_actors.config.schema import SettingsSchema
from ollm_actors.config.sources import Problems

__all__ = ("check_layer", "normalise")


def _host_problems(
    layer: Layer, bad_paths: set[tuple[str, ...]], problems: Problems
) -> list[KeyPath]:
    """Check and canonicalise the layer's host strings (:mod:`~ollm_actors.config.hostcheck`);
    the paths of the bad ones, to take out of the layer."""
    failed: list[KeyPath] = []
    canonical_hosts(layer, bad_paths, problems.add, failed)
    return failed


_CACHE_DIR = ("cache", "dir")


def _cache_dir_problems(
    layer: Layer, bad_paths: set[tuple[str, ...]], problems: Problems
) -> list[KeyPath]:
    """Expand a leading ``~`` of ``cache.dir`` in place, or report why it cannot be: here
    the problem can name its source, and the runtime gets a path it can use as is."""
    cache = layer.data.get("cache")
    text = cache.get("dir") if isinstance(cache, dict) else None
    if not isinstance(cache, dict) or not isinstance(text, str):
        return []
    if _CACHE_DIR in bad_paths or ("cache",) in bad_paths:
        return []
    try:
        cache["dir"] = expand_cache_dir(text)
    except CacheDirError as exc:
        problems.add(dotted(_CACHE_DIR), layer.position(_CACHE_DIR), "a directory path", str(exc))
        return [_CACHE_DIR]
    return []


def normalise(data: dict[str, Any]) -> None:
    """Spell capability aliases one way: ``tools`` in profiles, ``toolCalling`` in limits."""
    for patch in (data.get("routing", {}).get("profiles") or {}).values():
        required = patch.get("requiredCapabilities")
        if isinstance(required, list):
            names = ["tools" if c == "toolCalling" else c for c in required]
            patch["requiredCapabilities"] = list(dict.fromkeys(names))
    for entry in (data.get("limits", {}).get("overrides") or {}).values():
        caps = entry.get("capabilities")
        if isinstance(caps, dict) and "tools" in caps:
            tools = caps.pop("tools")
            caps.setdefault("toolCalling", tools)


def _prune(data: dict[str, Any], path: KeyPath) -> None:
    """Take the value at ``path`` (a problem's) out of ``data``, so that the other checks
    can still run on the rest; a bad list item takes its whole list."""
    node: Any = data
    for key in path[:-1]:
        child = node.get(key) if isinstance(node, dict) else None
        if isinstance(child, list):
            node.pop(key, None)
            return
        if not isinstance(child, dict):
            return
        node = child
    if not path:
        data.clear()
    elif isinstance(node, dict):
        node.pop(path[-1], None)


def check_layer(layer: Layer, schema: SettingsSchema, problems: Problems) -> None:
    if not layer.data or layer.source == DEFAULT_SOURCE:
        # The packaged defaults are validated by the test suite; skipping them (and empty
        # layers) spares the CLI importing jsonschema when nothing was configured.
        return
    issues = schema.check_layer(layer.data)
    for issue in issues:
        problems.add(
            dotted(issue.path), layer.position(issue.path), issue.expected, issue.found,
            issue.suggestion,
        )
    bad_paths = {issue.path for issue in issues}
    bad = [*bad_paths, *_host_problems(layer, bad_paths, problems)]
    bad += _cache_dir_problems(layer, bad_paths, problems)
    for path in sorted(bad, key=len, reverse=True):
        _prune(layer.data, path)
