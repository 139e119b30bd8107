"""Finding close names for a model that does not exist, from the inventory and the database."""

from __future__ import annotations

import anyio

from ollm_actors.downloads.suggest import literal_names, suggest_names
from ollm_actors.errors import InvalidModelName, OllmError
from ollm_actors.ollama.names import parse_model_name
from ollm_actors.runtime.context import RuntimeContext

__all__ = ("close_names",)

# Suggestions only decorate an error message: they must never hold the error back for long.
_LOOKUP_TIMEOUT = 5.0


async def _installed(ctx: RuntimeContext, host: str) -> list[str]:
    inventory = ctx.refs.get("inventory")
    if inventory is not None:
        from ollm_actors.inventory.messages import ListModels

        snapshot = await inventory.ask(ListModels(host=host), timeout=_LOOKUP_TIMEOUT)
        return [model.name for model in snapshot.models]
    # Without an inventory (an actor spawned on its own) the host is asked directly.
    tags = await ctx.hosts.client(host).list_models()
    return [model.name for model in tags.models]


async def close_names(ctx: RuntimeContext, model: str, host: str) -> list[str]:
    """Up to three names close to ``model``: installed on ``host`` first, then known ones.

    Installed names come from the inventory actor (or the host itself when no inventory
    runs); known names are the literal names of the built-in model database's patterns.
    Never raises an OllmError: a lookup that fails or takes over five seconds only leaves
    out the installed names. Cancellation propagates.
    """
    installed: list[str] = []
    with anyio.move_on_after(_LOOKUP_TIMEOUT):
        try:
            installed = await _installed(ctx, host)
        except OllmError:
            installed = []
    from ollm_actors.limits import load_builtin_database

    known = literal_names(entry.pattern for entry in load_builtin_database().entries)
    found = suggest_names(model, installed)
    shown = {_display(name) for name in found}
    found += [name for name in suggest_names(model, known) if _display(name) not in shown]
    return found[:3]


def _display(name: str) -> str:
    try:
        return parse_model_name(name).display.casefold()
    except InvalidModelName:
        return name.casefold()
