"""Discussions in a real browser: posting and flagging in place with htmx, the same without JavaScript,
and the pages' accessibility."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.discussions.models import Flag, Post
from app.refs import encode as ref
from tests.browser.conftest import axe_violations
from tests.browser.test_learning import sign_in
from tests.discussions.conftest import World, build_world, fetch, reply, start


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def test_reply_and_flag_in_place_with_htmx(
    page: Any, live_server: str, session: Session, world: World
) -> None:
    thread, first = start(session, world.aigul, cohort=world.naryn, title="Встреча", body="Когда собираемся?")
    sign_in(page, live_server, world.bermet.email)
    page.goto(f"{live_server}/threads/{ref(thread.id)}")
    page.fill("#field-body", "В субботу, в 10 утра.")
    page.click("#discussion button.primary")
    page.locator(".post-body", has_text="В субботу, в 10 утра.").wait_for()
    assert page.url.endswith(f"/threads/{ref(thread.id)}")  # no navigation: the list was swapped in place
    assert page.locator("#field-body").input_value() == ""
    page.locator(f"#post-{ref(first.id)} details:has(form[action$='/flag']) summary").click()
    page.locator(f"#post-{ref(first.id)} input[value=spam]").check()
    page.locator(f"#post-{ref(first.id)} form button[type=submit]").click()
    page.locator(f"#post-{ref(first.id)} .notice.ok").wait_for()
    assert page.url.endswith(f"/threads/{ref(thread.id)}")
    assert [flag.reason for flag in fetch(session, Flag)] == ["spam"]


def test_reply_without_javascript(
    page_without_js: Any, live_server: str, session: Session, world: World
) -> None:
    page = page_without_js
    thread, first = start(session, world.aigul, lesson=world.lesson, title="Вопрос")
    sign_in(page, live_server, world.solo.email)
    page.goto(f"{live_server}/threads/{ref(thread.id)}")
    page.click(f"#post-{ref(first.id)} a[href*=reply_to]")
    page.fill("#field-body", "Ответ без скриптов")
    page.click("main form[action$='/posts'] button.primary")
    page.wait_for_load_state()
    assert page.locator(".replies .post-body", has_text="Ответ без скриптов").count() == 1
    assert [p.parent_id for p in fetch(session, Post) if p.body_md == "Ответ без скриптов"] == [first.id]


@pytest.mark.parametrize(
    "path",
    [
        "/discussions",
        "BOARD",
        "COHORT",
        "THREAD",
        "NEW",
        "/notifications",
        "/moderation",
        "MUTES",
        "FLAG",
        "EDIT",
    ],
)
def test_discussion_pages_are_accessible(
    page: Any,
    live_server: str,
    session: Session,
    world: World,
    path: str,
) -> None:
    thread, first = start(session, world.trainer, cohort=world.naryn, title="Встреча", body="**Когда?**")
    reply(session, world.aigul, thread, body="Завтра", parent_id=first.id)
    reply(session, world.aigul, thread, body="Или послезавтра")
    targets = {
        "BOARD": f"/discussions/courses/{world.course.slug}",
        "COHORT": f"/discussions/cohorts/{ref(world.naryn.id)}",
        "THREAD": f"/threads/{ref(thread.id)}",
        "NEW": f"/discussions/new?cohort={world.naryn.id}",
        "MUTES": f"/discussions/cohorts/{ref(world.naryn.id)}/mutes",
        "FLAG": f"/posts/{ref(first.id + 1)}/flag",
        "EDIT": f"/posts/{ref(first.id)}/edit",
    }
    sign_in(page, live_server, world.trainer.email)
    page.goto(live_server + targets.get(path, path))
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
