"""Accounts: registration, sign-in sessions, passwords, roles and the audit log.

Functions take the session first and add and flush; the caller commits. Tokens are returned to the
caller once (to put in a cookie or a link) and stored only as hashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import content_version
from app.accounts import passwords
from app.accounts.exceptions import InvalidLink, LastAdmin, UnknownRole
from app.accounts.models import (
    ApiToken,
    AuditEvent,
    PasswordReset,
    PendingRegistration,
    TwoFactor,
    User,
    UserRole,
    UserSession,
)
from app.config import Settings
from app.db import beside, utcnow
from app.errors import NotFound
from app.forms import clean_line
from app.permissions import Role, granted, is_staff
from app.principal import Principal
from app.security import hash_token, random_token
from app.web.pagination import Page, paginate

REGISTRATION_LINK_HOURS = 48
RESET_LINK_MINUTES = 60
TOUCH_EVERY = dt.timedelta(minutes=5)  # how stale last_used_at may grow before we write it
STAFF_TOUCH_EVERY = dt.timedelta(minutes=1)
DELETED_ACCOUNT = "a deleted account"  # app.web.templating.NO_PERSON_LABELS translates it
COMMAND_LINE = "command line"


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_of(session: Session, principal: Principal) -> User:
    """The signed-in person's row (a 404 if her account is gone since the request began)."""
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound()
    return user


def update_profile(
    session: Session,
    *,
    user_id: int,
    display_name: str | None = None,
    locale: str | None = None,
    region: str | None = None,
) -> None:
    """Change what she says about herself: the fields given (an empty region: prefers not to say)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if display_name is not None:
        user.display_name = display_name
    if locale is not None:
        user.locale = locale
    if region is not None:
        user.region = region or None
    session.flush()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(sa.select(User).where(User.email == normalize_email(email))).one_or_none()


def create_user(
    session: Session,
    *,
    settings: Settings,
    email: str,
    password: str | None = None,
    password_hash: str | None = None,
    display_name: str,
    locale: str = "ru",
    region: str | None = None,
    roles: tuple[str, ...] = (Role.LEARNER,),
) -> User:
    """A confirmed account (from a registration link, the command line or a roster import)."""
    if password_hash is None:
        if password is None:
            raise ValueError("a password or its hash is needed")
        password_hash = passwords.hash_password(settings, password)
    user = User(
        email=normalize_email(email),
        display_name=display_name,
        password_hash=password_hash,
        locale=locale,
        region=region or None,
        roles=[UserRole(role=str(Role(role))) for role in dict.fromkeys(roles)],
    )
    session.add(user)
    session.flush()
    return user


# Registration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationStarted:
    """What to send: a confirmation link (token) for a new address, or a notice for a known one."""

    email: str
    locale: str
    token: str | None
    existing_user: User | None


def start_registration(
    session: Session,
    *,
    settings: Settings,
    email: str,
    display_name: str,
    password: str,
    locale: str,
    region: str | None,
) -> RegistrationStarted:
    email = normalize_email(email)
    # The same work whether or not the address has an account (the hash is most of it), so that the
    # time the form takes does not tell; the hash is simply not kept for a known address. Made before
    # the transaction begins (on SQLite it holds the writer lock of every process: authenticate).
    password_hash = passwords.hash_password(settings, password)
    session.execute(sa.delete(PendingRegistration).where(PendingRegistration.expires_at <= utcnow()))
    existing = get_user_by_email(session, email)
    token = random_token()
    if existing is not None:
        return RegistrationStarted(email=email, locale=existing.locale, token=None, existing_user=existing)
    session.add(
        PendingRegistration(
            token_hash=hash_token(token),
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            locale=locale,
            region=region or None,
            expires_at=utcnow() + dt.timedelta(hours=REGISTRATION_LINK_HOURS),
        )
    )
    session.flush()
    return RegistrationStarted(email=email, locale=locale, token=token, existing_user=None)


def confirm_registration(session: Session, *, settings: Settings, token: str) -> User:
    pending = session.scalars(
        sa.select(PendingRegistration).where(PendingRegistration.token_hash == hash_token(token))
    ).one_or_none()
    if pending is None or pending.expires_at <= utcnow():
        raise InvalidLink()
    if get_user_by_email(session, pending.email) is not None:  # confirmed by another link already
        session.execute(sa.delete(PendingRegistration).where(PendingRegistration.email == pending.email))
        raise InvalidLink()
    user = create_user(
        session,
        settings=settings,
        email=pending.email,
        password_hash=pending.password_hash,
        display_name=pending.display_name,
        locale=pending.locale,
        region=pending.region,
    )
    session.execute(sa.delete(PendingRegistration).where(PendingRegistration.email == pending.email))
    return user


# Sign-in and sessions -------------------------------------------------------------------------------


def authenticate(session: Session, *, settings: Settings, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (the same work and time either way: a
    missing account still costs a password's check).

    The check (Argon2id: tens of milliseconds, 19 MiB) runs before the session's transaction begins,
    on the hash read beside it: on SQLite a sign-in's transaction holds the writer lock of every
    process, and a cohort signing in at once would otherwise hold up every other write (progress,
    posts) for a check each. Should her password change between the check and the transaction, the
    answer is no."""
    stored, active = _stored_hash(session, email)
    ok, new_hash = passwords.verify_password(settings, password, stored)
    if not ok or not active:  # a suspended account: no further work, whether or not the password fits
        return None
    user = get_user_by_email(session, email)
    if user is None or not user.is_active or user.password_hash != stored:
        return None
    if new_hash:  # the cost parameters changed since this hash was made
        user.password_hash = new_hash
    return user


