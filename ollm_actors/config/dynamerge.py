"""Where dynaconf does the layering: the only module that imports it (lazily, from the loader,
when some layer has a mapping to merge or a file to read).

The layers' documents go into one :class:`dynaconf.Dynaconf` instance under one section
(``OLLM``), lowest first, each with ``set(..., merge=True)`` and a ``SourceMetadata`` naming
its source, so dynaconf's own merge (``object_merge``) combines them and its inspection
history tells where each came from. The instance is built inert, every knob given
explicitly, because dynaconf otherwise reads ``os.environ`` itself (``DYNACONF_*``,
``ENV_FOR_DYNACONF``, ``SETTINGS_FILE_FOR_DYNACONF``, ``INCLUDES_FOR_DYNACONF`` ...) and
``load_settings`` must read only the ``env`` mapping it is given: no envvar prefix, no
loaders, no files, no ``.env``, no includes, no system-env fallback.

Three of dynaconf's habits do not suit these settings, and each is steered here rather than
re-implemented:

* its merge concatenates lists, so ``--host`` could not replace a file's hosts. Lists are
  handed over wrapped (:class:`_Kept`), which dynaconf stores and replaces like any scalar;
  a list that starts with dynaconf's ``dynaconf_merge`` (or ``dynaconf_merge_unique``)
  marker is joined to the lower one by dynaconf's own ``object_merge``.
* strings such as ``@format {env[HOME]}``, ``@jinja``, ``@read_file`` are evaluated. Text is
  wrapped too, so it stays literal; an agent that wants them evaluated hands us its own
  ``Dynaconf`` (:func:`section_of`), whose values come as its configuration evaluates them.
* keys are case-insensitive. Every layer's raw keys are checked against the schema before
  this merge, so ``topp`` never reaches it; the one case left is two glob patterns (or
  profile names) that differ only in case, which dynaconf merges into one entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ("SECTION", "active_environments", "merge_documents", "section_of")

#: the section of a ``Dynaconf`` instance that holds our keys
SECTION = "OLLM"

_LIST_MARKERS = ("dynaconf_merge", "dynaconf_merge_unique")


class _Kept:
    """A value dynaconf must store as it is: neither parsed (text) nor concatenated
    (lists). Identity equality, so dynaconf's ``old == new`` shortcut never fires."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _inert(env_name: str | None) -> Any:
    from dynaconf import Dynaconf

    return Dynaconf(
        envvar_prefix=False,
        environments=True,
        env=(env_name or "default").upper(),
        env_switcher="OLLM_DYNACONF_ENV_UNUSED",
        settings_files=[],
        secrets=None,
        includes=[],
        preload=[],
        load_dotenv=False,
        core_loaders=[],
        loaders=[],
        merge_enabled=False,
        lowercase_read=False,
        sysenv_fallback=False,
        validate_on_update=False,
        root_path="/nonexistent-ollm-dynaconf-root",
    )


def active_environments(env_name: str | None) -> list[str]:
    """The sections of an environments file that apply, in the order dynaconf applies them
    (``default``, then the one ``OLLM_ENV`` names, then ``global``), lower case."""
    from dynaconf.utils import build_env_list

    obj = _inert(env_name)
    names = [name.lower() for name in build_env_list(obj, obj.current_env)]
    return [name for name in dict.fromkeys(names) if name != "dynaconf"]


def _existing(obj: Any, path: Sequence[str]) -> list[Any]:
    node: Any = obj.get(SECTION)
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return []
        node = node[key]
    if isinstance(node, _Kept) and isinstance(node.value, list):
        return list(node.value)
    return []


def _wrap(obj: Any, value: object, path: tuple[str, ...]) -> object:
    if isinstance(value, dict):
        return {key: _wrap(obj, item, (*path, key)) for key, item in value.items()}
    if isinstance(value, list):
        marker = next((m for m in _LIST_MARKERS if m in value), None)
        items = [_unwrap(_wrap(obj, item, (*path, str(i)))) for i, item in enumerate(value)]
        if marker is None:
            return _Kept(items)
        from dynaconf.utils import object_merge

        items = [item for item in items if item not in _LIST_MARKERS]
        joined = object_merge(
            _existing(obj, path), items, unique=marker == "dynaconf_merge_unique"
        )
        return _Kept(list(joined))
    if isinstance(value, str):
        return _Kept(value)
    return value


def _unwrap(value: object) -> Any:
    if isinstance(value, _Kept):
        return _unwrap(value.value)
    if isinstance(value, Mapping):
        return {str(key): _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


def merge_documents(documents: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The documents ``(label, data)`` merged by dynaconf, lowest first: mappings merge key
    by key, anything else is replaced, a marked list joins the one below it."""
    from dynaconf.loaders.base import SourceMetadata

    obj = _inert(None)
    for label, data in documents:
        if not data:
            continue
        obj.set(
            SECTION,
            _wrap(obj, data, ()),
            loader_identifier=SourceMetadata("ollm", label, "default"),
            merge=True,
            dotted_lookup=False,
        )
    merged = obj.get(SECTION)
    return {} if merged is None else dict(_unwrap(merged))


def section_of(obj: Any, section: str) -> object:
    """The plain data of ``section`` in an agent's own ``Dynaconf`` instance (evaluated as
    that instance is configured to evaluate), or ``None`` when it has no such section."""
    value = obj.get(section)
    if value is None:
        return None
    return _unwrap(value)
