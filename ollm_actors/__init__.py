"""ollm-actors: manage the models of local Ollama servers and pick the right one for each task.

The public API. Everything is importable from here; the modules behind it load on first use,
so ``import ollm_actors`` (and so every ``ollm`` command) stays fast::

    async with ollm_actors.open_runtime() as rt:
        decision = await rt.router.select_model("code", prompt_tokens=6000)
        budget = await rt.limits.budget(decision.model, prompt_tokens=6000)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ollm_actors._lazy import lazy_getattr
from ollm_actors.errors import (
    HostUnreachable,
    InvalidHost,
    InvalidModelName,
    ModelBusy,
    ModelNotFound,
    NoModelAvailable,
    OllmError,
    PromptTooLarge,
    ProtocolError,
    PullCancelled,
    PullFailed,
    ServerError,
    SettingsError,
)

if TYPE_CHECKING:
    from ollm_actors.config import Settings, load_settings
    from ollm_actors.downloads.events import ModelDeleted, PullEvent
    from ollm_actors.downloads.handle import PullHandle
    from ollm_actors.downloads.progress import PullProgress
    from ollm_actors.downloads.result import PullResult
    from ollm_actors.inventory.types import (
        HostStatus,
        LoadedModel,
        ModelDetails,
        ModelInfo,
        ModelStatus,
    )
    from ollm_actors.limits.budget import TokenBudget
    from ollm_actors.limits.resolve import ModelLimits
    from ollm_actors.limits.tokens import estimate_message_tokens, estimate_tokens
    from ollm_actors.limits.types import Capabilities
    from ollm_actors.ollama.client import OllamaClient
    from ollm_actors.ollama.hosts import parse_host
    from ollm_actors.ollama.names import parse_model_name
    from ollm_actors.routing.decision import RouteDecision
    from ollm_actors.routing.types import RoutingProfile
    from ollm_actors.runtime.bus import EventBus
    from ollm_actors.runtime.event import Event
    from ollm_actors.runtime.runtime import Runtime, open_runtime

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "open_runtime": "ollm_actors.runtime.runtime",
    "Runtime": "ollm_actors.runtime.runtime",
    "load_settings": "ollm_actors.config",
    "Settings": "ollm_actors.config",
    "ModelInfo": "ollm_actors.inventory.types",
    "ModelDetails": "ollm_actors.inventory.types",
    "ModelStatus": "ollm_actors.inventory.types",
    "HostStatus": "ollm_actors.inventory.types",
    "LoadedModel": "ollm_actors.inventory.types",
    "PullHandle": "ollm_actors.downloads.handle",
    "PullResult": "ollm_actors.downloads.result",
    "PullProgress": "ollm_actors.downloads.progress",
    "PullEvent": "ollm_actors.downloads.events",
    "ModelDeleted": "ollm_actors.downloads.events",
    "ModelLimits": "ollm_actors.limits.resolve",
    "TokenBudget": "ollm_actors.limits.budget",
    "Capabilities": "ollm_actors.limits.types",
    "estimate_tokens": "ollm_actors.limits.tokens",
    "estimate_message_tokens": "ollm_actors.limits.tokens",
    "RouteDecision": "ollm_actors.routing.decision",
    "RoutingProfile": "ollm_actors.routing.types",
    "Event": "ollm_actors.runtime.event",
    "EventBus": "ollm_actors.runtime.bus",
    "OllamaClient": "ollm_actors.ollama.client",
    "parse_host": "ollm_actors.ollama.hosts",
    "parse_model_name": "ollm_actors.ollama.names",
}

__all__ = (
    "Capabilities",
    "Event",
    "EventBus",
    "HostStatus",
    "HostUnreachable",
    "InvalidHost",
    "InvalidModelName",
    "LoadedModel",
    "ModelBusy",
    "ModelDeleted",
    "ModelDetails",
    "ModelInfo",
    "ModelLimits",
    "ModelNotFound",
    "ModelStatus",
    "NoModelAvailable",
    "OllamaClient",
    "OllmError",
    "PromptTooLarge",
    "ProtocolError",
    "PullCancelled",
    "PullEvent",
    "PullFailed",
    "PullHandle",
    "PullProgress",
    "PullResult",
    "RouteDecision",
    "RoutingProfile",
    "Runtime",
    "ServerError",
    "Settings",
    "SettingsError",
    "TokenBudget",
    "__version__",
    "estimate_message_tokens",
    "estimate_tokens",
    "load_settings",
    "open_runtime",
    "parse_host",
    "parse_model_name",
)


__getattr__ = lazy_getattr(__name__, _LAZY, globals())

def __dir__() -> list[str]:
    return sorted(__all__)
