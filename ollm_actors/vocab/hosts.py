"""Ollama server addresses: ``OLLAMA_HOST``-style parsing and secret-free display forms.

Parsing follows the official Python client (``ollama-python``'s ``_parse_host``) and the Go
server's ``envconfig.Host``: no scheme means http on port 11434, an explicit ``http://`` means
port 80 and ``https://`` port 443, ``:1234`` means ``127.0.0.1:1234``.

Two parts of an address are secrets: the ``user:password@`` userinfo and the ``?query``
(reverse proxies take tokens there). They are kept in their own fields for requests and never
appear in :attr:`OllamaHost.url`, :attr:`OllamaHost.display`, ``repr()`` or an
:class:`~ollm_actors.errors.InvalidHost` error; :func:`redact_url` masks both in free text.

The userinfo ends at the *last* ``@`` of an address, not at the first ``/``, ``?`` or ``#``
as RFC 3986 would have it: generated passwords hold those characters unencoded far more
often than a proxy prefix holds an ``@``, and an RFC split would turn half a password into a
"hostname" or "port" that an error message then echoes.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from urllib.parse import quote, unquote

import msgspec

from ollm_actors.errors import InvalidHost

__all__ = ("DEFAULT_PORT", "MAX_HOST_LENGTH", "OllamaHost", "parse_host", "redact_url")

DEFAULT_PORT = 11434
#: longest host string accepted: room for a long proxy token, far below httpx's 64 KiB URL
#: limit, whose ``InvalidURL`` would otherwise surface only at the first request
MAX_HOST_LENGTH = 8192
# RFC 1035: what a resolver accepts; longer names fail late inside the HTTP stack.
_MAX_HOSTNAME = 253
_MAX_LABEL = 63
_LOOPBACK_V4 = "127.0.0.1"
_SCHEME_PORTS = {"http": 80, "https": 443}
_HOSTNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._")
# Bind-all addresses are what a server listens on; a client must dial loopback instead.
_DIAL_INSTEAD = {"0.0.0.0": _LOOPBACK_V4, "::": "::1"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_QUOTES = "'\""
_MASK = "***"


class OllamaHost(msgspec.Struct, frozen=True, kw_only=True):
    """A dialable Ollama server address.

    ``host`` is a lower-cased hostname or IP literal (IPv6 without brackets); ``path`` is a
    reverse-proxy prefix such as ``/ollama`` or ``""``. ``username``/``password`` come from a
    ``user:password@`` part of the URL, percent-decoded once. ``query`` is the text after
    ``?`` (without it, as written, ``""`` for none): a request must carry it after its API
    path (see :meth:`request_path`). ``repr()`` and ``str()`` show none of the three.
    """

    scheme: str = "http"
    host: str = _LOOPBACK_V4
    port: int = DEFAULT_PORT
    path: str = ""
    username: str | None = None
    password: str | None = None
    query: str = ""

    @property
    def _netloc(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"{shown}:{self.port}"

    @property
    def _has_userinfo(self) -> bool:
        return self.username is not None or self.password is not None

    @property
    def url(self) -> str:
        """``scheme://host:port[/path]`` with an explicit port, without userinfo or query:
        the base URL requests are made against."""
        return f"{self.scheme}://{self._netloc}{self.path}"

    @property
    def display(self) -> str:
        """The URL for logs, errors, events and cache files: userinfo and query as ``***``."""
        userinfo = f"{_MASK}@" if self._has_userinfo else ""
        query = f"?{_MASK}" if self.query else ""
        return f"{self.scheme}://{userinfo}{self._netloc}{self.path}{query}"

    @property
    def auth(self) -> str | None:
        """The ``Authorization`` header value for URL credentials (HTTP Basic), or None."""
        if not self._has_userinfo:
            return None
        raw = f"{self.username or ''}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    @property
    def secret_url(self) -> str:
        """The full address, userinfo (percent-encoded again) and query included, such that
        ``parse_host(h.secret_url) == h``. A secret: never log or show it."""
        userinfo = ""
        if self._has_userinfo:
            userinfo = quote(self.username or "", safe="")
            if self.password is not None:
                userinfo += ":" + quote(self.password, safe="")
            userinfo += "@"
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{userinfo}{self._netloc}{self.path}{query}"

    def request_path(self, api_path: str) -> str:
        """``api_path`` (``/api/tags``, relative to :attr:`url`) with this host's query
        appended, as a request must send it. A secret when there is a query."""
        return f"{api_path}?{self.query}" if self.query else api_path

    def __repr__(self) -> str:
        return f"OllamaHost({self.display!r})"

    def __str__(self) -> str:
        return self.display


def _redact_address(address: str) -> str:
    """One address (scheme optional) with its userinfo and query masked."""
    scheme = _SCHEME.match(address)
    start = 0 if scheme is None else scheme.end()
    head, rest = address[:start], address[start:]
    at = rest.rfind("@")
    if at >= 0:
        rest = f"{_MASK}@" + rest[at + 1:]
    question = rest.find("?")
    if question >= 0:
        rest = rest[:question] + f"?{_MASK}"
    return head + rest


def redact_url(text: str) -> str:
    """``text`` with the userinfo (``user:password@``) and the query (``?...``) of every
    ``scheme://`` URL in it masked as ``***``.

    A URL runs to the next whitespace, or to the last matching quote when it follows one
    (``'http://...'`` in a repr), so passwords holding ``/``, ``?`` or ``#`` are masked
    whole; an ``@`` in a path masks more than needed, never less.
    """
    out: list[str] = []
    done = 0
    for match in _SCHEME.finditer(text):
        if match.start() < done:
            continue
        end = match.end()
        while end < len(text) and not text[end].isspace():
            end += 1
        before = text[match.start() - 1] if match.start() > 0 else ""
        if before in _QUOTES:
            closing = text.rfind(before, match.end(), end)
            if closing >= 0:
                end = closing
        out.append(text[done:match.start()])
        out.append(_redact_address(text[match.start():end]))
        done = end
    out.append(text[done:])
    return "".join(out)


def _unquote(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in _QUOTES:
        text = text[1:-1].strip()
    return text


def _shown(original: str) -> str:
    """What an error may show of ``original``: secrets masked (before clipping, since a
    clipped userinfo has no ``@`` left to find), lone surrogates (bytes that were not UTF-8)
    escaped so that printing the error cannot fail, and the length kept to a line."""
    masked = _redact_address(original).encode("utf-8", "backslashreplace").decode("utf-8")
    return _clip(masked, 120)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _decode_userinfo(original: str, text: str) -> str:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise InvalidHost(
            _shown(original), "the credentials are not UTF-8 once percent-decoded"
        ) from None


def _split_userinfo(original: str, rest: str) -> tuple[str, str | None, str | None]:
    if "@" not in rest:
        return rest, None, None
    userinfo, _, rest = rest.rpartition("@")
    user, sep, password = userinfo.partition(":")
    return (
        rest,
        _decode_userinfo(original, user),
        _decode_userinfo(original, password) if sep else None,
    )


def _check_hostname(original: str, host: str) -> str:
    host = host.lower()
    if ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidHost(
                _shown(original), f"{host!r} is not a valid IPv6 address"
            ) from None
        return "::1" if address.is_unspecified else host
    bad = sorted(set(host) - _HOSTNAME_CHARS)
    if bad:
        raise InvalidHost(
            _shown(original),
            f"hostname {_clip(host)!r} contains {bad[0]!r}, which is not allowed",
        )
    if len(host) > _MAX_HOSTNAME or any(len(label) > _MAX_LABEL for label in host.split(".")):
        raise InvalidHost(
            _shown(original),
            f"hostname is longer than {_MAX_HOSTNAME} characters or has a label longer"
            f" than {_MAX_LABEL}",
        )
    return host


def _parse_port(original: str, text: str, default: int) -> int:
    if text == "":
        return default
    if not text.isascii() or not text.isdigit():
        raise InvalidHost(_shown(original), f"port {text[:20]!r} is not a number")
    port = int(text)
    if not 1 <= port <= 65535:
        raise InvalidHost(_shown(original), f"port {port} is outside 1-65535")
    return port


def _check_text(value: str) -> None:
    if len(value) > MAX_HOST_LENGTH:
        raise InvalidHost(
            _shown(value), f"longer than {MAX_HOST_LENGTH} characters"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Python's stand-in for bytes that were not UTF-8 (os.environ, argv).
        raise InvalidHost(_shown(value), "bytes that are not UTF-8") from None


def parse_host(text: str) -> OllamaHost:
    """Parse an ``OLLAMA_HOST``-style address into a dialable :class:`OllamaHost`.

    Surrounding whitespace and quotes are trimmed; empty means ``http://127.0.0.1:11434``.
    Bind-all addresses (``0.0.0.0``, ``::``) become loopback. A ``#fragment`` is dropped (it
    is never sent). Raises :class:`~ollm_actors.errors.InvalidHost` (userinfo and query
    masked) for a scheme other than http(s), a bad port, an impossible hostname, whitespace
    in the path or query, text that was not UTF-8 or longer than :data:`MAX_HOST_LENGTH`.
    """
    _check_text(text)
    value = _unquote(text)
    if not value:
        return OllamaHost()
    if value.lower() == "ollama.com":
        # Go's envconfig special case: the hosted service is https on the default port.
        return OllamaHost(scheme="https", host="ollama.com", port=443)

    scheme_text, sep, rest = value.partition("://")
    if sep:
        scheme = scheme_text.lower()
        if scheme not in _SCHEME_PORTS:
            raise InvalidHost(
                _shown(value), f"scheme {scheme_text[:20]!r} is not http or https"
            )
        default_port = _SCHEME_PORTS[scheme]
    else:
        scheme, rest, default_port = "http", value, DEFAULT_PORT

    rest, username, password = _split_userinfo(value, rest)
    rest = rest.partition("#")[0]
    rest, _, query = rest.partition("?")
    if any(char.isspace() for char in query):
        raise InvalidHost(_shown(value), "the query contains whitespace")
    netloc, slash, path_text = rest.partition("/")
    path = "/" + path_text.strip("/") if slash and path_text.strip("/") else ""
    if any(char.isspace() for char in path):
        raise InvalidHost(_shown(value), f"path {_clip(path)!r} contains whitespace")

    if netloc.startswith("["):
        host_text, bracket, after = netloc[1:].partition("]")
        if not bracket:
            raise InvalidHost(_shown(value), "'[' without a closing ']'")
        if after and not after.startswith(":"):
            raise InvalidHost(_shown(value), f"unexpected {after[:20]!r} after ']'")
        port_text = after[1:]
        if not host_text:
            raise InvalidHost(_shown(value), "empty IPv6 address between '[' and ']'")
    elif netloc.count(":") >= 2:
        # An unbracketed IPv6 literal (Go accepts ``::1``) cannot carry a port.
        host_text, port_text = netloc, ""
    else:
        host_text, _, port_text = netloc.partition(":")

    host = _check_hostname(value, host_text) if host_text else _LOOPBACK_V4
    port = _parse_port(value, port_text, default_port)
    host = _DIAL_INSTEAD.get(host, host)
    return OllamaHost(
        scheme=scheme, host=host, port=port, path=path, username=username, password=password,
        query=query,
    )
