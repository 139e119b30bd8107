"""The settings a client may see: every URL's credentials and query masked, and every value
under a key that names a secret (token, password, key) replaced."""

from __future__ import annotations

from typing import Any

import msgspec

from ollm_actors.vocab.hosts import redact_url

__all__ = ("redacted_settings",)

_SECRET_WORDS = ("token", "password", "secret", "apikey", "api_key")
_MASK = "***"


def _secret_key(key: str) -> bool:
    folded = key.casefold()
    return any(word in folded for word in _SECRET_WORDS)


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _MASK if _secret_key(str(k)) and v else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if isinstance(value, str):
        return redact_url(value)
    return value


def redacted_settings(runtime: Any) -> Any:
    """``runtime.settings`` as JSON data with the secrets masked."""
    settings = runtime.settings
    data = settings.as_dict() if hasattr(settings, "as_dict") else msgspec.to_builtins(settings)
    return _redact(data)
