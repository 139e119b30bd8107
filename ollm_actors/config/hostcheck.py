"""Host strings in settings: checked by the one parser, kept as canonical URLs.

A ``providers.ollama.hosts`` entry may also be a mapping ``{url, vram, ...}``: its ``url`` is
checked the same way and its ``vram`` (``24GB``, ``24GiB`` or bytes) becomes bytes.

Every source (files, ``OLLM_HOST``/``OLLAMA_HOST``/``OLLM_HOSTS``, ``--host``, overrides) may
spell a host the way Ollama reads ``OLLAMA_HOST`` (``gpu-box``, ``:11500``,
``[::1]:11434``, ``https://h/prefix?token=x``). The schema only asks for text;
:func:`~ollm_actors.vocab.hosts.parse_host` decides, so the two can never disagree. The
settings then hold the canonical URL (``http://gpu-box:11434``, credentials and query
kept): what is dialled is what ``ollm config show`` shows, and every later reader (the host
pool, ``--on``, the cache) compares like with like.
"""

from __future__ import annotations

from typing import Any, Protocol

from ollm_actors.config.layers import Layer, dotted
from ollm_actors.errors import InvalidHost

__all__ = ("HOST_EXPECTED", "VRAM_EXPECTED", "AddProblem", "canonical_hosts")


class AddProblem(Protocol):
    """The loader's problem collector: ``add(path, source, expected, found)``."""

    def __call__(self, path: str, source: str, expected: str, found: str) -> None: ...


_HOST_PATHS = (("providers", "ollama", "hosts"), ("providers", "ollama", "host"))
#: what a host problem says was expected: the forms :func:`parse_host` reads
HOST_EXPECTED = (
    "an Ollama host (gpu-box, gpu-box:11500, :11500, [::1]:11434, https://host[:port]/prefix)"
)


#: what a bad ``vram`` of a host entry says was expected
VRAM_EXPECTED = "a size in bytes, or like 24GB (decimal) or 24GiB (binary)"


def _capacity_vram(
    layer: Layer,
    entry: dict[str, Any],
    path: tuple[str, ...],
    bad_paths: set[tuple[str, ...]],
    add: AddProblem,
    failed: list[tuple[str, ...]] | None,
) -> None:
    """Turn the entry's ``vram`` into bytes in place, or report it with its path."""
    from ollm_actors.vocab.memory_fit import parse_size

    vram_path = (*path, "vram")
    if "vram" not in entry or vram_path in bad_paths or entry["vram"] is None:
        return
    size = parse_size(entry["vram"])
    if size is None:
        if failed is not None:
            failed.append(vram_path)
        add(dotted(vram_path), layer.position(vram_path), VRAM_EXPECTED, repr(entry["vram"]))
        return
    entry["vram"] = size


def _host_source(layer: Layer, path: tuple[str, ...], index: int | None, count: int) -> str:
    """Where the host at ``path`` came from: a file position, or the variable or flag with
    the item's index when it gave several (``env:OLLM_HOSTS[1]``, ``flag:--host[2]``)."""
    position = layer.position(path)
    if index is None or count < 2 or position.startswith("file:"):
        return position
    return f"{position}[{index}]"


def canonical_hosts(
    layer: Layer,
    bad_paths: set[tuple[str, ...]],
    add: AddProblem,
    failed: list[tuple[str, ...]] | None = None,
) -> None:
    """Check every host string of ``layer`` with :func:`parse_host` (the one grammar) and
    replace it in place by its canonical URL (``gpu-box`` -> ``http://gpu-box:11434``,
    credentials and query kept), so the settings say what is dialled.

    One bad value is one problem: ``--host X`` sets both ``host`` and ``hosts`` (and so may a
    variable or overrides), so a ``host`` equal to a ``hosts`` item of the same source is not
    reported again. Every bad path, reported or not, is appended to ``failed`` when given.
    """
    # Imported here, as before this module existed: only a layer that sets a host pays.
    from ollm_actors.vocab.hosts import parse_host

    reported: set[tuple[str, str]] = set()
    for base in _HOST_PATHS:
        parent: Any = layer.data
        for key in base[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or base in bad_paths:
            continue
        node = parent.get(base[-1])
        items = list(enumerate(node)) if isinstance(node, list) else [(None, node)]
        for index, value in items:
            path = base if index is None else (*base, str(index))
            if path in bad_paths:
                continue
            if isinstance(value, dict) and index is not None:
                # A mapping entry: its url is a host string like any other, its vram a size.
                _capacity_vram(layer, value, path, bad_paths, add, failed)
                entry_path = (*path, "url")
                url = value.get("url")
                if not isinstance(url, str) or entry_path in bad_paths:
                    continue
                try:
                    value["url"] = parse_host(url).secret_url
                except InvalidHost as exc:
                    if failed is not None:
                        failed.append(entry_path)
                    add(dotted(entry_path), layer.position(entry_path), HOST_EXPECTED,
                        f"{exc.host} ({exc.reason})")
                continue
            if not isinstance(value, str):
                continue
            seen = (layer.position(base), value)
            try:
                canonical = parse_host(value).secret_url
            except InvalidHost as exc:
                if failed is not None:
                    failed.append(path)
                if seen not in reported:
                    reported.add(seen)
                    add(
                        dotted(path),
                        _host_source(layer, path, index, len(items)),
                        HOST_EXPECTED,
                        f"{exc.host} ({exc.reason})",
                    )
                continue
            if isinstance(node, list) and index is not None:
                node[index] = canonical
            else:
                parent[base[-1]] = canonical
