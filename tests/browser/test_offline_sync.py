"""What she does offline, in the real browser (issue 22): kept on the phone, said in words, sent when the
connection returns, counted once however often it is sent; a refusal shown to her; quiz answers and a
reflection sent later and graded by the server; lessons opened online kept; sign-out leaves nothing."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.learning.models import LessonProgress, ProgressEvent, ReflectionNote
from tests.browser.conftest import sign_in
from tests.factories import create_cohort, create_user, enrol, lesson_of, sync_course

READY = "async () => { const r = await navigator.serviceWorker.ready; return !!r.active; }"
QUEUE = "async () => (await self.academyQueue.all()).map(i => [i.event.type, i.event.lesson, i.state])"
COURSE = "/courses/example-course"
SAVED = "() => !document.querySelector('[data-save-offline] [data-action=remove]').hidden"


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    context.set_default_timeout(15_000)
    yield context
    context.close()


def saved_course(phone: Any, live_server: str, email: str) -> Any:
    """Signed in, the service worker in charge, and the example course saved on the phone."""
    page = phone.new_page()
    sign_in(page, live_server, email)
    page.goto(live_server + COURSE)
    assert page.evaluate(READY)
    page.reload()
    page.locator("[data-save-offline] [data-action=save]").click()
    page.wait_for_function(SAVED)
    return page


def events_of(session: Session, user_id: int) -> list[tuple[str, str]]:
    session.rollback()
    rows = session.scalars(sa.select(ProgressEvent).where(ProgressEvent.user_id == user_id))
    return sorted((row.type, row.client_event_id) for row in rows)


def test_marked_complete_offline_is_sent_once_when_she_is_back(
    phone: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    page = saved_course(phone, live_server, user.email)
    sent: list[str] = []
    page.on(
        "request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/api/v1/progress") else None
    )

    phone.set_offline(True)
    page.goto(live_server + COURSE + "/first-steps")  # never opened online
    assert page.locator(".lesson-body").is_visible() and page.locator(".offline-mark").is_visible()
    page.locator("#lesson-completion button[type=submit]").click()
    box = page.locator("#offline-queue")
    box.locator("[data-waiting] li").filter(has_text="отмечен как пройденный").wait_for()
    assert "Сохранено на этом телефоне; будет отправлено, когда появится интернет" in box.inner_text()
    assert sorted(page.evaluate(QUEUE)) == [
        ["completed", "example-course/first-steps", "waiting"],
        ["viewed", "example-course/first-steps", "waiting"],
    ]
    assert events_of(session, user.id) == []  # nothing reached the server

    phone.set_offline(False)  # the browser's `online` event sends the queue
    box.locator("[data-sent]").wait_for()
    assert page.evaluate(QUEUE) == []
    progress = page.request.get(live_server + "/api/v1/me/progress?course=example-course").json()
    first = next(lesson for lesson in progress["lessons"] if lesson["id"] == "example-course/first-steps")
    assert first["status"] == "completed"

    # The same events sent again (Background Sync after the page, a retry): counted once.
    token = json.loads(page.locator("body").get_attribute("hx-headers"))["X-CSRF-Token"]
    again = page.request.post(
        live_server + "/api/v1/progress",
        data=sent[0],
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    ).json()
    assert {result["status"] for result in again["results"]} == {"duplicate"}
    assert [kind for kind, _id in events_of(session, user.id)] == ["completed", "viewed"]


def test_a_cohort_that_ended_while_she_was_offline_is_a_visible_refusal(
    phone: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    today = dt.date.today()
    cohort = create_cohort(
        session, course, starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=1)
    )
    enrol(session, user, course, cohort)
    session.commit()
    page = saved_course(phone, live_server, user.email)
    page.goto(live_server + COURSE + "/first-steps")
    phone.set_offline(True)
    page.reload()
    page.locator("#lesson-completion button[type=submit]").click()
    page.locator("#offline-queue [data-waiting] li").filter(has_text="отмечен").wait_for()

    session.rollback()
    cohort.ends_on = today - dt.timedelta(days=2)  # the cohort ends while she is away
    session.merge(cohort)
    session.commit()
    phone.set_offline(False)
    refused = page.locator("#offline-queue [data-rejected]")
    refused.wait_for()
    assert "не принял" in refused.inner_text() and "завершила обучение" in refused.inner_text()
    refused.locator("[data-action=dismiss]").click()
    page.wait_for_function("async () => (await self.academyQueue.all()).length === 0")
    assert not [kind for kind, _id in events_of(session, user.id) if kind == "completed"]


def test_quiz_answers_and_a_reflection_made_offline_are_sent_later(
    phone: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    page = saved_course(phone, live_server, user.email)
    phone.set_offline(True)
    page.goto(live_server + COURSE + "/check")
    assert "correct" not in page.content().lower().replace("incorrect", "")  # no answer key on the phone
    page.check("#q-format-markdown")
    page.check("#q-kinds-quiz")
    page.check("#q-kinds-scenario")
    page.check("#q-yaml-no-true")
    page.locator("#quiz button[type=submit]").click()
    box = page.locator("#offline-queue")
    box.locator("[data-waiting] li").filter(
        has_text="результат"
    ).wait_for()  # the result comes when she is online

    page.goto(live_server + COURSE + "/your-turn")
    page.fill("#field-note", "Написала в автобусе")
    page.locator("#reflection button.primary").click()
    page.wait_for_function("async () => (await self.academyQueue.all()).length === 4")

    phone.set_offline(False)
    box.locator("[data-sent]").wait_for()
    session.rollback()
    quiz = lesson_of(session, course, "check")
    row = session.get(LessonProgress, (user.id, quiz.id))
    assert row is not None and (row.status, row.best_score) == ("completed", 100)
    assert session.scalars(sa.select(ReflectionNote.text)).all() == ["Написала в автобусе"]


def test_a_lesson_opened_online_is_kept_unless_she_says_not_to(
    phone: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    page = phone.new_page()
    sign_in(page, live_server, user.email)
    page.goto(live_server + "/my")
    assert page.evaluate(READY)
    page.goto(live_server + COURSE + "/recap")  # opened online: kept
    page.wait_for_function("async () => (await (await caches.open('academy-recent')).keys()).length === 1")
    phone.set_offline(True)
    page.goto(live_server + COURSE + "/recap")
    assert page.locator(".offline-mark").is_visible() and page.locator(".lesson-body").is_visible()
    page.goto(live_server + "/discussions")  # not kept: the offline page lists what is
    saved = page.locator("[data-saved-list] li a")
    saved.first.wait_for()
    assert saved.count() == 1 and saved.first.get_attribute("href").endswith("/recap")
    phone.set_offline(False)

    page.goto(live_server + "/account")
    page.locator("[data-keep-lessons] input").check()
    page.locator("[data-keep-lessons] [data-status]").filter(has_text="удален").wait_for()
    assert not page.evaluate("async () => await caches.has('academy-recent')")
    page.goto(live_server + COURSE + "/first-steps")
    page.wait_for_timeout(300)
    assert not page.evaluate("async () => await caches.has('academy-recent')")
    page.goto(live_server + COURSE)
    assert not page.locator("[data-save-offline]").is_visible()


def test_my_learning_shows_a_saved_course_and_its_size(
    phone: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    page = saved_course(phone, live_server, user.email)
    page.goto(live_server + "/my")
    line = page.locator("[data-offline-course]")
    line.wait_for()
    assert line.inner_text().startswith("На этом телефоне сохранено уроков: 5 из 5,")
    assert line.inner_text().endswith("кБ")


def test_sign_out_sends_first_or_asks_then_clears_the_queue(
    phone: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    page = saved_course(phone, live_server, user.email)
    phone.set_offline(True)
    page.goto(live_server + COURSE + "/first-steps")
    page.locator("#lesson-completion button[type=submit]").click()
    page.locator("#offline-queue [data-waiting] li").filter(has_text="отмечен").wait_for()
    phone.route("**/api/v1/progress", lambda route: route.abort())  # the connection is still too poor
    phone.set_offline(False)
    page.goto(live_server + "/logout")
    page.locator("main button[type=submit]").click()
    warning = page.locator("[data-unsent]")
    warning.wait_for()
    assert "не отправлено" in warning.inner_text()
    assert page.url.endswith("/logout")  # she was asked, not signed out
    page.locator("main button[type=submit]").click()  # sign out anyway
    page.wait_for_url(live_server + "/")
    page.wait_for_function("async () => (await indexedDB.databases()).length === 0")  # the queue is gone
    kept = page.evaluate("async () => await caches.keys()")
    assert not [name for name in kept if name.startswith("academy-course-") or name == "academy-recent"], kept


def test_background_sync_sends_what_waits_after_she_closed_the_page(
    phone: Any, live_server: str, session: Session, settings: Settings
) -> None:
    """Chromium has Background Sync: with no page of the site open, the service worker sends the queue
    when the connection returns."""
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    page = saved_course(phone, live_server, user.email)
    phone.set_offline(True)
    page.goto(live_server + COURSE + "/first-steps")
    page.locator("#lesson-completion button[type=submit]").click()
    page.locator("#offline-queue [data-waiting] li").filter(has_text="отмечен").wait_for()
    page.close()  # she puts the phone away
    phone.set_offline(False)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(k == "completed" for k, _ in events_of(session, user.id)):
        time.sleep(0.2)
    assert [kind for kind, _id in events_of(session, user.id)] == ["completed", "viewed"]
