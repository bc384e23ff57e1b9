"""What every domain's pages share: rendering, today's date where she is, and page numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from app.web import state

LAST_PAGE = 10_000  # a page number past any end: lists clamp it to their last page


def render(
    request: Request, name: str, context: dict[str, Any], *, block: str | None = None, status_code: int = 200
) -> Response:
    """The whole page, or only `block` of it when htmx asks (app.web.templating)."""
    return state.templates(request).render(request, name, context, block=block, status_code=status_code)


def zone(request: Request) -> ZoneInfo:
    """The organisation's time zone (ACADEMY_TIMEZONE): a day it names ends at midnight there."""
    return ZoneInfo(state.settings(request).timezone)


def today(request: Request) -> dt.date:
    """Today in the school's time zone (deadlines and "due today" are dates there, not in UTC)."""
    return dt.datetime.now(zone(request)).date()


def page_number(value: str | int | None) -> int:
    try:
        return max(1, min(int(value or 1), LAST_PAGE))
    except ValueError:
        return 1