_STORED_HASH = sa.select(User.password_hash, User.is_active).where(User.email == sa.bindparam("email"))


def _stored_hash(session: Session, email: str) -> tuple[str | None, bool]:
    """Her password's hash and whether her account is active ((None, False) for no account), read
    outside the session's transaction if it has not begun (app.db.beside); inside it if it has (what
    the session has written is then seen)."""
    params = {"email": normalize_email(email)}
    if session.in_transaction():
        row = session.execute(_STORED_HASH, params).one_or_none()
    else:
        with beside(session) as connection:
            row = connection.execute(_STORED_HASH, params).one_or_none()
    return (row[0], bool(row[1])) if row is not None else (None, False)


def lifetimes(settings: Settings, roles: frozenset[str] | set[str]) -> tuple[int, int]:
    """How long a session may sit idle, and live at most (seconds): shorter for staff, who hold rosters."""
    if is_staff(roles):
        return settings.staff_session_idle_timeout, settings.staff_session_max_age
    return settings.session_idle_timeout, settings.session_max_age


def start_session(session: Session, *, settings: Settings, user: User, device: str = "") -> str:
    delete_expired_sessions(session, settings=settings, user_id=user.id)  # tidy up as we go
    token = random_token()
    now = utcnow()
    _idle, max_age = lifetimes(settings, user.role_names)
    session.add(
        UserSession(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            expires_at=now + dt.timedelta(seconds=max_age),
            device=device[:60],
        )
    )
    user.last_seen_at = now
    session.flush()
    return token


@dataclass(frozen=True)
class ActiveSession:
    principal: Principal
    needs_touch: bool  # her last use is worth writing down now
    content_version: int | None = None  # read in the same statement (app/content_version.py)


# Who is asking, for a cookie's session or a bearer token: one plain query (a row per role) that ends
# with these columns. Built once: every signed-in request runs it, and building a statement costs more
# than running it.
_PERSON = (
    User.id,
    User.display_name,
    User.email,
    User.locale,
    User.is_active,
    User.unread_notifications,
    TwoFactor.confirmed_at,
    UserRole.role,
)


