"""Typed accessors for what `create_app` keeps in the app's state, so that a route or dependency says
`settings(request)` instead of reaching into `request.app.state` untyped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request

from app.config import Settings
from app.db import Database
from app.principal import Principal

if TYPE_CHECKING:
    from app.staticfiles import StaticAssets
    from app.web.templating import Templates

TokenOwner = Callable[[Request, str], Awaitable[Principal | None]]


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def database(request: Request) -> Database:
    value: Database = request.app.state.database
    return value


def templates(request: Request) -> Templates:
    value: Templates = request.app.state.templates
    return value


def static(request: Request) -> StaticAssets:
    value: StaticAssets = request.app.state.static
    return value


def token_owner(request: Request) -> TokenOwner:
    """Who a bearer token belongs to (the accounts domain's lookup, set by create_app)."""
    value: TokenOwner = request.app.state.token_owner
    return value
