"""A delete's child task in the downloads actor: asks the host, answers the deferred reply."""

from __future__ import annotations

import logging

from ollm_actors.actors.bus import EventBus
from ollm_actors.actors.reply import Reply
from ollm_actors.downloads.lookup import installed_close_names
from ollm_actors.downloads.messages import DeleteModel
from ollm_actors.errors import ActorCrashed, ModelNotFound, OllmError
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.ollama.pool import HostPool
from ollm_actors.vocab.pull_events import ModelDeleted

__all__ = ("delete_on_host",)

logger = logging.getLogger("ollm_actors.downloads")


async def delete_on_host(
    msg: DeleteModel,
    reply: Reply[None],
    *,
    pool: HostPool,
    bus: EventBus,
    inventory: InventoryAPI | None,
    actor: str,
) -> None:
    """Delete ``msg.model`` on its host; publish ``model.deleted``. Changes no actor state."""
    try:
        await pool.client(msg.host).delete(msg.model)
    except ModelNotFound:
        names = await installed_close_names(msg.model, msg.host, pool=pool, inventory=inventory)
        reply.fail(ModelNotFound(msg.model, msg.host, names))
        return
    except OllmError as exc:
        reply.fail(exc)
        return
    except Exception as bug:
        # A host's malformed answer fails this delete, not the actor and its pulls.
        logger.warning("delete %s on %s: unexpected error", msg.model, msg.host, exc_info=bug)
        reply.fail(ActorCrashed(actor, bug))
        return
    bus.publish("model.deleted", ModelDeleted(model=msg.model, host=msg.host))
    reply.send(None)
