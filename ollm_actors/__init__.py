"""ollm-actors: manage the models of local Ollama servers and pick the right one for each task.

The public API: every name below is importable from here. Each loads on first use from the
module that defines it (``_EXPORTS``, the one list), so ``import ollm_actors`` (and so every
``ollm`` command) stays fast::

    async with ollm_actors.open_runtime() as rt:
        decision = await rt.router.select_model("code", prompt_tokens=6000)
        budget = await rt.limits.budget(decision.model, prompt_tokens=6000)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ollm_actors.actors.bus import (
        EventBus as EventBus,
    )
    from ollm_actors.actors.event import (
        Event as Event,
    )
    from ollm_actors.config import (
        Settings as Settings,
    )
    from ollm_actors.config import (
        load_settings as load_settings,
    )
    from ollm_actors.downloads.api import (
        DownloadsAPI as DownloadsAPI,
    )
    from ollm_actors.downloads.handle import (
        PullHandle as PullHandle,
    )
    from ollm_actors.downloads.lifecycle_results import (
        CreateResult as CreateResult,
    )
    from ollm_actors.downloads.lifecycle_results import (
        PushResult as PushResult,
    )
    from ollm_actors.downloads.lifecycle_results import (
        UpdateResult as UpdateResult,
    )
    from ollm_actors.downloads.progress import (
        PullProgress as PullProgress,
    )
    from ollm_actors.downloads.result import (
        PullResult as PullResult,
    )
    from ollm_actors.errors import (
        ActorUnavailable as ActorUnavailable,
    )
    from ollm_actors.errors import (
        AskTimeout as AskTimeout,
    )
    from ollm_actors.errors import (
        BadModelParameter as BadModelParameter,
    )
    from ollm_actors.errors import (
        HostUnreachable as HostUnreachable,
    )
    from ollm_actors.errors import (
        InvalidHost as InvalidHost,
    )
    from ollm_actors.errors import (
        InvalidModelName as InvalidModelName,
    )
    from ollm_actors.errors import (
        LimitsDataError as LimitsDataError,
    )
    from ollm_actors.errors import (
        MemoryUnknown as MemoryUnknown,
    )
    from ollm_actors.errors import (
        ModelBusy as ModelBusy,
    )
    from ollm_actors.errors import (
        ModelNotFound as ModelNotFound,
    )
    from ollm_actors.errors import (
        ModelOnSeveralHosts as ModelOnSeveralHosts,
    )
    from ollm_actors.errors import (
        NoModelAvailable as NoModelAvailable,
    )
    from ollm_actors.errors import (
        OllmError as OllmError,
    )
    from ollm_actors.errors import (
        OperationCancelled as OperationCancelled,
    )
    from ollm_actors.errors import (
        OperationFailed as OperationFailed,
    )
    from ollm_actors.errors import (
        PromptTooLarge as PromptTooLarge,
    )
    from ollm_actors.errors import (
        ProtocolError as ProtocolError,
    )
    from ollm_actors.errors import (
        PullCancelled as PullCancelled,
    )
    from ollm_actors.errors import (
        PullFailed as PullFailed,
    )
    from ollm_actors.errors import (
        ServerError as ServerError,
    )
    from ollm_actors.errors import (
        ServiceRefused as ServiceRefused,
    )
    from ollm_actors.errors import (
        ServiceUnavailable as ServiceUnavailable,
    )
    from ollm_actors.errors import (
        SettingsError as SettingsError,
    )
    from ollm_actors.errors import (
        UnknownCapability as UnknownCapability,
    )
    from ollm_actors.errors import (
        UnknownProfile as UnknownProfile,
    )
    from ollm_actors.inventory.api import (
        InventoryAPI as InventoryAPI,
    )
    from ollm_actors.inventory.hosts_api import (
        HostsAPI as HostsAPI,
    )
    from ollm_actors.inventory.types import (
        HostStatus as HostStatus,
    )
    from ollm_actors.inventory.types import (
        LoadedModel as LoadedModel,
    )
    from ollm_actors.inventory.types import (
        ModelDetails as ModelDetails,
    )
    from ollm_actors.inventory.types import (
        ModelInfo as ModelInfo,
    )
    from ollm_actors.inventory.types import (
        ModelStatus as ModelStatus,
    )
    from ollm_actors.limits.api import (
        LimitsAPI as LimitsAPI,
    )
    from ollm_actors.limits.budget import (
        TokenBudget as TokenBudget,
    )
    from ollm_actors.limits.memory_api import (
        HostFit as HostFit,
    )
    from ollm_actors.limits.memory_api import (
        ModelMemory as ModelMemory,
    )
    from ollm_actors.limits.resolve import (
        ModelLimits as ModelLimits,
    )
    from ollm_actors.limits.tokens import (
        estimate_message_tokens as estimate_message_tokens,
    )
    from ollm_actors.limits.tokens import (
        estimate_tokens as estimate_tokens,
    )
    from ollm_actors.ollama.client import (
        OllamaClient as OllamaClient,
    )
    from ollm_actors.routing.api import (
        RouterAPI as RouterAPI,
    )
    from ollm_actors.routing.decision import (
        RouteDecision as RouteDecision,
    )
    from ollm_actors.runtime import (
        ModelsAPI as ModelsAPI,
    )
    from ollm_actors.runtime import (
        Runtime as Runtime,
    )
    from ollm_actors.runtime import (
        open_runtime as open_runtime,
    )
    from ollm_actors.service.client import (
        connect as connect,
    )
    from ollm_actors.vocab.entries import (
        Capabilities as Capabilities,
    )
    from ollm_actors.vocab.hosts import (
        parse_host as parse_host,
    )
    from ollm_actors.vocab.lifecycle_events import (
        LifecycleEvent as LifecycleEvent,
    )
    from ollm_actors.vocab.memory import (
        MemoryEstimate as MemoryEstimate,
    )
    from ollm_actors.vocab.names import (
        parse_model_name as parse_model_name,
    )
    from ollm_actors.vocab.profiles import (
        RoutingProfile as RoutingProfile,
    )
    from ollm_actors.vocab.pull_events import (
        ModelDeleted as ModelDeleted,
    )
    from ollm_actors.vocab.pull_events import (
        PullEvent as PullEvent,
    )

__version__ = "0.1.0"

#: every public name and the module that defines it
_EXPORTS: dict[str, str] = {
    "EventBus": "ollm_actors.actors.bus",
    "Event": "ollm_actors.actors.event",
    "Settings": "ollm_actors.config",
    "load_settings": "ollm_actors.config",
    "DownloadsAPI": "ollm_actors.downloads.api",
    "PullHandle": "ollm_actors.downloads.handle",
    "PullProgress": "ollm_actors.downloads.progress",
    "PullResult": "ollm_actors.downloads.result",
    "CreateResult": "ollm_actors.downloads.lifecycle_results",
    "PushResult": "ollm_actors.downloads.lifecycle_results",
    "UpdateResult": "ollm_actors.downloads.lifecycle_results",
    "LifecycleEvent": "ollm_actors.vocab.lifecycle_events",
    "ActorUnavailable": "ollm_actors.errors",
    "AskTimeout": "ollm_actors.errors",
    "HostUnreachable": "ollm_actors.errors",
    "InvalidHost": "ollm_actors.errors",
    "InvalidModelName": "ollm_actors.errors",
    "LimitsDataError": "ollm_actors.errors",
    "MemoryUnknown": "ollm_actors.errors",
    "ModelBusy": "ollm_actors.errors",
    "ModelNotFound": "ollm_actors.errors",
    "ModelOnSeveralHosts": "ollm_actors.errors",
    "NoModelAvailable": "ollm_actors.errors",
    "OllmError": "ollm_actors.errors",
    "OperationFailed": "ollm_actors.errors",
    "OperationCancelled": "ollm_actors.errors",
    "BadModelParameter": "ollm_actors.errors",
    "PromptTooLarge": "ollm_actors.errors",
    "ProtocolError": "ollm_actors.errors",
    "PullCancelled": "ollm_actors.errors",
    "PullFailed": "ollm_actors.errors",
    "ServerError": "ollm_actors.errors",
    "ServiceRefused": "ollm_actors.errors",
    "ServiceUnavailable": "ollm_actors.errors",
    "SettingsError": "ollm_actors.errors",
    "UnknownCapability": "ollm_actors.errors",
    "UnknownProfile": "ollm_actors.errors",
    "InventoryAPI": "ollm_actors.inventory.api",
    "HostsAPI": "ollm_actors.inventory.hosts_api",
    "HostStatus": "ollm_actors.inventory.types",
    "LoadedModel": "ollm_actors.inventory.types",
    "ModelDetails": "ollm_actors.inventory.types",
    "ModelInfo": "ollm_actors.inventory.types",
    "ModelStatus": "ollm_actors.inventory.types",
    "LimitsAPI": "ollm_actors.limits.api",
    "TokenBudget": "ollm_actors.limits.budget",
    "HostFit": "ollm_actors.limits.memory_api",
    "ModelMemory": "ollm_actors.limits.memory_api",
    "ModelLimits": "ollm_actors.limits.resolve",
    "estimate_message_tokens": "ollm_actors.limits.tokens",
    "estimate_tokens": "ollm_actors.limits.tokens",
    "OllamaClient": "ollm_actors.ollama.client",
    "RouterAPI": "ollm_actors.routing.api",
    "RouteDecision": "ollm_actors.routing.decision",
    "ModelsAPI": "ollm_actors.runtime",
    "Runtime": "ollm_actors.runtime",
    "open_runtime": "ollm_actors.runtime",
    "connect": "ollm_actors.service.client",
    "Capabilities": "ollm_actors.vocab.entries",
    "parse_host": "ollm_actors.vocab.hosts",
    "parse_model_name": "ollm_actors.vocab.names",
    "MemoryEstimate": "ollm_actors.vocab.memory",
    "RoutingProfile": "ollm_actors.vocab.profiles",
    "ModelDeleted": "ollm_actors.vocab.pull_events",
    "PullEvent": "ollm_actors.vocab.pull_events",
}

__all__ = tuple(sorted(("__version__", *_EXPORTS)))


def __getattr__(name: str) -> Any:
    home = _EXPORTS.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