def _person_lookup(*columns: Any, by: Any) -> sa.Select[Any]:
    """`columns` of the session or token row (`by`'s table), then _PERSON, for the token's hash."""
    return (
        sa.select(*columns, *_PERSON)
        .join(User, User.id == by.class_.user_id)
        .outerjoin(TwoFactor, TwoFactor.user_id == User.id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(by == sa.bindparam("token_hash"))
    )


def _principal(rows: Sequence[sa.Row[Any]], *, settings: Settings, session_id: int = 0) -> Principal | None:
    """The person of a lookup's rows (None: her account is closed)."""
    user_id, name, email, locale, active, unread, second, _role = rows[0][-len(_PERSON) :]
    if not active:
        return None
    roles = frozenset(str(row[-1]) for row in rows if row[-1] is not None)
    return Principal(
        user_id=user_id,
        session_id=session_id,
        display_name=name,
        email=email,
        locale=locale,
        roles=roles,
        capabilities=granted(
            roles, second_factor=second is not None, second_factor_required=settings.staff_two_factor
        ),
        notifications=unread,
        second_factor=second is not None,
    )


_SESSION_LOOKUP = _person_lookup(
    UserSession.id,
    UserSession.created_at,
    UserSession.expires_at,
    UserSession.last_used_at,
    content_version.COLUMN,
    by=UserSession.token_hash,
)


def find_session(session: Session | sa.Connection, *, settings: Settings, token: str) -> ActiveSession | None:
    """The live session for a cookie token, or None when it is unknown, expired or idle too long.

    Every signed-in request asks this, so it is one plain query (a row per role), built once, rather
    than ORM objects and a second query for the roles. A connection will do as well as a session."""
    rows = session.execute(_SESSION_LOOKUP, {"token_hash": hash_token(token)}).all()
    if not rows:
        return None
    session_id, created, expires_at, last_used, version = rows[0][:5]
    principal = _principal(rows, settings=settings, session_id=session_id)
    if principal is None:
        return None
    roles = principal.roles
    # Staff sessions end sooner (30 minutes idle, 12 hours at most by default), whenever she became staff.
    idle, max_age = lifetimes(settings, roles)
    now = utcnow()
    if expires_at <= now or created + dt.timedelta(seconds=max_age) <= now:
        return None
    if last_used + dt.timedelta(seconds=idle) <= now:
        return None
    # Her last use is written at most every few minutes (every minute for staff, whose idle limit is
    # short: expiry is then accurate to a minute).
    every = STAFF_TOUCH_EVERY if is_staff(roles) else TOUCH_EVERY
    return ActiveSession(principal, needs_touch=now - last_used >= every, content_version=version)


def touch_session(session: Session, *, session_id: int, user_id: int) -> None:
    now = utcnow()
    session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_used_at=now))
    session.execute(sa.update(User).where(User.id == user_id).values(last_seen_at=now))


def end_session(session: Session, *, token: str) -> None:
    session.execute(sa.delete(UserSession).where(UserSession.token_hash == hash_token(token)))


def sessions_of(
    session: Session, *, settings: Settings, user_id: int, roles: frozenset[str]
) -> list[UserSession]:
    """Her live sessions, the latest first (for "my sessions" on her account page)."""
    idle, _max_age = lifetimes(settings, roles)
    cutoff = utcnow() - dt.timedelta(seconds=idle)
    return list(
        session.scalars(
            sa.select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.expires_at > utcnow(),
                UserSession.last_used_at > cutoff,
            )
            .order_by(UserSession.last_used_at.desc())
        )
    )


def end_one_session(session: Session, *, user_id: int, session_id: int) -> bool:
    """One of her sessions ended (only hers: another's id ends nothing)."""
    result = session.execute(
        sa.delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id)
    )
    return _rowcount(result) == 1


def end_all_sessions(session: Session, *, user_id: int, keep_session_id: int | None = None) -> int:
    statement = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep_session_id is not None:
        statement = statement.where(UserSession.id != keep_session_id)
    return _rowcount(session.execute(statement))


