"""The demo forum: three recommendations from the demo discussions, reviewed and accepted, and a
published resolution of seven items (in Kyrgyz, Russian and English) with monitoring updates.

The text lives in demo_forum.json. Everything is made through the same services as the pages use, so
the demo also shows the whole life cycle in its history. Idempotent: an existing demo forum is kept.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.discussions.models import Post, Thread
from app.learning.models import Cohort
from app.principal import Principal
from app.resolutions import drafting, monitoring
from app.resolutions import recommendations as recs
from app.resolutions.access import role_in
from app.resolutions.forums import ForumFields, save
from app.resolutions.models import Forum, Recommendation

DATA = Path(__file__).with_name("demo_forum.json")


def ensure_forum(session: Session, users: dict[str, User], cohort: Cohort) -> Forum | None:
    """`users` by demo email. Returns the forum made now, or None if it was there already."""
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    existing = session.scalars(sa.select(Forum)).all()
    if any(forum.name.get("en") == data["forum"]["name"]["en"] for forum in existing):
        return None
    coordinator, trainer = users["coordinator@example.org"], users["trainer@example.org"]
    aigerim, salamat = users["learner@example.org"], users["learner2@example.org"]
    today = dt.date.today()
    forum = save(
        session,
        None,
        ForumFields(
            name=data["forum"]["name"],
            place=data["forum"]["place"],
            held_on=today - dt.timedelta(days=200),
            cohorts=[cohort.id],
            endorsement_cap=10,
            qualify_endorsements=1,
            qualify_cohorts=1,
            accepting=True,
        ),
        actor=coordinator,
    )
    role = {
        user.id: role_in(session, Principal.of(user), forum)
        for user in (coordinator, trainer, aigerim, salamat)
    }

    # Recommendations: Aigerim's from her post in the welcome thread, Salamat's written directly.
    welcome_post = session.scalars(
        sa.select(Post)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Thread.cohort_id == cohort.id, Post.author_id == aigerim.id)
        .order_by(Post.id)
    ).first()
    welcome = session.get(Thread, welcome_post.thread_id) if welcome_post else None
    written: dict[str, Recommendation] = {}
    for spec, author in zip(data["recommendations"], (aigerim, salamat, salamat), strict=True):
        language = "ky" if author is aigerim else "ru"
        draft = recs.Draft(spec["title"][language], spec["text"][language], spec["theme"], spec["addressee"])
        from_post = author is aigerim and welcome_post is not None
        written[spec["item"]] = recs.create(
            session,
            role[author.id],
            draft,
            locale=language,
            credit_public=author is aigerim,
            post=welcome_post if from_post else None,
            thread=welcome if from_post else None,
        )
    # Each is endorsed by the other participant, qualifies, and the trainer accepts it.
    for rec in written.values():
        endorser = salamat if rec.author_id == aigerim.id else aigerim
        recs.endorse(session, role[endorser.id], rec)
        recs.review(
            session,
            role[trainer.id],
            rec,
            decision="accepted",
            note="Принято в проект резолюции. / Резолюциянын долбооруна кабыл алынды.",
        )

    # The resolution: drafted, adopted by consensus, published.
    resolution = drafting.resolution_of(session, forum)
    items = [
        drafting.ItemDraft(
            id=None,
            position=number,
            text=item["text"],
            theme=item["theme"],
            addressee=item["addressee"],
            recommendations=[written[item["key"]].id] if item["key"] in written else [],
        )
        for number, item in enumerate(data["items"], start=1)
    ]
    drafting.save_draft(
        session,
        role[coordinator.id],
        resolution,
        preamble=data["preamble"],
        items=items,
        note="Первый проект по итогам форума / Форумдун жыйынтыгы боюнча биринчи долбоор",
        base_revision=0,
        author=coordinator,
    )
    drafting.adopt(
        session,
        role[coordinator.id],
        resolution,
        adopted_on=forum.held_on,
        outcome="consensus",
        votes=None,
        author=coordinator,
        zone=dt.UTC,  # the forum was held 200 days ago: today anywhere is after it
    )
    drafting.publish(session, role[coordinator.id], resolution, author=coordinator)

    # Monitoring: who is responsible, and what happened since.
    for item, spec in zip(drafting.items_of(session, resolution), data["items"], strict=True):
        tracker = spec["tracker"]
        monitoring.set_tracker(
            session,
            role[coordinator.id],
            item,
            responsible=tracker["responsible"]["ru"],
            target_on=None,
            review_by=today + dt.timedelta(days=30),
        )
        for update in sorted(tracker["updates"], key=lambda u: -u["days_ago"]):
            monitoring.add_update(
                session,
                role[coordinator.id],
                resolution,
                item,
                status=update["status"],
                note=update["note"]["ru"],
                evidence=update["evidence"],
                happened_on=today - dt.timedelta(days=update["days_ago"]),
                locale="ru",
            )
    return forum
