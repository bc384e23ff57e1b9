"""The API's bearer tokens: who a token belongs to, for `app.web.access.Require` (create_app hands it
`token_owner` through the app's state)."""

from __future__ import annotations

from fastapi import Request

from app.accounts import service as accounts_service
from app.db import read
from app.errors import Busy
from app.principal import Principal


async def token_owner(request: Request, token: str) -> Principal | None:
    """For /api/ with a bearer token (cookies are then ignored): the token's owner. Looked up like a
    cookie's session (app.db.read: on the event loop for SQLite, a worker thread's turn for PostgreSQL);
    its "last used" note, written now and then, is skipped when the worker threads are all busy."""
    if not hasattr(request.state, "api_principal"):
        request.state.api_principal = await _token_owner(request, token)
    principal: Principal | None = request.state.api_principal
    return principal


async def _token_owner(request: Request, token: str) -> Principal | None:
    found = await read(
        request,
        lambda session: accounts_service.api_token_owner(
            session, settings=request.app.state.settings, token=token
        ),
    )
    if found is None:
        return None
    user, note_use = found
    if note_use:
        try:
            database = request.app.state.database
            await database.run(
                database.write_aside,
                lambda session: accounts_service.note_api_token_use(session, token=token),
            )
        except Busy:
            pass  # a note of when the token was last used is not worth refusing the request for
    return user
