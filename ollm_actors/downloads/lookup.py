"""Close names for a model that does not exist: installed ones for a delete; pullable ones
for a pull (what is installed was pulled, so it is pullable; then the model database's
names). Both go through the one ``close_matches``."""

from __future__ import annotations

import anyio

from ollm_actors.errors import OllmError
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.database import DatabaseSource
from ollm_actors.vocab.suggest import close_matches, pullable_names

__all__ = ("installed_close_names", "pullable_close_names")

# Suggestions only decorate an error message: they must never hold the error back for long.
_LOOKUP_TIMEOUT = 5.0


async def _installed(pool: HostPool, inventory: InventoryAPI | None, host: str) -> list[str]:
    if inventory is not None:
        return [model.name for model in await inventory.list_models(host)]
    # Without an inventory (a downloads actor started on its own) the host is asked.
    tags = await pool.client(host).list_models()
    return [model.name for model in tags.models]


async def installed_close_names(
    model: str, host: str, *, pool: HostPool, inventory: InventoryAPI | None
) -> tuple[str, ...]:
    """Up to three names installed on ``host`` close to ``model``.

    Never raises an OllmError: a lookup that fails or takes over five seconds gives no
    names. Cancellation propagates.
    """
    installed: list[str] = []
    with anyio.move_on_after(_LOOKUP_TIMEOUT):
        try:
            installed = await _installed(pool, inventory, host)
        except OllmError:
            installed = []
    return close_matches(model, installed)


async def pullable_close_names(
    model: str,
    host: str,
    *,
    pool: HostPool,
    inventory: InventoryAPI | None,
    database: DatabaseSource,
) -> tuple[str, ...]:
    """Up to three pullable names close to ``model``: installed on ``host`` first, then
    the model database's names. Never raises an OllmError."""
    installed = await installed_close_names(model, host, pool=pool, inventory=inventory)
    known = pullable_names(entry.pattern for entry in database())
    shown = {name.casefold() for name in installed}
    more = [name for name in close_matches(model, known) if name.casefold() not in shown]
    return (*installed, *more)[:3]