def delete_expired_sessions(session: Session, *, settings: Settings, user_id: int) -> int:
    now = utcnow()
    idle_cutoff = now - dt.timedelta(seconds=settings.session_idle_timeout)
    statement = sa.delete(UserSession).where(
        UserSession.user_id == user_id,
        sa.or_(UserSession.expires_at <= now, UserSession.last_used_at <= idle_cutoff),
    )
    return _rowcount(session.execute(statement))


def _rowcount(result: sa.Result[Any]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# Passwords --------------------------------------------------------------------------------------------


def set_password(session: Session, *, settings: Settings, user: User, password: str) -> None:
    user.password_hash = passwords.hash_password(settings, password)
    session.flush()


def start_password_reset(session: Session, *, email: str) -> tuple[User, str] | None:
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        return None
    token = random_token()
    session.add(
        PasswordReset(
            token_hash=hash_token(token),
            user_id=user.id,
            expires_at=utcnow() + dt.timedelta(minutes=RESET_LINK_MINUTES),
        )
    )
    session.flush()
    return user, token


def valid_reset(session: Session, *, token: str) -> PasswordReset:
    reset = session.scalars(
        sa.select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    ).one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise InvalidLink()
    return reset


def complete_password_reset(session: Session, *, settings: Settings, token: str, password: str) -> User:
    """Set the new password, spend the link (and any other open ones), and sign out everywhere."""
    reset = valid_reset(session, token=token)
    user = session.get(User, reset.user_id)
    if user is None:
        raise InvalidLink()
    now = utcnow()
    session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    set_password(session, settings=settings, user=user, password=password)
    end_all_sessions(session, user_id=user.id)
    return user


# Roles and the audit log -------------------------------------------------------------------------------


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    target: User | None = None,
    detail: str = "",
) -> AuditEvent:
    event = AuditEvent(
        actor_ref=actor.public_id if actor else None,
        action=action,
        target_ref=target.public_id if target else None,
        detail=detail[:500],
    )
    session.add(event)
    session.flush()
    return event


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        raise UnknownRole() from None


def grant_role(session: Session, *, actor: User | None, user: User, role: str) -> bool:
    """Give a role; False when the user already had it. Logged."""
    wanted = _role(role)
    if wanted in user.role_names:
        return False
    user.roles.append(UserRole(role=str(wanted)))
    session.flush()
    record(session, actor=actor, action="role.grant", target=user, detail=str(wanted))
    return True


def revoke_role(session: Session, *, actor: User | None, user: User, role: str) -> bool:
    """Take a role away; False when the user did not have it. The last admin keeps hers. Logged."""
    wanted = _role(role)
    if wanted not in user.role_names:
        return False
    if wanted == Role.ADMIN and count_admins(session) <= 1:
        raise LastAdmin()
    user.roles = [r for r in user.roles if r.role != wanted]
    session.flush()
    record(session, actor=actor, action="role.revoke", target=user, detail=str(wanted))
    return True


def count_admins(session: Session) -> int:
    return (
        session.scalar(sa.select(sa.func.count()).select_from(UserRole).where(UserRole.role == Role.ADMIN))
        or 0
    )


