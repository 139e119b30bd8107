"""``rt.models``: the seed's ModelManagementService, over the inventory and downloads actors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ollm_actors.downloads.api import DownloadsAPI, PullHandle, PullResult
    from ollm_actors.inventory.api import InventoryAPI
    from ollm_actors.inventory.types import ModelDetails, ModelInfo, ModelStatus

__all__ = ("ModelsAPI",)


class ModelsAPI:
    """List, show, pull, delete, and the status of a model, on every configured host.

    Listing and status are the inventory's; pulling and deleting are the downloads actor's.
    """

    def __init__(self, inventory: InventoryAPI, downloads: DownloadsAPI) -> None:
        self.inventory = inventory
        self.downloads = downloads

    async def list_models(self, host: str | None = None, refresh: bool = False) -> list[ModelInfo]:
        """Models on every online or cached host (or on ``host``); see InventoryAPI."""
        return await self.inventory.list_models(host, refresh)

    async def show_model(self, name: str, host: str | None = None) -> ModelDetails:
        """The server's facts about a model (fetched once per digest, then cached)."""
        return await self.inventory.show_model(name, host)

    async def get_model_status(self, name: str, host: str | None = None) -> ModelStatus:
        """available | pulling | absent | unknown, with hosts, fraction or suggestions."""
        return await self.inventory.get_model_status(name, host)

    async def start_pull(self, name: str, host: str | None = None) -> PullHandle:
        """Start (or join) a pull and return its handle at once."""
        return await self.downloads.start_pull(name, host)

    async def pull_model(
        self,
        name: str,
        host: str | None = None,
        on_progress: Callable[[Any], object] | None = None,
    ) -> PullResult:
        """Pull a model and wait for the end; cancelling the caller cancels its share."""
        return await self.downloads.pull_model(name, host, on_progress)

    async def delete_model(self, name: str, host: str | None = None) -> None:
        """Delete a model (refused while a pull of it is in flight)."""
        await self.downloads.delete_model(name, host)
