"""The number that changes whenever course content changes (app/courses/cache.py bumps it), and how a
request carries it.

Every signed-in request reads it in the same statement as her session or token (app/accounts/service.py:
a column of that lookup), instead of in a query of its own before the first cached read: on SQLite that
saved a fifth of a lesson page's database time, on PostgreSQL a round trip per page. The lookup puts it in
the request's state (`remember`), and the request's database sessions start knowing it (`app.db.seeded`).

Read a moment before the request's own reads, it can only be as old as them or older: an outline the
request builds from newer rows and keeps under it is never staler than its number says, and the next
request after a change reads the new number.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import SESSION_INFO, Base

SESSION_KEY = "content_version"  # in a database session's info: the number, or None (nothing cached)


class ContentVersion(Base):
    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)


VERSION = sa.select(ContentVersion.n).where(ContentVersion.id == 1)  # built once: asked on every page
COLUMN = VERSION.scalar_subquery().label("content_version")  # the same, as a column of another query


def remember(state: dict[str, Any], value: Any) -> None:
    """A lookup read the number: the request's database sessions start knowing it (`state`: the
    scope's "state"; app.db.seeded)."""
    state.setdefault(SESSION_INFO, {})[SESSION_KEY] = value
