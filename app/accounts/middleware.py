"""Who is asking: the session cookie becomes a Principal, her language, and the CSRF token.

Pure ASGI, so that everything after it (the route, the error pages) sees the same principal and
language. The database lookup runs once per request that carries a session cookie: on the event loop
for SQLite (a local read that does not wait for writers, cheaper than a trip to a thread), in a turn of
the worker threads for PostgreSQL (a round trip); see Database.look_up. It reads the content's version
too, in the same statement (app/content_version.py).
Visitors who are not signed in get a random `academy_anon` cookie: it only anchors their CSRF token
(login and registration forms need one) and is not stored anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import content_version, i18n
from app.accounts import service
from app.config import Settings
from app.db import Database
from app.middleware import cookie_value
from app.principal import Principal
from app.security import hash_token, random_token

SESSION_COOKIE = "academy_session"
# Under https the cookie is `__Host-` prefixed: the browser then takes it only when it is Secure, for the
# whole site (Path=/) and from this very host (no Domain), so a sibling subdomain cannot plant or read it.
SECURE_SESSION_COOKIE = "__Host-academy_session"


def session_cookie_name(settings: Settings) -> str:
    return SECURE_SESSION_COOKIE if settings.https else SESSION_COOKIE


ANON_COOKIE = "academy_anon"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def session_cookie_header(settings: Settings, token: str | None) -> str:
    """Set-Cookie for the session (or its removal when token is None)."""
    parts = [f"{session_cookie_name(settings)}={token or ''}", "Path=/", "HttpOnly", "SameSite=Lax"]
    parts.append(f"Max-Age={settings.session_max_age if token else 0}")
    if settings.https:
        parts.append("Secure")
    return "; ".join(parts)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, database: Database, settings: Settings, secret: str) -> None:
        self.app = app
        self.database = database
        self.settings = settings
        self._secret = secret.encode("utf-8")

    def csrf_token(self, basis: str) -> str:
        return hmac.new(self._secret, f"csrf\x00{basis}".encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies_to_set: list[str] = []
        principal: Principal | None = None
        token = cookie_value(scope, session_cookie_name(self.settings))
        state = scope.setdefault("state", {})
        if token and _TOKEN_SHAPE.match(token):
            principal = await self._load(token, state)
        if token and principal is None:
            cookies_to_set.append(session_cookie_header(self.settings, None))

        if principal is not None and token:
            basis = "session:" + hash_token(token)
        else:
            anon = cookie_value(scope, ANON_COOKIE)
            if not anon or not _TOKEN_SHAPE.match(anon):
                anon = random_token()
                secure = "; Secure" if self.settings.https else ""
                cookies_to_set.append(f"{ANON_COOKIE}={anon}; Path=/; HttpOnly; SameSite=Lax{secure}")
            basis = "anon:" + anon

        state["principal"] = principal
        state["csrf_token"] = self.csrf_token(basis)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and cookies_to_set:
                headers = MutableHeaders(scope=message)
                for cookie in cookies_to_set:
                    headers.append("set-cookie", cookie)
            await send(message)

        if principal is None:
            await self.app(scope, receive, send_wrapper)
            return
        with i18n.use_locale(principal.locale):
            await self.app(scope, receive, send_wrapper)

    async def _load(self, token: str, state: dict[str, Any]) -> Principal | None:
        active = await self.database.look_up(
            lambda connection: service.find_session(connection, settings=self.settings, token=token)
        )
        if active is None:
            return None
        content_version.remember(state, active.content_version)
        if active.needs_touch:  # a write, now and then (see TOUCH_EVERY): noting her last visit can wait
            principal = active.principal
            await self.database.note(
                lambda session: service.touch_session(
                    session, session_id=principal.session_id, user_id=principal.user_id
                )
            )
        return active.principal