def set_roles(session: Session, *, actor_id: int, user_id: int, roles: set[Role]) -> None:
    """Give her exactly `roles` (each change logged); the last administrator keeps hers (LastAdmin)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    actor = session.get(User, actor_id)
    for role in Role:
        if role in roles:
            grant_role(session, actor=actor, user=user, role=role)
        else:
            revoke_role(session, actor=actor, user=user, role=role)


def list_users(session: Session, *, query: str = "", page: int = 1, per_page: int = 50) -> Page[User]:
    """Users whose email or display name contains `query` (one line, at most 100 characters)."""
    query = clean_line(query, 100)
    statement = sa.select(User).order_by(User.id)
    if query:
        pattern = f"%{query.lower().replace('%', '').replace('_', '')}%"
        statement = statement.where(
            sa.or_(sa.func.lower(User.email).like(pattern), sa.func.lower(User.display_name).like(pattern))
        )
    return paginate(session, statement, page=page, per_page=per_page)


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: str  # her display name now, "command line" or "a deleted account" (labels translated on show)
    target: str | None
    actor_known: bool  # a person (her name is shown as she wrote it)
    target_known: bool


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""  # a prefix: "2fa", "role.grant"
    person: str = ""  # an email: what she did or what was done to her
    since: dt.date | None = None
    until: dt.date | None = None


def audit_events(
    session: Session, *, page: int = 1, per_page: int = 100, wanted: AuditFilter | None = None
) -> tuple[Page[AuditEvent], list[AuditRow]]:
    """The log, newest first, filtered; each row with the names of the people it names, looked up now."""
    wanted = wanted or AuditFilter()
    statement = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if wanted.action:
        statement = statement.where(AuditEvent.action.startswith(wanted.action, autoescape=True))
    if wanted.person:
        ref = session.scalar(sa.select(User.public_id).where(User.email == normalize_email(wanted.person)))
        if ref is None:
            statement = statement.where(sa.false())  # no such person: nothing, not every unnamed row
        else:
            statement = statement.where(sa.or_(AuditEvent.actor_ref == ref, AuditEvent.target_ref == ref))
    if wanted.since:
        statement = statement.where(AuditEvent.created_at >= _day_start(wanted.since))
    if wanted.until:
        statement = statement.where(AuditEvent.created_at < _day_start(wanted.until + dt.timedelta(days=1)))
    listing = paginate(session, statement, page=page, per_page=per_page)
    refs = {ref for event in listing.items for ref in (event.actor_ref, event.target_ref) if ref}
    names = dict(
        session.execute(sa.select(User.public_id, User.display_name).where(User.public_id.in_(refs))).all()
    )
    rows = [
        AuditRow(
            event,
            names.get(event.actor_ref, DELETED_ACCOUNT) if event.actor_ref else COMMAND_LINE,
            names.get(event.target_ref, DELETED_ACCOUNT) if event.target_ref else None,
            event.actor_ref in names,
            event.target_ref in names,
        )
        for event in listing.items
    ]
    return listing, rows


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


# API tokens --------------------------------------------------------------------------------------------

API_TOKEN_DAYS = 180


def create_api_token(session: Session, *, user: User, name: str = "") -> tuple[ApiToken, str]:
    token = random_token()
    row = ApiToken(
        token_hash=hash_token(token),
        user_id=user.id,
        name=name[:80],
        expires_at=utcnow() + dt.timedelta(days=API_TOKEN_DAYS),
    )
    session.add(row)
    session.flush()
    return row, token


_TOKEN_LOOKUP = _person_lookup(
    ApiToken.expires_at, ApiToken.last_used_at, content_version.COLUMN, by=ApiToken.token_hash
)


def api_token_owner(
    session: Session | sa.Connection, *, settings: Settings, token: str
) -> ActiveSession | None:
    """The active user a bearer token belongs to, and whether its use is worth noting now (at most every
    few minutes; the caller writes that with `note_api_token_use`, so that a read stays a read). One
    plain query (a row per role), as for a cookie's session: every API request asks it."""
    rows = session.execute(_TOKEN_LOOKUP, {"token_hash": hash_token(token)}).all()
    now = utcnow()
    if not rows or rows[0][0] <= now:
        return None
    last_used, version = rows[0][1:3]
    principal = _principal(rows, settings=settings)
    if principal is None:
        return None
    worth_noting = last_used is None or now - last_used >= TOUCH_EVERY
    return ActiveSession(principal, needs_touch=worth_noting, content_version=version)


def note_api_token_use(session: Session, *, token: str) -> None:
    session.execute(
        sa.update(ApiToken).where(ApiToken.token_hash == hash_token(token)).values(last_used_at=utcnow())
    )


def api_tokens_of(session: Session, *, user_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_api_token(session: Session, *, user_id: int, token_id: int) -> bool:
    result = session.execute(sa.delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    return _rowcount(result) > 0
