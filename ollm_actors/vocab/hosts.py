"""Ollama server addresses: ``OLLAMA_HOST``-style parsing and credential-free display forms.

Parsing follows the official Python client (``ollama-python``'s ``_parse_host``) and the Go
server's ``envconfig.Host``: no scheme means http on port 11434, an explicit ``http://`` means
port 80 and ``https://`` port 443, ``:1234`` means ``127.0.0.1:1234``. Credentials written in
the URL are kept in their own fields and never appear in :attr:`OllamaHost.url` or
:attr:`OllamaHost.display`.
"""

from __future__ import annotations

import base64
import ipaddress
import re

import msgspec

from ollm_actors.errors import InvalidHost

__all__ = ("DEFAULT_PORT", "OllamaHost", "parse_host", "redact_url")

DEFAULT_PORT = 11434
_LOOPBACK_V4 = "127.0.0.1"
_SCHEME_PORTS = {"http": 80, "https": 443}
_HOSTNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._")
# Bind-all addresses are what a server listens on; a client must dial loopback instead.
_DIAL_INSTEAD = {"0.0.0.0": _LOOPBACK_V4, "::": "::1"}
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]*@")


class OllamaHost(msgspec.Struct, frozen=True, kw_only=True):
    """A dialable Ollama server address.

    ``host`` is a lower-cased hostname or IP literal (IPv6 without brackets); ``path`` is a
    reverse-proxy prefix such as ``/ollama`` or ``""``. ``username``/``password`` come from a
    ``user:password@`` part of the URL; ``repr()`` never shows them.
    """

    scheme: str = "http"
    host: str = _LOOPBACK_V4
    port: int = DEFAULT_PORT
    path: str = ""
    username: str | None = None
    password: str | None = None

    @property
    def _netloc(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"{shown}:{self.port}"

    @property
    def url(self) -> str:
        """``scheme://host:port[/path]`` with an explicit port and without credentials."""
        return f"{self.scheme}://{self._netloc}{self.path}"

    @property
    def display(self) -> str:
        """The URL for logs, errors and cache files: credentials shown as ``***``."""
        if self.username is None and self.password is None:
            return self.url
        return f"{self.scheme}://***@{self._netloc}{self.path}"

    @property
    def auth(self) -> str | None:
        """The ``Authorization`` header value for URL credentials (HTTP Basic), or None."""
        if self.username is None and self.password is None:
            return None
        raw = f"{self.username or ''}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def __repr__(self) -> str:
        return f"OllamaHost({self.display!r})"

    def __str__(self) -> str:
        return self.display


def redact_url(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URL in it replaced by ``***@``."""
    return _USERINFO.sub(r"\g<scheme>***@", text)


def _unquote(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def _split_userinfo(netloc: str) -> tuple[str, str | None, str | None]:
    if "@" not in netloc:
        return netloc, None, None
    userinfo, _, netloc = netloc.rpartition("@")
    user, sep, password = userinfo.partition(":")
    return netloc, user, (password if sep else None)


def _check_hostname(original: str, host: str) -> str:
    host = host.lower()
    if ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidHost(
                redact_url(original), f"{host!r} is not a valid IPv6 address"
            ) from None
        return "::1" if address.is_unspecified else host
    bad = sorted(set(host) - _HOSTNAME_CHARS)
    if bad:
        raise InvalidHost(
            redact_url(original), f"hostname {host!r} contains {bad[0]!r}, which is not allowed"
        )
    return host


def _parse_port(original: str, text: str, default: int) -> int:
    if text == "":
        return default
    if not text.isascii() or not text.isdigit():
        raise InvalidHost(redact_url(original), f"port {text!r} is not a number")
    port = int(text)
    if not 1 <= port <= 65535:
        raise InvalidHost(redact_url(original), f"port {port} is outside 1-65535")
    return port


def parse_host(text: str) -> OllamaHost:
    """Parse an ``OLLAMA_HOST``-style address into a dialable :class:`OllamaHost`.

    Surrounding whitespace and quotes are trimmed; empty means ``http://127.0.0.1:11434``.
    Bind-all addresses (``0.0.0.0``, ``::``) become loopback. Raises
    :class:`~ollm_actors.errors.InvalidHost` (credentials redacted) for a scheme other than
    http(s), a bad port or an impossible hostname.
    """
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
            raise InvalidHost(redact_url(value), f"scheme {scheme_text!r} is not http or https")
        default_port = _SCHEME_PORTS[scheme]
    else:
        scheme, rest, default_port = "http", value, DEFAULT_PORT

    netloc, slash, path_text = rest.partition("/")
    path = "/" + path_text.strip("/") if slash and path_text.strip("/") else ""
    if any(char.isspace() for char in path):
        raise InvalidHost(redact_url(value), f"path {path!r} contains whitespace")
    netloc, username, password = _split_userinfo(netloc)

    if netloc.startswith("["):
        host_text, bracket, after = netloc[1:].partition("]")
        if not bracket:
            raise InvalidHost(redact_url(value), "'[' without a closing ']'")
        if after and not after.startswith(":"):
            raise InvalidHost(redact_url(value), f"unexpected {after!r} after ']'")
        port_text = after[1:]
        if not host_text:
            raise InvalidHost(redact_url(value), "empty IPv6 address between '[' and ']'")
    elif netloc.count(":") >= 2:
        # An unbracketed IPv6 literal (Go accepts ``::1``) cannot carry a port.
        host_text, port_text = netloc, ""
    else:
        host_text, _, port_text = netloc.partition(":")

    host = _check_hostname(value, host_text) if host_text else _LOOPBACK_V4
    port = _parse_port(value, port_text, default_port)
    host = _DIAL_INSTEAD.get(host, host)
    return OllamaHost(
        scheme=scheme, host=host, port=port, path=path, username=username, password=password
    )
