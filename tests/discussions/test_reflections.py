"""A reflection lesson opens its discussion: she may share her answer there, or just read others'."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.discussions.models import Post, Thread
from app.learning.models import LessonProgress, ReflectionNote
from app.refs import encode as ref
from tests.discussions.conftest import World, fetch, form


def test_the_lesson_links_to_its_discussion_and_offers_to_share(
    world: World, browser_of: Callable[[User], TestClient]
) -> None:
    page = browser_of(world.aigul).get(f"/courses/{world.course.slug}/your-turn").text
    assert f"/discussions/reflections/{world.reflection.id}" in page
    assert "formaction" in page
    reading = browser_of(world.aigul).get(f"/courses/{world.course.slug}/first-steps").text
    assert f"/discussions/courses/{world.course.slug}?lesson=first-steps" in reading
    assert f"/discussions/cohorts/{ref(world.naryn.id)}" in reading


def test_share_saves_the_note_completes_the_lesson_and_posts_it(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    aigul = browser_of(world.aigul)
    shared = form(
        aigul, f"/discussions/reflections/{world.reflection.id}", {"note": "Урок о том, как считать риски."}
    )
    assert shared.status_code == 303
    thread = fetch(session, Thread)[0]
    assert (
        thread.system_key == f"reflection:{world.reflection.id}" and thread.lesson_id == world.reflection.id
    )
    assert [p.body_md for p in fetch(session, Post)] == ["Урок о том, как считать риски."]
    assert fetch(session, ReflectionNote)[0].text == "Урок о том, как считать риски."
    assert fetch(session, LessonProgress, lesson_id=world.reflection.id)[0].status == "completed"
    page = aigul.get(f"/threads/{ref(thread.id)}").text
    assert "Which lesson would help people" in page or "Какой урок" in page  # the prompt heads the thread
    second = form(
        browser_of(world.cholpon), f"/discussions/reflections/{world.reflection.id}", {"note": "Мой ответ"}
    )
    assert second.status_code == 303
    assert len(fetch(session, Thread)) == 1  # one discussion per reflection


def test_reading_the_discussion_first_opens_it_once(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    first = browser_of(world.solo).get(f"/discussions/reflections/{world.reflection.id}")
    again = browser_of(world.cholpon).get(f"/discussions/reflections/{world.reflection.id}")
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(fetch(session, Thread)) == 1
    assert (
        browser_of(world.outsider).get(f"/discussions/reflections/{world.reflection.id}").status_code == 404
    )
    assert (
        browser_of(world.solo).get(f"/discussions/reflections/{world.lesson.id}").status_code == 404
    )  # not a reflection


def test_sharing_nothing_is_refused(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    refused = form(browser_of(world.aigul), f"/discussions/reflections/{world.reflection.id}", {"note": "  "})
    assert refused.status_code == 422
    assert fetch(session, Post) == [] and fetch(session, ReflectionNote) == []
