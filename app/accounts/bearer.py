"""The API's bearer tokens: who a token belongs to, for `app.web.access.Require` (create_app hands it
`token_owner` through the app's state)."""

from __future__ import annotations

from fastapi import Request

from app import content_version
from app.accounts import service as accounts_service
from app.db import Database
from app.principal import Principal


async def token_owner(request: Request, token: str) -> Principal | None:
    """For /api/ with a bearer token (cookies are then ignored): the token's owner. Looked up like a
    cookie's session (Database.look_up: on the event loop for SQLite, a worker thread's turn for
    PostgreSQL), with the content's version;
    its "last used" note, written now and then, is skipped when the worker threads are all busy."""
    if not hasattr(request.state, "api_principal"):
        request.state.api_principal = await _token_owner(request, token)
    principal: Principal | None = request.state.api_principal
    return principal


async def _token_owner(request: Request, token: str) -> Principal | None:
    database: Database = request.app.state.database
    found = await database.look_up(
        lambda connection: accounts_service.api_token_owner(
            connection, settings=request.app.state.settings, token=token
        )
    )
    if found is None:
        return None
    content_version.remember(request.scope.setdefault("state", {}), found.content_version)
    if found.needs_touch:  # when the token was last used: not worth refusing the request for
        await database.note(lambda session: accounts_service.note_api_token_use(session, token=token))
    return found.principal
