"""``HostsAPI`` (``rt.hosts``): the configured hosts, and how each of them is doing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from ollm_actors.errors import ActorUnavailable
from ollm_actors.inventory.api import InventoryAPI
from ollm_actors.inventory.types import HostStatus

__all__ = ("HostsAPI",)


class HostsAPI(Sequence[str]):
    """The display URLs of the configured hosts (the default first) — a sequence, equal to
    the tuple of them, as ``rt.hosts`` always was — and their health, asked of the
    inventory actor."""

    def __init__(self, urls: tuple[str, ...], inventory: InventoryAPI | None) -> None:
        self._urls = urls
        self._inventory = inventory

    @property
    def urls(self) -> tuple[str, ...]:
        """The display URLs, the default host first."""
        return self._urls

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self._urls[index]

    def __len__(self) -> int:
        return len(self._urls)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HostsAPI):
            return self._urls == other._urls
        if isinstance(other, tuple):
            return self._urls == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HostsAPI({self._urls!r})"

    async def status(self, *, probe: bool = False) -> list[HostStatus]:
        """One :class:`HostStatus` per host, in host order: url, state (online / degraded /
        offline), latency and version of the last probe, models, loaded models, cache age,
        cooldown.

        Waits for what is not known yet, each host bounded by the request deadline: a probe
        of every host never probed (of every host with ``probe``), the lists that are not
        fresh and ``/api/ps``. Never raises for a host that does not answer (its state says
        so); ``ActorUnavailable`` while the runtime shuts down.
        """
        if self._inventory is None:
            raise ActorUnavailable("inventory", "not started in this runtime")
        return await self._inventory.hosts_status(probe)

    async def probe(self) -> list[HostStatus]:
        """Probe every host now and return :meth:`status` after it."""
        return await self.status(probe=True)
