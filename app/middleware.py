"""Pure ASGI middleware of the shared core: request context and logging, security headers, locale.

Pure ASGI rather than BaseHTTPMiddleware: it is cheaper on every request and keeps context
variables visible to the route.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.datastructures import MutableHeaders
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.errors import as_unavailable, error_response
from app.logs import request_id_var
from app.security import SECURITY_HEADERS

log = logging.getLogger("academy.request")
LOCALE_COOKIE = "academy_locale"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Gives each request an id, logs one line when it ends, and turns a crash into the 500 page (or an
    overload met before the route, such as no thread for the session lookup, into the 503 page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else secrets.token_hex(8)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            outage = as_unavailable(exc)  # also raised outside the routes (the session's lookup)
            if outage is not None and not response_started:
                response = error_response(
                    Request(scope), outage.status_code, outage.translated(), headers=outage.headers
                )
                await response(scope, receive, send_wrapper)
                log.warning("request", extra=_fields(scope, status, started))
                return
            status = 500
            log.exception("unhandled error", extra=_fields(scope, status, started))
            if not response_started:
                response = error_response(Request(scope), 500)
                await response(scope, receive, send_wrapper)
            return
        else:
            level = logging.WARNING if status >= 500 else logging.INFO
            log.log(level, "request", extra=_fields(scope, status, started))
        finally:
            request_id_var.reset(token)


def _fields(scope: Scope, status: int, started: float) -> dict[str, object]:
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get("path", "")[:200]
    return {
        "method": scope.get("method"),
        "path": path,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


class SecurityHeadersMiddleware:
    """The security headers on every response, errors included: app.main wraps the whole stack with it,
    outside Starlette's own error middleware, so a 500, a 413 or a 503 from the queue carries them too.

    A signed-in page and every JSON answer of the API are `Cache-Control: no-store` (unless the route
    said otherwise: our static files, a course's images): a shared or seized phone keeps no copy of them
    in the browser's cache. (The offline layer's own copies are the ones she chose; docs/offline.md.)"""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if https:
            self.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
                if "cache-control" not in headers and _private(scope):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _private(scope: Scope) -> bool:
    """Signed in (the accounts middleware put her in the request's state), or an answer of the API."""
    state = scope.get("state") or {}
    return state.get("principal") is not None or str(scope.get("path", "")).startswith("/api/")


class LocaleMiddleware:
    """The request's language from the language cookie, else Accept-Language, else the default.

    A signed-in user's own setting wins over both; the accounts middleware applies it.
    """

    def __init__(self, app: ASGIApp, *, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = cookie_value(scope, LOCALE_COOKIE)
        if locale not in i18n.LOCALE_NAMES:
            locale = i18n.parse_accept_language(_header(scope, b"accept-language")) or self.default
        with i18n.use_locale(locale):
            await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def cookie_value(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    return cookie_parser(raw).get(name) if raw else None
