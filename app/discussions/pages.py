"""What the discussion routes share: rendering, the posting limit, and page numbers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import ratelimit
from app.accounts.exceptions import RateLimited
from app.accounts.principal import Principal

LAST_PAGE = 10_000  # a page number past any end: lists clamp it to their last page


def render(
    request: Request, name: str, context: dict[str, Any], *, block: str | None = None, status_code: int = 200
) -> Response:
    return request.app.state.templates.render(  # type: ignore[no-any-return]
        request, name, context, block=block, status_code=status_code
    )


def limit_posting(request: Request, session: Session, principal: Principal) -> None:
    """Count a post (or a new thread) against her limits; call it before anything else is written,
    because the limiter commits."""
    limiter = request.app.state.rate_limiter
    subject = str(principal.user_id)
    for rule in (ratelimit.POST_PER_MINUTE, ratelimit.POST_PER_HOUR):
        if not limiter.hit(session, rule, subject):
            raise RateLimited()


def page_number(value: str | int | None) -> int:
    try:
        return max(1, min(int(value or 1), LAST_PAGE))
    except ValueError:
        return 1
