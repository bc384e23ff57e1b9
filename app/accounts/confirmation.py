"""She confirms it is her again (her password, or a code from her app) before something risky, such as a
participant export: noted on her session for ten minutes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service, twofactor
from app.accounts.exceptions import NotHerPassword
from app.accounts.models import UserSession
from app.config import Settings
from app.db import utcnow
from app.principal import Principal

CONFIRMATION_LASTS = dt.timedelta(minutes=10)


def check_password(session: Session, *, settings: Settings, principal: Principal, password: str) -> None:
    """The signed-in person typed her own password; else NotHerPassword, shown beside the field."""
    if service.authenticate(session, settings=settings, email=principal.email, password=password) is None:
        raise NotHerPassword()


def confirmed_lately(session: Session, *, principal: Principal) -> bool:
    """She typed her password (or a code) again in the last ten minutes, in this session."""
    when = session.scalar(sa.select(UserSession.confirmed_at).where(UserSession.id == principal.session_id))
    return when is not None and utcnow() - when < CONFIRMATION_LASTS


def confirm_again(session: Session, *, settings: Settings, principal: Principal, secret: str) -> bool:
    """Her password, or a code from her authenticator app: right, and noted for ten minutes."""
    cleaned = secret.strip()
    good = False
    if (
        cleaned.isascii()
        and cleaned.isdigit()
        and len(cleaned) == 6
        and twofactor.enabled(session, principal.user_id)
    ):
        good = (
            twofactor.verify(session, settings=settings, user_id=principal.user_id, code=cleaned) is not None
        )
    if not good and cleaned:
        good = (
            service.authenticate(session, settings=settings, email=principal.email, password=secret)
            is not None
        )
    if good:
        session.execute(
            sa.update(UserSession).where(UserSession.id == principal.session_id).values(confirmed_at=utcnow())
        )
    return good
