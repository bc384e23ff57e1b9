"""Who sees which threads: a cohort's are its own; a lesson's are everyone's enrolled in the course."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.learning import service as learning_service
from app.refs import encode as ref
from tests.discussions.conftest import World, reply, start


def test_cohort_threads_are_for_its_members_and_staff(
    session: Session, world: World, browser_of: Callable[[User], TestClient], client: TestClient
) -> None:
    thread, _post = start(
        session, world.aigul, cohort=world.naryn, title="Встреча в Нарыне", body="Секрет Нарына"
    )
    for reader in (world.aigul, world.bermet, world.trainer, world.admin):
        page = browser_of(reader).get(f"/threads/{ref(thread.id)}")
        assert page.status_code == 200, reader.display_name
        assert "Секрет Нарына" in page.text
    for stranger in (world.cholpon, world.solo, world.outsider, world.coordinator):
        page = browser_of(stranger).get(f"/threads/{ref(thread.id)}")
        assert page.status_code == 404, stranger.display_name
        assert "Секрет Нарына" not in page.text
        board = browser_of(stranger).get(f"/discussions/cohorts/{ref(world.naryn.id)}")
        assert board.status_code == 404
    anonymous = client.get(f"/threads/{ref(thread.id)}")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_lesson_threads_are_for_everyone_enrolled(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(
        session, world.cholpon, lesson=world.lesson, title="О первом уроке", body="Мысли об уроке"
    )
    for reader in (world.aigul, world.cholpon, world.solo, world.trainer, world.coordinator, world.admin):
        assert browser_of(reader).get(f"/threads/{ref(thread.id)}").status_code == 200, reader.display_name
    assert browser_of(world.outsider).get(f"/threads/{ref(thread.id)}").status_code == 404
    learning_service.withdraw(session, user_id=world.solo.id, course_id=world.course.id)
    session.commit()
    assert browser_of(world.solo).get(f"/threads/{ref(thread.id)}").status_code == 404


def test_boards_list_only_what_one_may_read(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    start(session, world.aigul, cohort=world.naryn, title="Только для Нарына")
    start(session, world.cholpon, cohort=world.osh, title="Только для Оша")
    start(session, world.solo, lesson=world.lesson, title="Для всех на курсе")
    aigul = browser_of(world.aigul)
    home = aigul.get("/discussions")
    assert "Нарын" in home.text and "Ош" not in home.text.replace("Ошибка", "")
    naryn = aigul.get(f"/discussions/cohorts/{ref(world.naryn.id)}").text
    assert "Только для Нарына" in naryn and "Только для Оша" not in naryn
    course = aigul.get(f"/discussions/courses/{world.course.slug}").text
    assert "Для всех на курсе" in course
    assert (
        "Только для Нарына" not in course and "Только для Оша" not in course
    )  # cohorts have their own boards
    assert browser_of(world.outsider).get(f"/discussions/courses/{world.course.slug}").status_code == 404


def test_no_email_or_region_of_others_on_the_pages(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, lesson=world.lesson)
    reply(session, world.cholpon, thread)
    page = browser_of(world.bermet).get(f"/threads/{ref(thread.id)}").text
    assert "Айгүл" in page and "Чолпон" in page
    for secret in (world.aigul.email, world.cholpon.email, "KG-N", "Нарынская"):
        assert secret not in page


def test_a_participant_may_hide_her_name_from_peers_in_a_cohort(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, cohort=world.naryn, title="Тихий вопрос", anonymous=True)
    reply(session, world.bermet, thread, body="Мой ответ без имени", anonymous=True)
    peer = browser_of(world.bermet).get(f"/threads/{ref(thread.id)}").text
    assert "Айгүл" not in peer and "Бермет" in peer  # her own name she sees, with a note
    staff = browser_of(world.trainer).get(f"/threads/{ref(thread.id)}").text
    assert "Айгүл" in staff and "Бермет" in staff
    board = browser_of(world.bermet).get(f"/discussions/cohorts/{ref(world.naryn.id)}").text
    assert "Айгүл" not in board
    mine = browser_of(world.aigul).get(f"/threads/{ref(thread.id)}").text
    assert "Айгүл" in mine  # she sees her own name, with a note that others do not


def test_lesson_threads_cannot_hide_names(session: Session, world: World) -> None:
    """Outside a cohort there is no staff who knows everyone: the choice exists only in cohort threads."""
    _thread, post = start(session, world.aigul, lesson=world.lesson, anonymous=True)
    assert post.anonymous is False


@pytest.mark.parametrize(
    "path", ["/threads/999999", "/discussions/cohorts/999999", "/discussions/courses/nope"]
)
def test_unknown_places_are_404(world: World, browser_of: Callable[[User], TestClient], path: str) -> None:
    assert browser_of(world.aigul).get(path).status_code == 404
