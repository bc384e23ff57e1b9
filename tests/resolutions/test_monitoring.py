"""Monitoring adopted items: trackers, updates, reminders when a review falls due, and carrying an item
that is not implemented into the next forum's draft."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.db import Database
from app.discussions import digest
from app.discussions.models import Notification
from app.resolutions import monitoring
from app.resolutions.forums import ForumFields, save
from app.resolutions.models import ImplementationUpdate, ItemTracker, ResolutionItem, ResolutionRevision
from tests.accounts.test_roles import academy
from tests.factories import mail_text, outbox
from tests.resolutions.conftest import World, adopted, form, fresh


def _first_item(session: Session) -> ResolutionItem:
    return sorted(fresh(session, ResolutionItem), key=lambda item: item.position)[0]


def test_tracker_and_updates(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    adopted(session, world)
    item = _first_item(session)
    coordinator = browser_of(world.coordinator)
    path = f"/forums/{world.forum.id}/monitoring/items/{item.id}"
    assert (
        form(
            coordinator,
            f"{path}/tracker",
            {"responsible": "Айыл өкмөтү", "target_on": "2026-12-01", "review_by": "2026-09-01"},
        ).status_code
        == 303
    )
    tracker = fresh(session, ItemTracker, item_id=item.id)[0]
    assert (tracker.responsible, tracker.review_by) == ("Айыл өкмөтү", dt.date(2026, 9, 1))
    bad = [
        {"status": "done", "note": "x"},
        {"status": "in_progress", "note": ""},
        {"status": "in_progress", "note": "x", "evidence": "javascript:alert(1)"},
        {"status": "in_progress", "note": "x", "happened_on": "2999-01-01"},
        {"status": "in_progress", "note": "x", "happened_on": "вчера"},
    ]
    for fields in bad:
        assert form(coordinator, f"{path}/updates", fields).status_code == 422, fields
    assert fresh(session, ImplementationUpdate) == []
    assert (
        form(
            coordinator,
            f"{path}/updates",
            {
                "status": "implemented",
                "note": "Сирены стоят",
                "evidence": "https://example.org/a\nhttps://example.org/b",
            },
        ).status_code
        == 303
    )
    update = fresh(session, ImplementationUpdate)[0]
    assert update.evidence == ["https://example.org/a", "https://example.org/b"]
    assert fresh(session, ItemTracker, item_id=item.id)[0].last_verified_at is not None
    assert (
        form(browser_of(world.trainer), f"{path}/updates", {"status": "stalled", "note": "x"}).status_code
        == 403
    )
    assert browser_of(world.a1).get(f"/forums/{world.forum.id}/monitoring").status_code == 403


def test_review_reminders_go_once_to_the_coordinators(session: Session, world: World) -> None:
    adopted(session, world)
    item = _first_item(session)
    tracker = fresh(session, ItemTracker, item_id=item.id)[0]
    tracker.review_by = dt.date(2026, 9, 1)
    session.commit()
    assert monitoring.remind(session, today=dt.date(2026, 8, 31)).items == 0
    done = monitoring.remind(session, today=dt.date(2026, 9, 2))
    session.commit()
    assert (done.items, done.people) == (1, 1)
    reminded = [n.user_id for n in fresh(session, Notification) if n.kind == "review_due"]
    assert reminded == [world.coordinator.id]
    assert monitoring.remind(session, today=dt.date(2026, 9, 3)).items == 0  # once per review date


def test_two_hosts_reminding_at_once_remind_once(session: Session, world: World, database: Database) -> None:
    """Both hosts run the daily job (a database lock, not a timetable): the second finds the first's claim.
    Several hosts share PostgreSQL; SQLite, one host's database, refuses a second writer's stale read."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("several hosts share a PostgreSQL database")
    adopted(session, world)
    item = _first_item(session)
    tracker = fresh(session, ItemTracker, item_id=item.id)[0]
    tracker.review_by = dt.date(2026, 9, 1)
    session.commit()
    with database.session(write=True) as other:
        theirs = other.get(ItemTracker, item.id)  # the other host has read it as due, too
        assert theirs is not None and theirs.reminded_on is None
        first = monitoring.remind(session, today=dt.date(2026, 9, 2))
        session.commit()
        assert not monitoring._claim(other, theirs, dt.date(2026, 9, 2))  # it finds the claim made
        other.commit()
        second = monitoring.remind(other, today=dt.date(2026, 9, 2))
    assert (first.items, second.items) == (1, 0)
    reminded = [(n.user_id, n.count) for n in fresh(session, Notification) if n.kind == "review_due"]
    assert reminded == [(world.coordinator.id, 1)]


def test_remind_command(session: Session, world: World, settings: Settings) -> None:
    adopted(session, world)
    result = academy(settings, "resolutions", "remind")
    assert result.returncode == 0, result.stderr
    assert "Items due for review: 0" in result.stdout


def test_reaffirm_an_item_into_the_next_forum(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    old = adopted(session, world)
    item = _first_item(session)
    following = save(session, None, ForumFields(name={"ru": "Форум 2027"}, place={"ru": "Нарын"}, held_on=dt.date(2027, 5, 1),
                                                  cohorts=[world.naryn.id]), actor=world.coordinator)  # fmt: skip
    session.commit()
    coordinator = browser_of(world.coordinator)
    editor = coordinator.get(f"/forums/{following.id}/resolution/edit")
    assert editor.status_code == 200 and f"/resolution/reaffirm/{item.id}" in editor.text
    assert form(coordinator, f"/forums/{following.id}/resolution/reaffirm/{item.id}", {}).status_code == 303
    carried = [i for i in fresh(session, ResolutionItem) if i.reaffirms_id == item.id]
    assert len(carried) == 1 and carried[0].text == item.text
    assert any(f"of {old.number}" in r.note for r in fresh(session, ResolutionRevision))
    assert form(coordinator, f"/forums/{following.id}/resolution/reaffirm/{item.id}", {}).status_code == 409
    assert (
        form(browser_of(world.a1), f"/forums/{following.id}/resolution/reaffirm/{item.id}", {}).status_code
        == 403
    )


@pytest.mark.parametrize("status", ["implemented"])
def test_an_implemented_item_is_not_offered_again(
    session: Session, world: World, browser_of: Callable[[User], TestClient], status: str
) -> None:
    adopted(session, world)
    item = _first_item(session)
    tracker = fresh(session, ItemTracker, item_id=item.id)[0]
    tracker.status = status
    following = save(session, None, ForumFields(name={"ru": "Форум 2027"}, place={"ru": "Нарын"}, held_on=dt.date(2027, 5, 1),
                                                  cohorts=[world.naryn.id]), actor=world.coordinator)  # fmt: skip
    session.commit()
    assert (
        form(
            browser_of(world.coordinator), f"/forums/{following.id}/resolution/reaffirm/{item.id}", {}
        ).status_code
        == 404
    )


def test_the_digest_carries_resolution_news_without_words(
    session: Session, world: World, settings: Settings, app: FastAPI, database: Database
) -> None:
    adopted(session, world)
    digest.send_digests(database, app.state.templates, settings)
    mails = {message["To"]: mail_text(message) for message in outbox(settings)}
    text = mails[world.a2.email]  # she endorsed the recommendation behind item 1
    assert f"/forums/{world.forum.id}/resolution" in text
    assert "Сирена в каждом селе" not in text and "Пункт 1" not in text
