"""The one place where httpx exceptions become ollm-actors errors.

Every call into httpx made by the wire layer runs inside :func:`translate_errors`, so no
httpx exception leaves ``ollm_actors.ollama`` (httpcore's ``map_exceptions`` idea). Messages
use the host's credential-free display form only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ollm_actors.errors import HostUnreachable, OllmError, ProtocolError
from ollm_actors.vocab.hosts import redact_url

__all__ = ("HTTPX_ERRORS", "redact", "split_query", "translate_error", "translate_errors")

# The query of a URL in a message: often a credential (``?token=...``), never needed there.
_URL_QUERY = re.compile(r"(?P<url>[A-Za-z][A-Za-z0-9+.-]*://[^\s?#]*)\?[^\s#]*")


def split_query(path: str) -> tuple[str, str]:
    """A host's path prefix and the query written after it (``/ollama?token=x``).

    ``OllamaHost`` keeps whatever follows the authority in ``path``; a query there is often a
    credential, so it is sent as the query of every request and shown nowhere.
    """
    path, _, query = path.partition("#")[0].partition("?")
    return path, query


def redact(text: str) -> str:
    """``text`` with URL credentials as ``***`` and URL queries left out."""
    return _URL_QUERY.sub(r"\g<url>", redact_url(text))


def translate_error(
    exc: Exception,
    host: str,
    endpoint: str,
    *,
    connect_timeout: float,
    read_timeout: float,
    reading_body: bool = False,
) -> OllmError:
    """The typed error for an httpx exception (the caller raises it ``from exc``).

    Connect failures, timeouts and dropped connections give
    :class:`~ollm_actors.errors.HostUnreachable` (retryable); a response httpx cannot decode
    gives :class:`~ollm_actors.errors.ProtocolError`. ``read_timeout`` is the bound of the
    phase the exception came from: the wait for the answer's head, or (``reading_body``)
    the silence allowed between two reads of its body.
    """
    if isinstance(exc, httpx.ConnectTimeout):
        return HostUnreachable(host, f"no connection within {connect_timeout:g} s")
    if isinstance(exc, httpx.ConnectError):
        return HostUnreachable(host, f"connection failed ({_detail(exc)})")
    if isinstance(exc, httpx.PoolTimeout):
        return HostUnreachable(host, "no free connection in time")
    if isinstance(exc, httpx.TimeoutException):
        # Read and write timeouts: the server accepted us but went quiet (hung or stalled).
        if reading_body:
            return HostUnreachable(
                host, f"no data from {endpoint} within {read_timeout:g} s (the stream stalled)"
            )
        return HostUnreachable(host, f"no answer from {endpoint} within {read_timeout:g} s")
    if isinstance(
        exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | httpx.CloseError
    ):
        return HostUnreachable(host, f"connection dropped during {endpoint} ({_detail(exc)})")
    if isinstance(exc, httpx.DecodingError):
        return ProtocolError(host, endpoint, f"undecodable response: {_detail(exc)}")
    if isinstance(exc, httpx.StreamError):
        return HostUnreachable(host, f"the response stream of {endpoint} was closed")
    if isinstance(exc, httpx.InvalidURL):
        return HostUnreachable(host, f"invalid URL: {_detail(exc)}")
    # The remaining transport errors (proxy, unsupported protocol, ...): the host cannot be
    # talked to as configured.
    return HostUnreachable(host, _detail(exc))


#: What :func:`translate_errors` catches.
HTTPX_ERRORS = (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL)


@contextmanager
def translate_errors(
    host: str, endpoint: str, *, connect_timeout: float, read_timeout: float
) -> Iterator[None]:
    """Run the body; re-raise an httpx exception as :func:`translate_error` says.

    Cancellation and every other exception pass through untouched.
    """
    try:
        yield
    except HTTPX_ERRORS as exc:
        raise translate_error(
            exc, host, endpoint, connect_timeout=connect_timeout, read_timeout=read_timeout
        ) from exc


def _detail(exc: Exception) -> str:
    text = redact(str(exc)).strip()
    return text or type(exc).__name__
