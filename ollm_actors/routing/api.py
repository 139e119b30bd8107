"""``RouterAPI`` (``rt.router``): the model to use for a profile or a task type, and why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from ollm_actors.actors.ref import ActorRef
from ollm_actors.config.model import Settings
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.routing.messages import (
    GetRouterStatistics,
    RouterStatistics,
    SelectModel,
    SuitedProfiles,
)
from ollm_actors.vocab.profile_lookup import get_profile, unknown_task_note
from ollm_actors.vocab.profiles import RoutingProfile

__all__ = ("RouterAPI",)


class RouterAPI:
    """Selections answered by the router actor; profile lookups answered from the settings.

    Async methods may also raise ``ActorUnavailable`` while the runtime shuts down;
    cancelling one abandons its answer and leaves the router's cache consistent.
    """

    def __init__(self, ref: ActorRef[Any], settings: Settings) -> None:
        self._ref = ref
        self._settings = settings

    async def select_model(
        self, profile: str, *, prompt_tokens: int = 0, require: Iterable[str] = ()
    ) -> RouteDecision:
        """The model for ``profile`` among the models available now, with its reasons.

        ``prompt_tokens`` > 0 also asks for a window holding the prompt plus the output a
        request will ask for; ``require`` adds capabilities (``tools``, ``vision`` ...;
        ``toolCalling`` accepted). Repeated calls are answered from a cache until the
        inventory, limits or a host's status change.

        Raises ``UnknownProfile`` (exit 2, with a suggestion), ``UnknownCapability``,
        ``NoModelAvailable`` (every rejection, and models that would fit if pulled) and
        ``HostUnreachable`` when no host has any data, online or cached.
        """
        answer: RouteDecision = await self._ref.ask(
            SelectModel(profile, prompt_tokens, tuple(require))
        )
        return answer

    def get_profile(self, task_type: str) -> RoutingProfile:
        """The routing profile for a task type (the seed's ``getProfile``). Never waits.

        A profile name is its own task type; otherwise ``routing.tasks`` maps it, and unknown
        task types get ``model.routing.defaultProfile``. Raises ``UnknownProfile`` when the
        profile that applies is not defined.
        """
        settings = self._settings
        return get_profile(
            task_type,
            profiles=settings.routing.profiles,
            tasks=settings.routing.tasks,
            default_profile=settings.model.routing.default_profile,
        )

    async def select_for_task(
        self, task_type: str, *, prompt_tokens: int = 0, require: Iterable[str] = ()
    ) -> RouteDecision:
        """:meth:`select_model` with the profile of :meth:`get_profile` for ``task_type``;
        raises what both raise. For a task type neither a profile nor ``routing.tasks``
        knows, the first reason says so and names the profile used."""
        profile = self.get_profile(task_type)
        decision = await self.select_model(
            profile.name, prompt_tokens=prompt_tokens, require=require
        )
        settings = self._settings
        note = unknown_task_note(
            task_type,
            profiles=settings.routing.profiles,
            tasks=settings.routing.tasks,
            default_profile=settings.model.routing.default_profile,
        )
        if note is None:
            return decision
        return msgspec.structs.replace(decision, reasons=(note, *decision.reasons))

    async def suits(self, name: str) -> list[str]:
        """The profiles (in settings order) whose hard filters ``name`` passes: required
        capabilities, minimum window, generative vs embedding.

        Judged by the installed model's resolved limits (any host that passes counts), or by
        the limits the model would have when it is not installed. Raises
        ``InvalidModelName``.
        """
        answer: list[str] = await self._ref.ask(SuitedProfiles(name))
        return answer

    async def statistics(self) -> RouterStatistics:
        """Cache hits and misses, invalidations, candidate refreshes, and what is cached."""
        answer: RouterStatistics = await self._ref.ask(GetRouterStatistics())
        return answer
