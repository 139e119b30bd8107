"""ollm-actors: manage the models of local Ollama servers and pick the right one for each task."""

from ollm_actors.errors import (
    HostUnreachable,
    InvalidModelName,
    ModelNotFound,
    NoModelAvailable,
    OllmError,
    ProtocolError,
    PullCancelled,
    PullFailed,
    ServerError,
    SettingsError,
)

__version__ = "0.1.0"

__all__ = (
    "HostUnreachable",
    "InvalidModelName",
    "ModelNotFound",
    "NoModelAvailable",
    "OllmError",
    "ProtocolError",
    "PullCancelled",
    "PullFailed",
    "ServerError",
    "SettingsError",
    "__version__",
)
