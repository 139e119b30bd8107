"""Bearer-token check in front of the application: the token is compared in constant time
and never logged, echoed or put in an error."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ollm_actors.errors import ServiceRefused
from ollm_actors.service.wire import error_body

__all__ = ("BearerToken",)

_OPEN = frozenset({"/v1/health"})


class BearerToken:
    """ASGI middleware: HTTP requests other than ``/v1/health`` need the bearer token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in _OPEN:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not secrets.compare_digest(given, self._expected):
                await self._refuse(scope, receive, send, bool(given))
                return
        await self._app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, given: bool) -> None:
        import msgspec

        reason = "wrong token" if given else "this service needs a token (Authorization: Bearer)"
        body: Any = error_body(ServiceRefused("this service", 401, reason))
        response = Response(
            msgspec.json.encode(body), status_code=401, media_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)
