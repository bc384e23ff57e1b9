"""A refused form comes back on the page she wrote it on: her text kept, the reason beside the field and
in the summary, the status of the rule (422, 403 for a locked thread or a closed edit window, 409,
429), and nothing half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session

from app import i18n
from app.accounts.models import AuditEvent, User
from app.discussions.models import DigestSetting, Flag, Mute, Post, Thread
from app.learning.models import LessonProgress, ReflectionNote
from app.refs import encode as ref
from tests.discussions.conftest import World, fetch, form, start
from tests.factories import csrf_token

HTMX = {"HX-Request": "true"}


def said(message: str, **params: Any) -> str:
    """A message as the page shows it to our learners (Russian, HTML-escaped)."""
    with i18n.use_locale("ru"):
        text = i18n.gettext(message)
    return str(escape(text % params if params else text))


def beside(field: str, message: str, **params: Any) -> str:
    return f'id="error-{field}">{said(message, **params)}</p>'


def kept(text: str) -> str:
    """Her text, back in its textarea."""
    return f">{escape(text)}</textarea>"


def htmx_post(client: TestClient, path: str, data: dict[str, str]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/discussions")}, headers=HTMX)


def _count(session: Session, model: type) -> int:  # type: ignore[type-arg]
    session.commit()
    return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


# Starting a thread ---------------------------------------------------------------------------------------


def test_a_refused_new_thread_keeps_her_title_and_post(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    body = "Длинный текст, который жалко потерять."
    response = form(
        browser_of(world.aigul),
        "/discussions/new",
        {"course": world.course.slug, "lesson": "first-steps", "title": "ab", "body": body},
    )
    assert response.status_code == 422
    assert beside("title", "Give the discussion a title of at least 3 characters.") in response.text
    assert 'id="error-summary"' in response.text
    assert 'value="ab"' in response.text and kept(body) in response.text
    assert 'name="lesson" value="first-steps"' in response.text  # still about the same lesson
    assert fetch(session, Thread) == []


# Replying -------------------------------------------------------------------------------------------------


def test_a_refused_reply_keeps_her_text_on_the_thread_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, lesson=world.lesson, body="Вопрос")
    long = "Очень длинный ответ. " * 500 + "!"  # over 10 000 characters
    response = form(browser_of(world.bermet), f"/threads/{ref(thread.id)}/posts", {"body": long})
    assert response.status_code == 422
    assert beside("body", "A post can be at most %(max)s characters long.", max=10_000) in response.text
    assert kept(long) in response.text and "<html" in response.text
    assert len(fetch(session, Post)) == 1


def test_a_reply_refused_through_htmx_is_the_list_of_posts_with_her_text(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, lesson=world.lesson, body="Вопрос")
    response = htmx_post(browser_of(world.bermet), f"/threads/{ref(thread.id)}/posts", {"body": " \u202e "})
    assert response.status_code == 422
    assert beside("body", "Write something before you post.") in response.text
    assert "<html" not in response.text and 'id="field-body"' in response.text  # only the block


def test_a_reply_to_a_thread_locked_meanwhile_keeps_her_text(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, cohort=world.naryn)
    assert (
        form(browser_of(world.trainer), f"/threads/{ref(thread.id)}/lock", {"locked": "1"}).status_code == 303
    )
    text = "Я долго писала этот ответ."
    bermet = browser_of(world.bermet)
    for response in (
        form(bermet, f"/threads/{ref(thread.id)}/posts", {"body": text}),
        htmx_post(bermet, f"/threads/{ref(thread.id)}/posts", {"body": text}),
    ):
        assert response.status_code == 403
        assert beside("body", "This discussion is locked: nobody can post in it.") in response.text
        assert kept(text) in response.text
    assert len(fetch(session, Post)) == 1


def test_a_paused_member_keeps_what_she_wrote(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, cohort=world.naryn)
    muted = form(
        browser_of(world.trainer),
        f"/discussions/cohorts/{ref(world.naryn.id)}/mutes",
        {"user": str(world.bermet.id), "days": "3", "reason": "Остыньте"},
    )
    assert muted.status_code == 303
    response = form(browser_of(world.bermet), f"/threads/{ref(thread.id)}/posts", {"body": "Но я права!"})
    assert response.status_code == 403
    assert 'id="error-body"' in response.text and kept("Но я права!") in response.text
    assert len(fetch(session, Post)) == 1


def test_a_post_over_the_limit_comes_back_with_her_text(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, lesson=world.lesson)
    bermet = browser_of(world.bermet)
    for n in range(6):
        assert form(bermet, f"/threads/{ref(thread.id)}/posts", {"body": f"Сообщение {n}"}).status_code == 303
    over = form(bermet, f"/threads/{ref(thread.id)}/posts", {"body": "Седьмое сообщение"})
    assert over.status_code == 429
    assert said("Too many attempts. Please wait a minute and try again.") in over.text
    assert 'id="error-summary"' in over.text and kept("Седьмое сообщение") in over.text
    assert len(fetch(session, Post, author_id=world.bermet.id)) == 6


def test_the_api_over_the_limit_is_429_json(
    session: Session, world: World, new_client: Callable[[], TestClient]
) -> None:
    from tests.learning.test_api import token_for

    thread, _post = start(session, world.aigul, lesson=world.lesson)
    client = new_client()
    headers = token_for(client, world.bermet.email)
    codes = [
        client.post(f"/api/v1/threads/{ref(thread.id)}/posts", json={"body": f"№{n}"}, headers=headers)
        for n in range(7)
    ]
    assert [code.status_code for code in codes] == [201] * 6 + [429]
    assert codes[-1].headers["content-type"].startswith("application/json")
    assert codes[-1].json()["detail"]
    assert len(fetch(session, Post, author_id=world.bermet.id)) == 6


# Editing ----------------------------------------------------------------------------------------------------


def test_an_edit_after_its_window_comes_back_with_her_edited_text(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _thread, post = start(session, world.aigul, lesson=world.lesson, body="Опечатка")
    session.execute(
        sa.update(Post)
        .where(Post.id == post.id)
        .values(created_at=post.created_at - dt.timedelta(minutes=31))
    )
    session.commit()
    edited = "Исправленный, но поздно"
    response = form(browser_of(world.aigul), f"/posts/{ref(post.id)}/edit", {"body": edited})
    assert response.status_code == 403
    message = "A post can be edited only in the first 30 minutes after it is written."
    assert beside("body", message) in response.text
    assert kept(edited) in response.text and 'id="error-summary"' in response.text
    assert fetch(session, Post, id=post.id)[0].body_md == "Опечатка"


def test_an_empty_edit_is_422_on_the_edit_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _thread, post = start(session, world.aigul, lesson=world.lesson, body="Текст")
    response = form(browser_of(world.aigul), f"/posts/{ref(post.id)}/edit", {"body": "   "})
    assert response.status_code == 422
    assert beside("body", "Write something before you post.") in response.text
    assert f'action="/posts/{ref(post.id)}/edit"' in response.text


# Flagging and moderating -------------------------------------------------------------------------------


def test_a_flag_without_a_reason_keeps_her_note(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _thread, post = start(session, world.aigul, lesson=world.lesson)
    bermet = browser_of(world.bermet)
    page = form(bermet, f"/posts/{ref(post.id)}/flag", {"note": "Там чужой адрес"})
    assert page.status_code == 422
    assert beside("reason", "Choose a reason from the list.") in page.text
    assert 'value="Там чужой адрес"' in page.text and "<h1>" in page.text
    in_place = htmx_post(bermet, f"/posts/{ref(post.id)}/flag", {"note": "Там чужой адрес"})
    assert in_place.status_code == 422
    assert in_place.text.lstrip().startswith("<article") or f'id="post-{ref(post.id)}"' in in_place.text
    assert beside(f"reason-{ref(post.id)}", "Choose a reason from the list.") in in_place.text
    assert 'value="Там чужой адрес"' in in_place.text and "<details open>" in in_place.text
    assert fetch(session, Flag) == []


def test_a_second_flag_is_409_on_the_flag_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _thread, post = start(session, world.aigul, lesson=world.lesson)
    bermet = browser_of(world.bermet)
    assert form(bermet, f"/posts/{ref(post.id)}/flag", {"reason": "spam"}).status_code == 303
    again = form(bermet, f"/posts/{ref(post.id)}/flag", {"reason": "abuse", "note": "ещё раз"})
    assert again.status_code == 409
    assert beside("reason", "You have already flagged this post.") in again.text
    assert 'value="ещё раз"' in again.text
    assert [flag.reason for flag in fetch(session, Flag)] == ["spam"]


def test_a_decision_without_a_reason_comes_back_where_it_was_made(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, post = start(session, world.aigul, lesson=world.lesson, body="Спорный текст")
    assert (
        form(browser_of(world.bermet), f"/posts/{ref(post.id)}/flag", {"reason": "spam"}).status_code == 303
    )
    trainer = browser_of(world.trainer)  # in her queue: flagged once
    on_thread = form(trainer, f"/posts/{ref(post.id)}/hide", {"reason": "  "})
    assert on_thread.status_code == 422
    assert beside(f"reason-{ref(post.id)}", "Give a reason: the author will read it.") in on_thread.text
    assert f'action="/threads/{ref(thread.id)}/posts"' in on_thread.text  # the thread page
    from_queue = form(trainer, f"/posts/{ref(post.id)}/restore", {"reason": "", "next": "/moderation"})
    assert from_queue.status_code == 422
    assert beside(f"reason-{ref(post.id)}", "Give a reason: the author will read it.") in from_queue.text
    assert f'action="/threads/{ref(thread.id)}/posts"' not in from_queue.text  # the queue
    assert 'name="next" value="/moderation"' in from_queue.text
    assert (fetch(session, Post, id=post.id)[0].flag_count, len(fetch(session, AuditEvent))) == (1, 0)


def test_a_refused_pause_keeps_her_choices(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    response = form(
        browser_of(world.trainer),
        f"/discussions/cohorts/{ref(world.naryn.id)}/mutes",
        {"user": str(world.bermet.id), "days": "0", "reason": "Остыньте"},
    )
    assert response.status_code == 422
    assert beside("days", "Choose between 1 and %(max)s days.", max=90) in response.text
    assert 'value="Остыньте"' in response.text
    assert f'<option value="{world.bermet.id}" selected>' in response.text
    assert fetch(session, Mute) == []


def test_a_refused_digest_setting_says_why_on_her_notifications(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    response = form(browser_of(world.aigul), "/notifications/digest", {"frequency": "hourly"})
    assert response.status_code == 422
    assert beside("frequency", "Choose daily, weekly or never.") in response.text
    assert 'id="digest"' in response.text
    assert fetch(session, DigestSetting) == []


# Sharing a reflection ------------------------------------------------------------------------------------


def test_an_empty_share_is_422_with_the_question(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    response = form(browser_of(world.aigul), f"/discussions/reflections/{world.reflection.id}", {"note": " "})
    assert response.status_code == 422
    assert beside("note", "Write something before you post.") in response.text
    assert f'action="/discussions/reflections/{world.reflection.id}"' in response.text


def test_a_refused_share_writes_nothing_and_keeps_her_answer(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    """Her note and her progress are written before the post is refused (she is paused): all of it is
    rolled back, and her answer comes back under the question."""
    session.add(
        Mute(
            cohort_id=world.naryn.id, user_id=world.bermet.id, reason="Пауза", by_id=world.trainer.id,
            until=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
        )
    )  # fmt: skip
    session.commit()
    answer = "Мой ответ на вопрос урока."
    response = form(
        browser_of(world.bermet), f"/discussions/reflections/{world.reflection.id}", {"note": answer}
    )
    assert response.status_code == 403
    assert 'id="error-note"' in response.text and kept(answer) in response.text
    assert fetch(session, ReflectionNote) == [] and fetch(session, Post) == []
    assert fetch(session, LessonProgress, lesson_id=world.reflection.id) == []
    assert _count(session, Thread) == 0
