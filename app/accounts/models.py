"""Who people are on the platform, how they are signed in, and what staff did.

We keep the minimum: an email to sign in and receive links, a display name that may be a pseudonym,
a password hash, a language and an optional region. Session and reset tokens are stored only as
SHA-256 hashes, so a copy of the database does not let anyone sign in. Rate-limit counters hold keyed
hashes of addresses, never the addresses, and are deleted once their window has passed.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


def new_public_id() -> str:
    return secrets.token_hex(6)


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
    # A stable pseudonymous id: the audit log names her by it, so deleting her account changes no row
    # there, and a row read on its own says nothing about who she is.
    # (Nullable in the schema only because SQLite cannot add a NOT NULL column without copying the table.)
    public_id: Mapped[str] = mapped_column(
        sa.String(16), nullable=True, unique=True, index=True, default=new_public_id
    )

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
    device: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")  # "Chrome · Android"
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # her password again, lately

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
    """Who did what to whom, and when: every staff action on participants' data (docs/security.md).

    Append-only: database triggers refuse UPDATE and DELETE (app/accounts/audit.py), so not even the
    application can change the record. People are named by their stable pseudonymous id
    (`user_account.public_id`), never by a copy of their name: the name shown is looked up, and a deleted
    account leaves its rows untouched, naming no one."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_ref: Mapped[str | None] = mapped_column(sa.String(16), index=True)  # None: the command line
    action: Mapped[str] = mapped_column(sa.String(60), index=True)  # e.g. "role.grant"
    target_ref: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    detail: Mapped[str] = mapped_column(sa.String(500), default="")


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


class TwoFactor(Base):
    """Her authenticator app (TOTP, RFC 6238): the shared secret, once she has confirmed it with a code.
    `last_step` is the time step of the last code used, so that a code works once."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(sa.String(64))  # base32
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_step: Mapped[int] = mapped_column(sa.BigInteger(), default=0)


class RecoveryCode(Base):
    """One of her ten single-use codes for a lost phone; we keep only its hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class SignInChallenge(Base):
    """The step between a right password and her code: a short-lived token in a cookie of its own."""

    __tablename__ = "sign_in_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(default=0)


class FormSubmission(Base):
    """A form that creates something, sent once: its one-time id (a hidden field made with the page),
    whose it is, and where its result is. A second send of the same id (two tabs, a double tap, a form
    sent again after a dropped connection) is answered with that result and creates nothing
    (app/accounts/submissions.py). Kept for a week."""

    __tablename__ = "form_submission"
    __table_args__ = (sa.UniqueConstraint("user_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    submission_id: Mapped[str] = mapped_column(sa.String(64))
    form: Mapped[str] = mapped_column(sa.String(40))
    location: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
