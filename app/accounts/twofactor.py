"""Two-step sign-in: an authenticator app's six-digit codes (TOTP, RFC 6238, by pyotp) and ten
single-use recovery codes.

Required for every account with a staff role before a staff page opens (a staff account can give
participants away), optional for learners. A code works once: the time step of the last code used is
kept, and an older or equal one is refused. Recovery codes are shown once and kept as hashes. A lost
phone goes through an admin (audited) or `academy users reset-2fa EMAIL`.

A recovery code is kept as an HMAC under the secret key of its SHA-256 (`recovery_hash`): a copy of the
database without the data directory's key cannot be searched for codes (ten characters, about 50 bits,
would fall to a plain hash). Migration 0014 put the codes made before it under the key the same way.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, RecoveryCode, SignInChallenge, TwoFactor, User, UserSession
from app.accounts.service import record
from app.config import Settings
from app.db import utcnow
from app.security import hash_token, keyed_hash, random_token

ISSUER = "Civic Space Academy"
RECOVERY_CODES = 10
CHALLENGE_SECONDS = 300  # from a right password to her code
CHALLENGE_TRIES = 5  # wrong codes before she must start again with her password
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


def of(session: Session, user_id: int) -> TwoFactor | None:
    return session.get(TwoFactor, user_id)


def enabled(session: Session, user_id: int) -> bool:
    found = of(session, user_id)
    return found is not None and found.confirmed_at is not None


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str  # drawn here (segno), inline: nothing is loaded from elsewhere


def begin(session: Session, *, user: User) -> Enrolment:
    """A new secret for her app (or the one she has not confirmed yet), with its QR code."""
    import pyotp  # here, as below: 2FA is for staff, and these two take 15 MB that learners never use
    import segno

    found = of(session, user.id)
    if found is None or found.confirmed_at is not None:
        if found is not None:
            session.delete(found)
            session.flush()
        found = TwoFactor(user_id=user.id, secret=pyotp.random_base32(), last_step=0)
        session.add(found)
        session.flush()
    uri = pyotp.TOTP(found.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=2)
    return Enrolment(found.secret, uri, svg)


def _step(moment: float) -> int:
    return int(moment // 30)


def _totp_step(secret: str, code: str, *, now: float) -> int | None:
    """The time step a six-digit code belongs to (this one, or one either side for a slow clock)."""
    import pyotp

    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        moment = now + offset * 30
        if secrets.compare_digest(totp.at(moment), code):
            return _step(moment)
    return None


def _clean(code: str) -> str:
    """Letters and digits as she typed them (ASCII only: other digits are not a code)."""
    return "".join(ch for ch in code.lower() if ch.isascii() and ch.isalnum())


def confirm(
    session: Session,
    *,
    settings: Settings,
    user: User,
    code: str,
    now: float | None = None,
    keep_session_id: int | None = None,
) -> list[str] | None:
    """Her first code from the app: two-step sign-in is on, and her recovery codes are made (returned
    once, to be shown once). None when the code is wrong."""
    found = of(session, user.id)
    if found is None or found.confirmed_at is not None:
        return None
    step = _totp_step(found.secret, _clean(code), now=now if now is not None else time.time())
    if step is None:
        return None
    found.confirmed_at, found.last_step = utcnow(), step
    codes = _new_recovery_codes(session, settings=settings, user_id=user.id)
    # What was opened with the password alone (other sessions, app tokens) must sign in again with it.
    _end_access(session, user_id=user.id, keep_session_id=keep_session_id)
    record(session, actor=user, action="2fa.enable", target=user)
    return codes


def _end_access(session: Session, *, user_id: int, keep_session_id: int | None = None) -> None:
    statement = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep_session_id is not None:
        statement = statement.where(UserSession.id != keep_session_id)
    session.execute(statement)
    session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user_id))


def recovery_hash(settings: Settings, code: str) -> str:
    return keyed_hash(settings.resolved_secret_key, hash_token(code))


def _new_recovery_codes(session: Session, *, settings: Settings, user_id: int) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user_id, code_hash=recovery_hash(settings, raw)))
    session.flush()
    return codes


def new_recovery_codes(session: Session, *, settings: Settings, user: User) -> list[str]:
    codes = _new_recovery_codes(session, settings=settings, user_id=user.id)
    record(session, actor=user, action="2fa.recovery_codes", target=user)
    return codes


def recovery_codes_left(session: Session, *, user_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def verify(
    session: Session, *, settings: Settings, user_id: int, code: str, now: float | None = None
) -> str | None:
    """Her code: "totp" or "recovery" when it is good (and now used up), None when it is not."""
    found = of(session, user_id)
    if found is None or found.confirmed_at is None:
        return None
    cleaned = _clean(code)
    if len(cleaned) == 6 and cleaned.isdigit():
        step = _totp_step(found.secret, cleaned, now=now if now is not None else time.time())
        if step is None:
            return None
        # Used once: only a later step moves it on, in one statement, so two requests racing with the
        # same code cannot both pass.
        moved = session.execute(
            sa.update(TwoFactor)
            .where(TwoFactor.user_id == user_id, TwoFactor.last_step < step)
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        )
        session.expire(found)
        return "totp" if getattr(moved, "rowcount", 0) == 1 else None
    used = session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == recovery_hash(settings, cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return "recovery" if getattr(used, "rowcount", 0) == 1 else None


def disable(session: Session, *, actor: User | None, user: User, action: str = "2fa.disable") -> None:
    """Two-step sign-in off, recovery codes gone (her own choice, or an admin's reset: audited)."""
    session.execute(sa.delete(TwoFactor).where(TwoFactor.user_id == user.id))
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(sa.delete(SignInChallenge).where(SignInChallenge.user_id == user.id))
    if action == "2fa.reset":  # a lost phone: whatever it had open ends (sessions, app tokens)
        _end_access(session, user_id=user.id)
    record(session, actor=actor, action=action, target=user)


# The code step of signing in ------------------------------------------------------------------------------


def start_challenge(session: Session, *, user: User) -> str:
    """Her password was right and she has two-step sign-in: a token for the code step."""
    now = utcnow()
    session.execute(sa.delete(SignInChallenge).where(SignInChallenge.expires_at <= now))
    token = random_token()
    expires = now + dt.timedelta(seconds=CHALLENGE_SECONDS)
    session.add(
        SignInChallenge(token_hash=hash_token(token), user_id=user.id, expires_at=expires, failures=0)
    )
    session.flush()
    return token


def challenged(session: Session, *, token: str) -> SignInChallenge | None:
    found = session.scalar(sa.select(SignInChallenge).where(SignInChallenge.token_hash == hash_token(token)))
    if found is None or found.expires_at <= utcnow() or found.failures >= CHALLENGE_TRIES:
        return None
    return found


def answer_challenge(
    session: Session, *, settings: Settings, challenge: SignInChallenge, code: str
) -> str | None:
    """Her code for the challenge: how it was good ("totp", "recovery"), or None (a failure counted)."""
    how = verify(session, settings=settings, user_id=challenge.user_id, code=code)
    if how is None:
        session.execute(
            sa.update(SignInChallenge)
            .where(SignInChallenge.id == challenge.id)
            .values(failures=SignInChallenge.failures + 1)
            .execution_options(synchronize_session=False)
        )
        return None
    session.delete(challenge)
    session.flush()
    return how
