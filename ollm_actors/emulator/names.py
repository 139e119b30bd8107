"""Ollama's model-name grammar, as the emulated *server* applies it.

The emulator keeps its own copy of the server-side rules on purpose: it is the fake that the
client's parser is tested against, so it must not share that parser's mistakes.
"""

from __future__ import annotations

import msgspec

from ollm_actors.errors import InvalidModelName

__all__ = ("DEFAULT_HOST", "DEFAULT_NAMESPACE", "DEFAULT_TAG", "ServerName", "parse_server_name")

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_MAX_HOST = 350
_MAX_PART = 80


class ServerName(msgspec.Struct, frozen=True):
    """A parsed, valid model name with Ollama's defaults filled in."""

    host: str
    namespace: str
    model: str
    tag: str

    @property
    def display(self) -> str:
        """Ollama's shortest display form (``llama3.2:latest``, ``ns/m:t``, ``h/ns/m:t``)."""
        if self.host.lower() != DEFAULT_HOST:
            return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"
        if self.namespace.lower() != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{self.model}:{self.tag}"
        return f"{self.model}:{self.tag}"

    @property
    def key(self) -> str:
        """Case-folded display form: Ollama compares names case-insensitively."""
        return self.display.lower()


def _part_problem(part: str, kind: str) -> str | None:
    limit = _MAX_HOST if kind == "host" else _MAX_PART
    if not part:
        return f"empty {kind}"
    if len(part) > limit:
        return f"{kind} longer than {limit} characters"
    first = part[0]
    if not (first.isascii() and (first.isalnum() or first == "_")):
        return f"{kind} must start with a letter, digit or '_'"
    extra = {"_", "-"}
    if kind != "namespace":
        extra.add(".")
    if kind == "host":
        extra.add(":")
    for ch in part[1:]:
        if not (ch.isascii() and (ch.isalnum() or ch in extra)):
            return f"character {ch!r} not allowed in the {kind}"
    return None


def parse_server_name(text: str) -> ServerName:
    """Parse ``[scheme://][host/][namespace/]model[:tag]`` the way Ollama's server does.

    Returns the name with the default host, namespace and tag filled in.
    Raises :class:`InvalidModelName` when any part breaks the grammar.
    """
    rest = text
    if "://" in rest:
        rest = rest.split("://", 1)[1]
    tag = DEFAULT_TAG
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        tag = rest[colon + 1 :]
        rest = rest[:colon]
        problem = _part_problem(tag, "tag")
        if problem:
            raise InvalidModelName(text, problem)
    pieces = rest.split("/")
    if len(pieces) > 3:
        raise InvalidModelName(text, "too many '/' separated parts")
    host = pieces[-3] if len(pieces) == 3 else DEFAULT_HOST
    namespace = pieces[-2] if len(pieces) >= 2 else DEFAULT_NAMESPACE
    model = pieces[-1]
    for part, kind in ((host, "host"), (namespace, "namespace"), (model, "model")):
        problem = _part_problem(part, kind)
        if problem:
            raise InvalidModelName(text, problem)
    return ServerName(host=host, namespace=namespace, model=model, tag=tag)
