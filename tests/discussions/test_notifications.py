"""Notifications in the app, the unread count in the menu, and the email digest (which never quotes
what anyone wrote)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.db import Database, utcnow
from app.discussions import digest, notifications
from app.discussions.models import DigestSetting, Notification
from app.errors import Busy
from app.learning import service as learning_service
from app.refs import encode as ref
from tests.discussions.conftest import World, fetch, form, reply, start
from tests.factories import mail_text, outbox


def _unread(session: Session, user: User) -> int:
    session.commit()
    return int(session.scalar(sa.select(User.unread_notifications).where(User.id == user.id)) or 0)


def test_followers_get_one_growing_notification_per_thread(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, first = start(session, world.aigul, lesson=world.lesson)
    reply(session, world.bermet, thread, body="Раз")
    reply(session, world.cholpon, thread, body="Два")
    reply(session, world.cholpon, thread, body="Три")
    rows = fetch(session, Notification, user_id=world.aigul.id)
    assert [(n.kind, n.count) for n in rows] == [("posts", 3)]
    assert _unread(session, world.aigul) == 1
    bermet_rows = fetch(session, Notification, user_id=world.bermet.id)
    assert [(n.kind, n.count) for n in bermet_rows] == [("posts", 2)]  # her own post is not news to her
    page = browser_of(world.aigul).get("/discussions")
    assert 'class="badge">1<' in page.text  # the menu shows the count
    browser_of(world.aigul).get(f"/threads/{ref(thread.id)}")
    assert _unread(session, world.aigul) == 0
    assert all(n.read_at for n in fetch(session, Notification, user_id=world.aigul.id))


@pytest.mark.parametrize(
    "failure",
    [Busy(), sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))],
    ids=["no worker thread free", "the database failing"],
)
def test_a_thread_is_shown_when_its_read_mark_cannot_be_written(
    session: Session,
    world: World,
    browser_of: Callable[[User], TestClient],
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
) -> None:
    """Noting what she has read is a short write once the page has gone to her: when no worker thread
    comes free for it, or the database fails it, she has read the thread all the same, and it is noted
    at her next visit."""
    thread, _first = start(session, world.aigul, lesson=world.lesson)
    reply(session, world.bermet, thread, body="Раз")
    browser = browser_of(world.aigul)
    database: Database = browser.app.state.database  # type: ignore[attr-defined]
    run = database.run

    async def failing_writes(work: Callable[..., object], *args: object) -> object:
        if work == database.write_aside:
            raise failure
        return await run(work, *args)

    monkeypatch.setattr(database, "run", failing_writes)
    page = browser.get(f"/threads/{ref(thread.id)}")
    assert page.status_code == 200 and "Раз" in page.text
    assert _unread(session, world.aigul) == 1
    monkeypatch.setattr(database, "run", run)
    assert browser.get(f"/threads/{ref(thread.id)}").status_code == 200
    assert _unread(session, world.aigul) == 0


def test_a_reply_to_her_post_is_its_own_notification(session: Session, world: World) -> None:
    thread, first = start(session, world.aigul, lesson=world.lesson)
    reply(session, world.bermet, thread, parent_id=first.id)
    reply(session, world.cholpon, thread, parent_id=first.id)
    rows = fetch(session, Notification, user_id=world.aigul.id)
    assert [(n.kind, n.count) for n in rows] == [("reply", 2)]


def test_mark_all_read_and_the_notifications_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _first = start(session, world.aigul, cohort=world.naryn, title="Сбор в субботу")
    reply(session, world.bermet, thread)
    aigul = browser_of(world.aigul)
    page = aigul.get("/notifications")
    assert page.status_code == 200 and "Сбор в субботу" in page.text
    assert form(aigul, "/notifications/read", {}).status_code == 303
    assert _unread(session, world.aigul) == 0


def test_notifications_of_threads_she_can_no_longer_read_are_not_shown(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _first = start(session, world.solo, lesson=world.lesson, title="Тема для всех")
    reply(session, world.aigul, thread)
    learning_service.withdraw(session, user_id=world.solo.id, course_id=world.course.id)
    session.commit()
    assert "Тема для всех" not in browser_of(world.solo).get("/notifications").text


def test_digest_frequency_setting(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    aigul = browser_of(world.aigul)
    assert form(aigul, "/notifications/digest", {"frequency": "daily"}).status_code == 303
    assert fetch(session, DigestSetting)[0].frequency == "daily"
    assert form(aigul, "/notifications/digest", {"frequency": "hourly"}).status_code == 422
    assert fetch(session, DigestSetting)[0].frequency == "daily"


@pytest.fixture
def run_digest(
    app: FastAPI, database: Database, settings: Settings, session: Session
) -> Callable[..., digest.DigestRun]:
    def run(now: dt.datetime | None = None) -> digest.DigestRun:
        session.commit()
        return digest.send_digests(database, app.state.templates, settings, now=now)

    return run


def test_the_digest_lists_where_and_links_but_never_the_words(
    session: Session, world: World, settings: Settings, run_digest: Callable[..., digest.DigestRun]
) -> None:
    thread, first = start(
        session, world.aigul, cohort=world.naryn, title="Где встречаемся", body="Первое слово"
    )
    reply(session, world.bermet, thread, body="Собираемся у акимиата в 10", parent_id=first.id)
    lesson_thread, _p = start(session, world.aigul, lesson=world.lesson, title="Урок", body="мысль")
    reply(session, world.solo, lesson_thread, body="Секретная мысль соло")
    reply(session, world.cholpon, lesson_thread, body="Ещё одна мысль")
    run = run_digest()
    assert (
        run.sent == 2
    )  # Aigul (a reply, two new posts) and Solo (one post after hers); the last writers have nothing new
    mails = {message["To"]: mail_text(message) for message in outbox(settings)}
    assert set(mails) == {world.aigul.email, world.solo.email}
    text = mails[world.aigul.email]
    assert f"/threads/{ref(thread.id)}" in text and f"/threads/{ref(lesson_thread.id)}" in text
    for words in (
        "Собираемся у акимиата",
        "Секретная мысль",
        "Ещё одна мысль",
        "Где встречаемся",
        "Первое слово",
    ):
        assert words not in text, words
    assert "2" in text  # two new posts in the lesson thread
    assert "/notifications#digest" in text
    assert all(n.emailed_at for n in fetch(session, Notification, user_id=world.aigul.id))
    assert run_digest().sent == 0  # nothing new: nothing sent again


def test_the_digest_respects_frequency_and_is_sent_once_per_period(
    session: Session, world: World, settings: Settings, run_digest: Callable[..., digest.DigestRun]
) -> None:
    thread, _first = start(session, world.aigul, lesson=world.lesson)
    notifications.set_frequency(session, user_id=world.bermet.id, frequency="never")
    reply(session, world.bermet, thread)
    reply(session, world.cholpon, thread)
    now = utcnow()
    assert run_digest(now).sent == 1  # Aigul; Bermet has one too, but wants no email; Cholpon wrote last
    reply(session, world.cholpon, thread, body="Ещё")
    assert run_digest(now + dt.timedelta(days=1)).sent == 0  # weekly: not yet
    assert run_digest(now + dt.timedelta(days=7)).sent == 1
    assert world.bermet.email not in {message["To"] for message in outbox(settings)}


def test_a_failed_send_is_retried(
    session: Session, world: World, settings: Settings, run_digest: Callable[..., digest.DigestRun],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    thread, _first = start(session, world.aigul, lesson=world.lesson)
    reply(session, world.bermet, thread)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("SMTP is down")

    monkeypatch.setattr(digest, "send_mail", broken)
    assert run_digest().failed == 1
    assert not any(n.emailed_at for n in fetch(session, Notification, user_id=world.aigul.id))
    monkeypatch.undo()
    assert run_digest().sent == 1
    assert [m["To"] for m in outbox(settings)] == [world.aigul.email]


def test_no_digest_about_places_she_can_no_longer_read(
    session: Session, world: World, settings: Settings, run_digest: Callable[..., digest.DigestRun]
) -> None:
    thread, _first = start(session, world.solo, lesson=world.lesson)
    reply(session, world.aigul, thread)
    learning_service.withdraw(session, user_id=world.solo.id, course_id=world.course.id)
    session.commit()
    run_digest()
    assert world.solo.email not in {m["To"] for m in outbox(settings)}
