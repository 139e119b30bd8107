"""The Ollama wire layer: model names, host addresses, API types and the async client.

The submodules are ``names``, ``hosts``, ``types`` and ``client``. The names re-exported here
load on first use, so ``import ollm_actors.ollama.names`` does not pull in httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ollm_actors._lazy import lazy_getattr

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
    "OllamaClient": "ollm_actors.ollama.client",
    "PullLines": "ollm_actors.ollama.client",
    "OllamaHost": "ollm_actors.ollama.hosts",
    "parse_host": "ollm_actors.ollama.hosts",
    "redact_url": "ollm_actors.ollama.hosts",
    "ModelName": "ollm_actors.ollama.names",
    "parse_model_name": "ollm_actors.ollama.names",
    "ListedModel": "ollm_actors.ollama.types",
    "ModelDetails": "ollm_actors.ollama.types",
    "PsResponse": "ollm_actors.ollama.types",
    "PullLine": "ollm_actors.ollama.types",
    "RunningModel": "ollm_actors.ollama.types",
    "ShowResponse": "ollm_actors.ollama.types",
    "TagsResponse": "ollm_actors.ollama.types",
}


__getattr__ = lazy_getattr(__name__, _HOME, globals())
