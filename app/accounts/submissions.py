"""Double clicks and replays: a form that creates something (a thread, a reply, a recommendation, an
endorsement, an amendment, a cohort, an invitation, a monitoring update) carries a one-time id
(app/web/once.py), like a progress event does. The first send claims the id and records where its
result is; a second send of the same id, in sequence or at the same moment, creates nothing and is sent
to that same result.

The claim is an INSERT ... ON CONFLICT DO NOTHING in the request's own transaction: a second send that
arrives while the first is still running waits for it (PostgreSQL's unique index; SQLite's write lock),
then finds its row and its result. If the first fails, its claim is rolled back with it, and the second
goes ahead. A form sent without an id (an old page, a script) is served as before.

In a route:

    earlier = once.earlier(session)
    if earlier:
        return redirect(request, earlier)
    ... create ...
    once.done(session, location)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.accounts.models import FormSubmission
from app.db import dialect_insert, utcnow
from app.web.access import current_principal
from app.web.once import FIELD, SHAPE

KEPT = dt.timedelta(days=7)


@dataclass
class Once:
    form: str
    user_id: int | None
    submission_id: str | None  # None: the form carried none; nothing is deduplicated

    def earlier(self, session: Session) -> str | None:
        """Claim this id; where the earlier send's result is, when this one was sent before."""
        if self.user_id is None or self.submission_id is None:
            return None
        insert = dialect_insert(session)
        claimed = session.execute(
            insert(FormSubmission)
            .values(
                user_id=self.user_id, submission_id=self.submission_id, form=self.form, created_at=utcnow()
            )
            .on_conflict_do_nothing(index_elements=["user_id", "submission_id"])
            .returning(FormSubmission.id)
        ).first()
        if claimed is not None:
            session.execute(
                sa.delete(FormSubmission).where(
                    FormSubmission.user_id == self.user_id, FormSubmission.created_at < utcnow() - KEPT
                )
            )
            return None
        location = session.scalar(
            sa.select(FormSubmission.location).where(
                FormSubmission.user_id == self.user_id, FormSubmission.submission_id == self.submission_id
            )
        )
        return location or "/"

    def release(self, session: Session) -> None:
        """Nothing was created after all (a form shown again to check something): the id is free."""
        if self.user_id is not None and self.submission_id is not None:
            session.execute(
                sa.delete(FormSubmission).where(
                    FormSubmission.user_id == self.user_id, FormSubmission.submission_id == self.submission_id
                )
            )

    def done(self, session: Session, location: str) -> str:
        """Record where this send's result is; returns `location`."""
        if self.user_id is not None and self.submission_id is not None:
            session.execute(
                sa.update(FormSubmission)
                .where(
                    FormSubmission.user_id == self.user_id, FormSubmission.submission_id == self.submission_id
                )
                .values(location=location[:500])
            )
        return location


def once(form: str) -> Any:
    """A dependency: this request's one-time id for `form`."""

    async def parse(request: Request) -> Once:
        posted = await request.form()  # Starlette keeps the parsed form: the route's own parse reads it too
        value = posted.get(FIELD)
        text = value if isinstance(value, str) and SHAPE.match(value) else None
        principal = current_principal(request)
        return Once(form, principal.user_id if principal else None, text)

    parse.__name__ = f"once_{form}"
    return Depends(parse)
