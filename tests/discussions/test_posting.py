"""Starting threads, replying (one level), editing within the window, removing, unread counts, and
what bad input gets back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.discussions.models import Post, Subscription, Thread
from app.refs import encode as ref
from tests.discussions.conftest import World, fetch, form, reply, start


def test_start_a_thread_on_a_lesson_and_reply_without_javascript(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    aigul = browser_of(world.aigul)
    new = aigul.get(f"/discussions/new?course={world.course.slug}&lesson=first-steps")
    assert new.status_code == 200 and 'name="title"' in new.text
    created = form(
        aigul, "/discussions/new",
        {"course": world.course.slug, "lesson": "first-steps", "title": "Как начать?", "body": "Я **не знаю** с чего начать."},
    )  # fmt: skip
    assert created.status_code == 303
    thread = fetch(session, Thread)[0]
    assert created.headers["location"] == f"/threads/{ref(thread.id)}"
    assert (thread.scope, thread.lesson_id, thread.post_count) == ("lesson", world.lesson.id, 1)
    page = aigul.get(f"/threads/{ref(thread.id)}").text
    assert "<strong>не знаю</strong>" in page and "Как начать?" in page
    bermet = browser_of(world.bermet)
    answered = form(bermet, f"/threads/{ref(thread.id)}/posts", {"body": "С первого урока!"})
    assert answered.status_code == 303
    assert "С первого урока!" in bermet.get(answered.headers["location"]).text
    assert fetch(session, Thread)[0].post_count == 2
    assert {s.user_id for s in fetch(session, Subscription)} == {
        world.aigul.id,
        world.bermet.id,
    }  # posting follows


def test_replies_nest_one_level(session: Session, world: World) -> None:
    thread, first = start(session, world.aigul, lesson=world.lesson)
    answer = reply(session, world.bermet, thread, parent_id=first.id)
    answer_to_answer = reply(session, world.cholpon, thread, parent_id=answer.id)
    assert answer.parent_id == first.id
    assert answer_to_answer.parent_id == first.id  # joins the top-level post, not a third level


def test_reply_to_a_post_of_another_thread_is_404(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    one, first = start(session, world.aigul, lesson=world.lesson)
    other, _post = start(session, world.aigul, lesson=world.lesson, title="Другая")
    answer = form(
        browser_of(world.bermet), f"/threads/{ref(other.id)}/posts", {"body": "x", "parent": ref(first.id)}
    )
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"title": "", "body": "text"}, "title"),
        ({"title": "ab", "body": "text"}, "title"),
        ({"title": "x" * 151, "body": "text"}, "title"),
        ({"title": "Нормально", "body": "   "}, "body"),
        ({"title": "Нормально", "body": "x" * 10_001}, "body"),
        ({"title": "Нормально", "body": "\x00\x01\u202e"}, "body"),
    ],
)
def test_a_bad_new_thread_is_refused_with_the_field_named(
    session: Session,
    world: World,
    browser_of: Callable[[User], TestClient],
    fields: dict[str, str],
    problem: str,
) -> None:
    response = form(browser_of(world.aigul), "/discussions/new", {"course": world.course.slug, **fields})
    assert response.status_code == 422
    assert f'id="error-{problem}"' in response.text
    assert fetch(session, Thread) == []  # nothing half-written


@pytest.mark.parametrize(
    "query", ["course=nope", "course=example-course&lesson=nope", "cohort=abc", "cohort=999999", ""]
)
def test_a_new_thread_in_no_place_is_404(
    world: World, browser_of: Callable[[User], TestClient], query: str
) -> None:
    assert browser_of(world.aigul).get(f"/discussions/new?{query}").status_code == 404


def test_no_thread_in_someone_elses_cohort(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    response = form(
        browser_of(world.cholpon),
        "/discussions/new",
        {"cohort": ref(world.naryn.id), "title": "Чужое", "body": "x"},
    )
    assert response.status_code == 403
    assert fetch(session, Thread) == []


def test_an_empty_reply_is_422_and_keeps_the_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, lesson=world.lesson)
    response = form(browser_of(world.bermet), f"/threads/{ref(thread.id)}/posts", {"body": "  "})
    assert response.status_code == 422 and 'id="error-body"' in response.text


def test_edit_within_the_window_only(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, post = start(session, world.aigul, lesson=world.lesson, body="Опечатка")
    aigul = browser_of(world.aigul)
    assert aigul.get(f"/posts/{ref(post.id)}/edit").status_code == 200
    assert form(aigul, f"/posts/{ref(post.id)}/edit", {"body": "Исправлено"}).status_code == 303
    saved = fetch(session, Post, id=post.id)[0]
    assert saved.body_md == "Исправлено" and saved.edited_at is not None
    assert form(aigul, f"/posts/{ref(post.id)}/edit", {"body": ""}).status_code == 422
    assert (
        form(browser_of(world.bermet), f"/posts/{ref(post.id)}/edit", {"body": "Чужая правка"}).status_code
        == 403
    )
    session.execute(
        sa.update(Post)
        .where(Post.id == post.id)
        .values(created_at=saved.created_at - dt.timedelta(minutes=31))
    )
    session.commit()
    late = form(aigul, f"/posts/{ref(post.id)}/edit", {"body": "Поздно"})
    assert late.status_code == 403
    assert fetch(session, Post, id=post.id)[0].body_md == "Исправлено"


def test_remove_own_post_leaves_a_removed_marker(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, first = start(session, world.aigul, lesson=world.lesson)
    answer = reply(session, world.bermet, thread, body="Мой адрес: улица Ленина 5", parent_id=first.id)
    assert form(browser_of(world.aigul), f"/posts/{ref(answer.id)}/remove", {}).status_code == 403
    bermet = browser_of(world.bermet)
    assert form(bermet, f"/posts/{ref(answer.id)}/remove", {}).status_code == 303
    removed = fetch(session, Post, id=answer.id)[0]
    assert (removed.status, removed.body_md, removed.body_html) == ("removed", "", "")
    page = browser_of(world.aigul).get(f"/threads/{ref(thread.id)}").text
    assert "улица Ленина" not in page
    assert f'id="post-{ref(answer.id)}"' in page  # its place stays
    assert fetch(session, Thread)[0].post_count == 1


def test_unread_counts_on_the_board_and_the_home_of_discussions(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, cohort=world.naryn, title="Новости")
    reply(session, world.aigul, thread, body="Ещё одна новость")
    bermet = browser_of(world.bermet)
    board = bermet.get(f"/discussions/cohorts/{ref(world.naryn.id)}").text
    assert "2 new" in board or "2 нов" in board
    assert bermet.get("/discussions").text.count('class="badge"') >= 1
    bermet.get(f"/threads/{ref(thread.id)}")
    board = bermet.get(f"/discussions/cohorts/{ref(world.naryn.id)}").text
    assert "2 new" not in board and "2 нов" not in board
    mine = browser_of(world.aigul).get(f"/discussions/cohorts/{ref(world.naryn.id)}").text
    assert "2 new" not in mine and "2 нов" not in mine  # her own posts are not news to her


def test_a_locked_thread_takes_no_posts(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, cohort=world.naryn)
    trainer = browser_of(world.trainer)
    assert form(trainer, f"/threads/{ref(thread.id)}/lock", {"locked": "1"}).status_code == 303
    refused = form(browser_of(world.bermet), f"/threads/{ref(thread.id)}/posts", {"body": "Можно?"})
    assert refused.status_code == 403
    assert fetch(session, Thread)[0].post_count == 1
    assert form(trainer, f"/threads/{ref(thread.id)}/pin", {"pinned": "1"}).status_code == 303
    assert fetch(session, Thread)[0].pinned_at is not None


def test_follow_and_unfollow(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, lesson=world.lesson)
    solo = browser_of(world.solo)
    assert form(solo, f"/threads/{ref(thread.id)}/follow", {"follow": "1"}).status_code == 303
    assert any(s.user_id == world.solo.id for s in fetch(session, Subscription))
    assert form(solo, f"/threads/{ref(thread.id)}/follow", {"follow": "0"}).status_code == 303
    assert not any(s.user_id == world.solo.id for s in fetch(session, Subscription))


def test_a_link_to_a_post_opens_the_page_it_is_on(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, first = start(session, world.aigul, cohort=world.naryn, body="Самое первое")
    posts = [reply(session, world.bermet, thread, body=f"Пост номер {n}") for n in range(55)]
    late_reply = reply(session, world.trainer, thread, body="Поздний ответ первому", parent_id=first.id)
    reader = browser_of(world.aigul)
    last = reader.get(f"/threads/{ref(thread.id)}?post={ref(posts[-1].id)}").text
    assert "Пост номер 54" in last and "Самое первое" not in last
    early = reader.get(f"/threads/{ref(thread.id)}?post={ref(late_reply.id)}").text
    assert "Поздний ответ первому" in early and "Самое первое" in early
    answered = form(reader, f"/threads/{ref(thread.id)}/posts", {"body": "Ещё"})
    assert answered.headers["location"].startswith(f"/threads/{ref(thread.id)}?post=")  # type: ignore[attr-defined]
    assert "Ещё" in reader.get(answered.headers["location"]).text  # type: ignore[attr-defined]
