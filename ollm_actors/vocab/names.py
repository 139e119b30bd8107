"""Ollama model names: parsing, validation and the display forms Ollama itself uses.

Grammar (Ollama's ``types/model/name.go``): ``[scheme://][host/][namespace/]model[:tag]`` with
the defaults host ``registry.ollama.ai``, namespace ``library`` and tag ``latest``. Names are
validated here before they reach a URL, a request body or a file name.
"""

from __future__ import annotations

import re

import msgspec

from ollm_actors.errors import InvalidModelName
from ollm_actors.vocab._fast import common_name_parts

__all__ = (
    "DEFAULT_HOST",
    "DEFAULT_NAMESPACE",
    "DEFAULT_TAG",
    "ModelName",
    "parse_model_name",
)

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_HOST_MAX = 350
_PART_MAX = 80
# Schemes a name may carry in front of its host; the server only uses them to decide whether
# the registry may be reached over plain http, which the pull request's `insecure` flag says.
_SCHEMES = ("https://", "http://")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_INNER = _WORD | frozenset("-.")
# The same rules as _part_problem, compiled: the common case of a valid name is checked by
# one regex match per part, and only an invalid part pays for the explanation.
_VALID_PART = {
    "host": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}"),
    "namespace": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,79}"),
    "model": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}"),
    "tag": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}"),
}


class ModelName(msgspec.Struct, frozen=True):
    """A parsed, valid model name with every part filled in (defaults applied).

    Parts keep the user's casing; Ollama compares names case-insensitively, so compare
    :attr:`key` (or :attr:`short` for the database) rather than the Struct itself.
    """

    host: str
    namespace: str
    model: str
    tag: str

    @property
    def full(self) -> str:
        """The fully qualified form ``host/namespace/model:tag``."""
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"

    @property
    def display(self) -> str:
        """Ollama's shortest display form (``DisplayShortest``); the tag is always shown.

        ``llama3.2:latest``, ``myuser/m:7b``, ``host.tld/ns/m:tag``.
        """
        if self.host.casefold() != DEFAULT_HOST:
            return self.full
        if self.namespace.casefold() != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{self.model}:{self.tag}"
        return f"{self.model}:{self.tag}"

    @property
    def key(self) -> str:
        """The case-folded full form: equal keys name the same model."""
        return self.full.casefold()

    @property
    def base(self) -> str:
        """The model part, lower-cased (``llama3.2``)."""
        return self.model.lower()

    @property
    def short(self) -> str:
        """``model:tag`` lower-cased: the form the limits database matches on."""
        return f"{self.model}:{self.tag}".lower()

    def __str__(self) -> str:
        return self.display


def _describe(char: str) -> str:
    if char == " ":
        return "has a space"
    if char.isspace():
        return f"has a whitespace character {char!r}"
    if not char.isascii():
        return f"has a non-ASCII character {char!r}"
    return f"has the character {char!r}, which is not allowed"


def _part_problem(kind: str, part: str) -> str | None:
    """Why ``part`` is not a valid ``kind`` part, or None when it is valid."""
    if not part:
        return f"{kind} is empty"
    limit = _HOST_MAX if kind == "host" else _PART_MAX
    if len(part.encode()) > limit:
        return f"{kind} {part!r} is longer than {limit} characters"
    if part[0] not in _WORD:
        return f"{kind} {part!r} must start with a letter, a digit or '_'"
    for char in part[1:]:
        if char in _INNER:
            if char == "." and kind == "namespace":
                return f"namespace {part!r} has a '.', which a namespace may not contain"
            continue
        if char == ":" and kind == "host":
            continue
        return f"{kind} {part!r} {_describe(char)}"
    return None


def parse_model_name(text: str) -> ModelName:
    """Parse and validate a model name, filling in the default host, namespace and tag.

    Returns the :class:`ModelName`. Raises :class:`~ollm_actors.errors.InvalidModelName`
    whose ``reason`` says which part is wrong and why, e.g. ``tag 'x y' has a space``. The
    common shape ``[namespace/]model[:tag]`` takes the fast path of
    :mod:`ollm_actors.vocab._fast` (a hypothesis test holds it equal to the general parser).
    """
    common = common_name_parts(text)
    if common is not None:
        namespace, model, tag = common
        return ModelName(
            host=DEFAULT_HOST,
            namespace=namespace or DEFAULT_NAMESPACE,
            model=model,
            tag=tag or DEFAULT_TAG,
        )
    return parse_any_model_name(text)


def model_key(name: str) -> str:
    """The comparison key of a model name: ``llama3.1`` and ``Llama3.1:latest`` share one
    (the case-folded full form). A name the grammar rejects keys by its case-folded text
    behind a NUL, so that it can never equal a valid name's key."""
    try:
        return parse_model_name(name).key
    except InvalidModelName:
        return "\x00" + name.casefold()


def model_base(name: str) -> str:
    """The model part of a name, lower-cased (``qwen2.5-coder`` for ``qwen2.5-coder:7b``);
    for a name the grammar rejects, its last path part before any tag."""
    try:
        return parse_model_name(name).base
    except InvalidModelName:
        return name.rsplit(":", 1)[0].rsplit("/", 1)[-1].lower()


def parse_any_model_name(text: str) -> ModelName:
    """:func:`parse_model_name` without its fast path: every form of the grammar (scheme,
    host, port), and the explanation of what is wrong."""
    rest = text
    if "://" in rest:
        for scheme in _SCHEMES:
            if rest.lower().startswith(scheme):
                rest = rest[len(scheme) :]
                break
        else:
            scheme_text = rest.split("://", 1)[0]
            raise InvalidModelName(
                text, f"scheme {scheme_text!r} is not allowed (only http or https)"
            )
    if not rest:
        raise InvalidModelName(text, "name is empty")

    tag = DEFAULT_TAG
    # A ':' before the last '/' belongs to a host's port, not to a tag.
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        rest, tag = rest[:colon], rest[colon + 1 :]
        if not tag:
            raise InvalidModelName(text, "tag is empty (nothing after ':')")

    pieces = rest.split("/")
    if len(pieces) > 3:
        raise InvalidModelName(
            text, f"too many '/' separators ({len(pieces) - 1}; at most host/namespace/model)"
        )
    model = pieces[-1]
    namespace = pieces[-2] if len(pieces) >= 2 else DEFAULT_NAMESPACE
    host = pieces[-3] if len(pieces) == 3 else DEFAULT_HOST

    for kind, part in (("host", host), ("namespace", namespace), ("model", model), ("tag", tag)):
        if _VALID_PART[kind].fullmatch(part) is None:
            raise InvalidModelName(text, _part_problem(kind, part) or f"{kind} is invalid")
    return ModelName(host=host, namespace=namespace, model=model, tag=tag)
