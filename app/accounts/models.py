"""Who people are on the platform, how they are signed in, and what staff did.

We keep the minimum: an email to sign in and receive links, a display name that may be a pseudonym,
a password hash, a language and an optional region. Session and reset tokens are stored only as
SHA-256 hashes, so a copy of the database does not let anyone sign in. Rate-limit counters hold keyed
hashes of addresses, never the addresses, and are deleted once their window has passed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(sa.String(80))  # may be a pseudonym
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="ru")
    region: Mapped[str | None] = mapped_column(sa.String(8))  # ISO 3166-2 code, or None
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # to the nearest few minutes
    # Kept by discussions, so that the menu shows the number without a query on every page.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(role.role for role in self.roles)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise")


class UserSession(Base):
    """A signed-in browser. The cookie holds the token; we keep its hash."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # absolute expiry

    user: Mapped[User] = relationship(lazy="raise")


class PendingRegistration(Base):
    """A registration waiting for its email link. The account is made only when the link is used,
    so the registration form never reveals whether an address already has an account."""

    __tablename__ = "pending_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5))
    region: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PasswordReset(Base):
    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Who did what to whom, and when: role changes and other staff actions. Append-only."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(80))  # display name at the time, or "command line"
    action: Mapped[str] = mapped_column(sa.String(60), index=True)  # e.g. "role.grant"
    target_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    target_label: Mapped[str | None] = mapped_column(sa.String(80))
    detail: Mapped[str] = mapped_column(sa.String(500), default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")
    target: Mapped[User | None] = relationship(foreign_keys=[target_user_id], lazy="raise")


class RateLimitCounter(Base):
    """Hits per key in a fixed window. Keys are keyed hashes (see ratelimit.py), never raw addresses."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)  # unix seconds
    hits: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[int] = mapped_column(sa.BigInteger, index=True)  # unix seconds


class ApiToken(Base):
    """A bearer token for the JSON API (a phone app, an offline sync). Stored as a hash; revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
