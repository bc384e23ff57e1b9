"""Rate limits that hold across app processes: counters in the database, fixed one-window buckets.

Each hit is one atomic upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`), so concurrent requests
on several processes count exactly, on PostgreSQL and SQLite alike. A hit commits the request's session
at once: an attempt, once counted, stays counted whatever the request does next. So call it first, before
the route writes anything else (and on SQLite, a second connection would wait for the request's own lock).
Keys are HMACs of what they limit (an address, an email) under the app's secret: the table never holds
an address, and old windows are deleted as new ones are written.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import RateLimitCounter
from app.db import dialect_insert


@dataclass(frozen=True)
class Limit:
    name: str
    hits: int
    seconds: int


# A whole training room often shares one address (mobile carriers put many phones behind one), so
# limits per address are looser than limits per account.
LOGIN_PER_ACCOUNT = Limit("login-account", 5, 60)
LOGIN_PER_ADDRESS = Limit("login-address", 30, 60)
REGISTER_PER_ADDRESS = Limit("register-address", 20, 600)
REGISTER_PER_EMAIL = Limit("register-email", 3, 600)
RESET_PER_ACCOUNT = Limit("reset-account", 3, 900)
RESET_PER_ADDRESS = Limit("reset-address", 10, 600)
# Posting (new threads and replies) and flagging, per account: enough for a lively discussion, too few
# for a script filling a thread.
POST_PER_MINUTE = Limit("post-minute", 6, 60)
POST_PER_HOUR = Limit("post-hour", 60, 3600)
FLAG_PER_HOUR = Limit("flag-hour", 30, 3600)


class RateLimiter:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")

    def key(self, limit: Limit, subject: str) -> str:
        message = f"{limit.name}\x00{subject.strip().lower()}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def hit(self, session: Session, limit: Limit, subject: str, *, now: float | None = None) -> bool:
        """Count one attempt and commit; True while the subject is within its limit."""
        moment = int(now if now is not None else time.time())
        window = moment - moment % limit.seconds
        key = self.key(limit, subject)
        table = cast(sa.Table, RateLimitCounter.__table__)
        values = {"key": key, "window_start": window, "hits": 1, "expires_at": window + limit.seconds}
        insert = dialect_insert(session)
        statement = (
            insert(table)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[table.c.key, table.c.window_start], set_={"hits": table.c.hits + 1}
            )
            .returning(table.c.hits)
        )
        hits = session.execute(statement).scalar_one()
        if hits == 1:  # the first hit of a window tidies away windows that have ended
            session.execute(sa.delete(table).where(table.c.expires_at < moment))
        session.commit()
        return int(hits) <= limit.hits
