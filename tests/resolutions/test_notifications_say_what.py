"""Notifications say what happened (issue 25, point 10): "your recommendation «Safe shelters in Batken» was
adopted as item 4 of resolution 2026-1", "the status of item 4 of resolution 2026-1 changed to «Under
way»", put together when she reads them, in her language, from the facts the notification keeps. The
email digest names the resolution's and the item's numbers (published facts), never a recommendation's
title."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import LOCALES, Settings
from app.db import Database
from app.discussions import digest, notifications
from app.discussions.models import Notification
from app.i18n import gettext, use_locale
from app.resolutions import drafting
from app.resolutions.models import Resolution, ResolutionItem
from tests.factories import mail_text, outbox
from tests.resolutions.conftest import BISHKEK, FULL, World, accepted, form, fresh, role

TITLE = "Безопасные убежища в Баткене"


def _adopted_with_item_4(session: Session, world: World) -> Resolution:
    """Four items; the fourth built from an accepted recommendation (by a1; endorsed by a2, b1, b2)."""
    rec = accepted(session, world, title=TITLE)
    coordinator = role(session, world.coordinator, world.forum)
    resolution = drafting.resolution_of(session, world.forum)
    drafts = [
        drafting.ItemDraft(id=None, position=n, text={code: f"Пункт {n} ({code})" for code in LOCALES},
                           theme="risk_reduction", addressee="government",
                           recommendations=[rec.id] if n == 4 else [])
        for n in range(1, 5)
    ]  # fmt: skip
    drafting.save_draft(session, coordinator, resolution, preamble=FULL, items=drafts, note="Проект",
                        base_revision=resolution.revision, author=world.coordinator)  # fmt: skip
    drafting.adopt(session, coordinator, resolution, adopted_on=dt.date(2026, 5, 14), outcome="consensus",
                   votes=None, author=world.coordinator, zone=BISHKEK)  # fmt: skip
    session.commit()
    return resolution


def _item_4(session: Session) -> ResolutionItem:
    return next(item for item in fresh(session, ResolutionItem) if item.position == 4)


def _in(locale: str, message: str, **params: object) -> str:
    with use_locale(locale):
        return gettext(message) % params


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


def test_adoption_keeps_the_facts_not_a_sentence(session: Session, world: World) -> None:
    _adopted_with_item_4(session, world)
    item = _item_4(session)
    told = {n.user_id: n for n in fresh(session, Notification) if n.kind == "item_adopted"}
    assert set(told) == {world.a1.id, world.a2.id, world.b1.id, world.b2.id}
    assert json.loads(told[world.a1.id].detail) == {
        "title": TITLE,
        "item": 4,
        "number": "2026-1",
        "mine": True,
    }
    assert json.loads(told[world.b1.id].detail) == {
        "title": TITLE,
        "item": 4,
        "number": "2026-1",
        "mine": False,
    }
    assert told[world.a1.id].link == f"/forums/{world.forum.id}/resolution#item-{item.id}"


def test_she_reads_what_happened_in_her_language(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _adopted_with_item_4(session, world)
    facts = {"title": TITLE, "item": 4, "number": "2026-1"}
    for user, message in ((world.a1, notifications.ADOPTED_MINE), (world.b1, notifications.ADOPTED_ENDORSED)):
        for locale in LOCALES:
            user.locale = locale
            session.commit()
            page = browser_of(user).get("/notifications")
            assert page.status_code == 200
            assert _escaped(_in(locale, message, **facts)) in page.text, (locale, page.text[:2000])
    assert "Reason:" not in page.text  # the facts are not shown as a moderator's reason


def test_a_status_change_names_the_item_the_resolution_and_the_status(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _adopted_with_item_4(session, world)
    item = _item_4(session)
    coordinator = browser_of(world.coordinator)
    path = f"/forums/{world.forum.id}/monitoring/items/{item.id}/updates"
    for status, when in (("in_progress", "2026-06-01"), ("partly_done", "2026-07-01")):
        sent = {"status": status, "note": "Кенеш обсудил", "happened_on": when}
        assert form(coordinator, path, sent).status_code == 303
    [row] = [n for n in fresh(session, Notification) if n.kind == "item_status" and n.user_id == world.a2.id]
    assert row.count == 2  # the second change, still unread, gathers into the first with the latest facts
    assert json.loads(row.detail) == {"item": 4, "number": "2026-1", "status": "Partly done"}
    world.a2.locale = "ky"
    session.commit()
    page = browser_of(world.a2).get("/notifications").text
    with use_locale("ky"):
        expected = gettext(notifications.STATUS_CHANGED) % {
            "item": 4,
            "number": "2026-1",
            "status": gettext("Partly done"),
        }
    assert _escaped(expected) in page


def test_the_digest_names_numbers_never_a_title(
    session: Session, world: World, settings: Settings, app: FastAPI, database: Database
) -> None:
    _adopted_with_item_4(session, world)
    world.a1.locale, world.b1.locale = "ky", "en"
    session.commit()
    digest.send_digests(database, app.state.templates, settings)
    mails = {message["To"]: mail_text(message) for message in outbox(settings)}
    facts = {"item": 4, "number": "2026-1"}
    assert _in("ky", notifications.ADOPTED_MINE_EMAIL, **facts) in mails[world.a1.email]
    assert _in("en", notifications.ADOPTED_ENDORSED_EMAIL, **facts) in mails[world.b1.email]
    assert _in("ru", notifications.ADOPTED_ENDORSED_EMAIL, **facts) in mails[world.a2.email]
    for text in mails.values():
        assert TITLE not in text and "Пункт 4" not in text  # neither her title nor the item's text


def test_a_title_is_a_value_not_a_format(session: Session, world: World) -> None:
    """A title with "%" or quotes in it is shown as written; an old notification without facts keeps its
    general sentence."""
    facts = notifications.with_params(title="Квота 30% и «50%(s)»", item=2, number="2027-1", mine=True)
    kept = Notification(user_id=world.a1.id, kind="item_adopted", detail=facts, link="/forums/1/resolution")
    with use_locale("en"):
        assert notifications.describe(kept) == (
            "Your recommendation “Квота 30% и «50%(s)»” was adopted as item 2 of resolution 2027-1."
        )
        assert notifications.describe(kept, in_email=True) == (
            "Your recommendation was adopted as item 2 of resolution 2027-1."
        )
        old = Notification(user_id=world.a1.id, kind="item_adopted", detail="", link="/forums/1/resolution")
        assert notifications.describe(old) == notifications.LINK_TEXTS["item_adopted"]
        assert not notifications.has_reason(kept)
    long = json.loads(notifications.with_params(title="x" * 500, item=1, number="2027-1", mine=False))
    assert len(long["title"]) == notifications.TITLE_KEPT
