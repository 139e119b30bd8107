"""Fast paths of the vocabulary, each beside the plain rule it must agree with (a hypothesis
test holds every pair equal).

- :func:`common_name_parts`: the common model-name shape ``[namespace/]model[:tag]`` with
  valid parts, in one regex match, for :func:`ollm_actors.vocab.names.parse_model_name`
  (plain rule: :func:`~ollm_actors.vocab.names.parse_any_model_name`).
"""

from __future__ import annotations

import re

__all__ = ("common_name_parts",)

_COMMON_NAME = re.compile(
    r"(?:(?P<namespace>[A-Za-z0-9_][A-Za-z0-9_-]{0,79})/)?"
    r"(?P<model>[A-Za-z0-9_][A-Za-z0-9_.-]{0,79})"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}))?"
)


def common_name_parts(text: str) -> tuple[str | None, str, str | None] | None:
    """``(namespace, model, tag)`` of a name of the common shape (absent parts None), or
    None when ``text`` needs the general parser (a host, a scheme, or something invalid)."""
    match = _COMMON_NAME.fullmatch(text)
    if match is None:
        return None
    namespace, model, tag = match.group("namespace", "model", "tag")
    return namespace, model, tag
