"""What the discussion routes share: the posting limit."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from app.accounts import ratelimit
from app.accounts.exceptions import RateLimited
from app.principal import Principal


def limit_posting(request: Request, session: Session, principal: Principal) -> None:
    """Count a post (or a new thread) against her limits; call it before anything else is written,
    because the limiter commits."""
    limiter = request.app.state.rate_limiter
    subject = str(principal.user_id)
    for rule in (ratelimit.POST_PER_MINUTE, ratelimit.POST_PER_HOUR):
        if not limiter.hit(session, rule, subject):
            raise RateLimited()
