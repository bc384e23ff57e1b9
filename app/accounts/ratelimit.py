"""Rate limits that hold across app processes: counters in the database, fixed one-window buckets.

Each hit is one atomic upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`), so concurrent requests
on several processes count exactly, on PostgreSQL and SQLite alike. A route declares its limits as a
dependency, `limited(rule, ..., by=...)`: the attempt is counted in a short write of its own
(Database.write_aside), in a turn before the route's own, so it stays counted whatever the route does next
and never waits on the route's write lock; past a limit, the route's refusal page says so (429).
Keys are HMACs of what they limit (an address, an email) under the app's secret: the table never holds
an address, and old windows are deleted as new ones are written.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.accounts.exceptions import RateLimited
from app.accounts.models import RateLimitCounter
from app.db import Database, dialect_insert
from app.forms import FormErrors, Invalid


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


def clock() -> float:
    """Now, for the windows (the tests hold it still, so that a window never ends mid-test)."""
    return time.time()


class RateLimiter:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")

    def key(self, limit: Limit, subject: str) -> str:
        message = f"{limit.name}\x00{subject.strip().lower()}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def hit(self, session: Session, limit: Limit, subject: str, *, now: float | None = None) -> bool:
        """Count one attempt (the caller commits); True while the subject is within its limit."""
        moment = int(now if now is not None else clock())
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
        return int(hits) <= limit.hits


Subject = Callable[[Request, dict[str, Any]], str]


def limited(*rules: Limit, by: Subject, form: Any = None) -> Any:
    """A dependency: count the request against `rules` for the subject `by(request, values)` names (an
    address, an account; `values` are the posted form's fields when `form` is the route's form
    dependency). Within the limits: None. Past one: an Invalid that the route's refusal page shows."""

    async def check(request: Request, posted: Any = form or Depends(_no_form)) -> Invalid | None:
        values = posted.model_dump(by_alias=True) if isinstance(posted, BaseModel) else {}
        subject = by(request, values)
        limiter: RateLimiter = request.app.state.rate_limiter
        database: Database = request.app.state.database

        def count(session: Session) -> bool:
            within = [limiter.hit(session, rule, subject) for rule in rules]  # every rule counts the hit
            return all(within)

        if await database.run(database.write_aside, count):
            return None
        errors = FormErrors()
        errors.add("", RateLimited.message)
        return Invalid(errors, RateLimited.status_code)

    check.__name__ = "limited_" + "_".join(rule.name.replace("-", "_") for rule in rules)
    check.academy_responses = (429,)  # type: ignore[attr-defined]  # for the API's document
    return Depends(check)


async def _no_form() -> None:
    return None


def address_of(request: Request, _values: dict[str, Any]) -> str:
    return request.client.host if request.client else "unknown"


def account_of(request: Request, _values: dict[str, Any]) -> str:
    """The signed-in person (cookie or bearer token: the principal the route's Require found first)."""
    principal = getattr(request.state, "api_principal", None) or getattr(request.state, "principal", None)
    return str(principal.user_id) if principal is not None else address_of(request, _values)
