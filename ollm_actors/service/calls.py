"""The calls the service answers: one table that the server routes by and the client calls
through, so a path, a parameter or a result type is written once.

Each :class:`Call` names the in-process method it forwards to (``area`` is the attribute
path on the runtime, ``name`` the method), its HTTP verb and path under ``/v1/``, its
parameters (name, type, default) and the type its answer decodes to. Reads are ``GET`` with
the parameters in the query; the rest send them as a JSON object. Streamed calls (pulls,
push, create, update) are not here: they have routes of their own (``app.py``).
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple, get_type_hints

import msgspec

from ollm_actors.actors.cell import ActorStatistics
from ollm_actors.inventory.types import (
    HostStatus,
    InventorySnapshot,
    LoadedModel,
    ModelDetails,
    ModelInfo,
    ModelStatus,
)
from ollm_actors.limits.budget import TokenBudget
from ollm_actors.limits.memory_api import ModelMemory
from ollm_actors.limits.resolve import ModelLimits
from ollm_actors.routing.api import RouterAPI
from ollm_actors.routing.decision import RouteDecision
from ollm_actors.vocab.profiles import RoutingProfile

__all__ = ("CALLS", "REQUIRED", "Call", "Param", "params_type", "result_of")

#: the default of a parameter the caller must give
REQUIRED: Final = msgspec.NODEFAULT

Host = str | None
Prompt = int | str | list[dict[str, Any]] | None


def result_of(method: Any) -> Any:
    """What an in-process method returns, from its annotation: the type an answer decodes
    to, named by the API that defines it (its messages stay the actor's own)."""
    return get_type_hints(method)["return"]


class Param(NamedTuple):
    name: str
    type: Any
    default: Any = REQUIRED


class Call(NamedTuple):
    area: str
    name: str
    verb: str
    path: str
    params: tuple[Param, ...]
    result: Any
    #: the runtime's method is a plain call (no await)
    sync: bool = False
    #: the answer is a dict keyed by tuples, which JSON cannot key by: sent as
    #: ``[[*key, value], ...]``
    tuple_keys: bool = False
    #: keyword arguments of the in-process method that stay on the client (a callback
    #: cannot cross the wire): accepted and not sent
    client_only: tuple[str, ...] = ()


_NAME = Param("name", str)
_HOST = Param("host", Host, None)
_PROMPT = (
    Param("prompt", Prompt, None),
    Param("prompt_tokens", int | None, None),
    Param("text", str | None, None),
    Param("messages", list[dict[str, Any]] | None, None),
    Param("max_output", int | None, None),
    _HOST,
)
_ROUTE = (Param("prompt_tokens", int, 0), Param("require", tuple[str, ...], ()))
_MEMORY = (
    Param("parallel", int | None, None),
    Param("kv_type", str | None, None),
    Param("vram", int | None, None),
)

CALLS: tuple[Call, ...] = (
    Call("models", "list_models", "GET", "/v1/models",
         (_HOST, Param("refresh", bool, False)), list[ModelInfo]),
    Call("models.inventory", "snapshot", "GET", "/v1/models/snapshot",
         (_HOST, Param("refresh", bool, False)), InventorySnapshot),
    Call("models.inventory", "known_details", "GET", "/v1/models/known", (), list[ModelDetails]),
    Call("models", "show_model", "GET", "/v1/models/show", (_NAME, _HOST), ModelDetails),
    Call("models", "get_model_status", "GET", "/v1/models/status", (_NAME, _HOST), ModelStatus),
    Call("models", "list_loaded", "GET", "/v1/models/loaded", (_HOST,), list[LoadedModel]),
    Call("models", "delete_model", "POST", "/v1/models/delete", (_NAME, _HOST), None),
    Call("models", "copy_model", "POST", "/v1/models/copy",
         (Param("src", str), Param("dst", str), _HOST, Param("move", bool, False)), None),
    Call("models", "load_model", "POST", "/v1/models/load",
         (_NAME, Param("keep_alive", int | float | str | None, None), _HOST), None),
    Call("models", "stop_model", "POST", "/v1/models/stop",
         (Param("name", str | None, None), _HOST), list[str]),
    Call("router", "select_model", "POST", "/v1/route/select",
         (Param("profile", str), *_ROUTE), RouteDecision),
    Call("router", "select_for_task", "POST", "/v1/route/task",
         (Param("task_type", str), *_ROUTE), RouteDecision),
    Call("router", "get_profile", "GET", "/v1/route/profile",
         (Param("task_type", str),), RoutingProfile, sync=True),
    Call("router", "suits", "GET", "/v1/route/suits", (_NAME,), list[str]),
    Call("router", "statistics", "GET", "/v1/route/statistics", (),
         result_of(RouterAPI.statistics)),
    Call("limits", "lookup", "GET", "/v1/limits", (_NAME, _HOST), ModelLimits),
    Call("limits", "lookup_installed", "POST", "/v1/limits/installed",
         (Param("models", list[ModelInfo]),),
         list[tuple[str, str, ModelLimits]], tuple_keys=True, client_only=("progress",)),
    Call("limits", "budget", "POST", "/v1/limits/budget", (_NAME, *_PROMPT), TokenBudget),
    Call("limits", "request_options", "POST", "/v1/limits/options", (_NAME, *_PROMPT),
         dict[str, Any]),
    Call("limits", "memory", "GET", "/v1/limits/memory",
         (_NAME, Param("num_ctx", int | None, None), *_MEMORY, _HOST), ModelMemory),
    Call("limits", "max_context", "GET", "/v1/limits/max-context", (_NAME, _HOST, *_MEMORY),
         int | None),
    Call("hosts", "status", "GET", "/v1/hosts", (Param("probe", bool, False),),
         list[HostStatus]),
    Call("hosts", "probe", "POST", "/v1/hosts/probe", (), list[HostStatus]),
    Call("", "resolve_host", "GET", "/v1/hosts/resolve", (_HOST,), str, sync=True),
    Call("", "statistics", "GET", "/v1/statistics", (), list[ActorStatistics], sync=True),
)


def params_type(call: Call) -> type[msgspec.Struct]:
    """A Struct of the call's parameters, to validate what a request sends (400 otherwise)."""
    fields = [
        (p.name, p.type) if p.default is REQUIRED else (p.name, p.type, p.default)
        for p in call.params
    ]
    # Required fields must come first in a Struct; kw_only lifts that rule.
    return msgspec.defstruct(
        f"{call.name}_params", fields, kw_only=True, forbid_unknown_fields=True
    )
