"""The Ollama wire layer: model names, host addresses, API types and the async client.

The submodules are ``names``, ``hosts``, ``types`` and ``client``. The names re-exported here
load on first use, so ``import ollm_actors.ollama.names`` does not pull in httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ollm_actors.ollama.client import OllamaClient, PullLines
    from ollm_actors.ollama.hosts import OllamaHost, parse_host, redact_url
    from ollm_actors.ollama.names import ModelName, parse_model_name
    from ollm_actors.ollama.types import (
        ListedModel,
        ModelDetails,
        PsResponse,
        PullLine,
        RunningModel,
        ShowResponse,
        TagsResponse,
    )

__all__ = (
    "ListedModel",
    "ModelDetails",
    "ModelName",
    "OllamaClient",
    "OllamaHost",
    "PsResponse",
    "PullLine",
    "PullLines",
    "RunningModel",
    "ShowResponse",
    "TagsResponse",
    "parse_host",
    "parse_model_name",
    "redact_url",
)

_HOME = {
    "OllamaClient": "client",
    "PullLines": "client",
    "OllamaHost": "hosts",
    "parse_host": "hosts",
    "redact_url": "hosts",
    "ModelName": "names",
    "parse_model_name": "names",
    "ListedModel": "types",
    "ModelDetails": "types",
    "PsResponse": "types",
    "PullLine": "types",
    "RunningModel": "types",
    "ShowResponse": "types",
    "TagsResponse": "types",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
