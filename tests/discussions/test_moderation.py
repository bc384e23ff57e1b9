"""Flags, the threshold, the queue, hiding and restoring with a reason, muting, rate limits, and the
audit log."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.config import Settings
from app.discussions.models import Flag, Mute, Notification, Post, Thread
from app.refs import encode as ref
from tests.discussions.conftest import World, fetch, form, start
from tests.factories import create_user, enrol


def _flag(client: TestClient, post_id: int, reason: str = "abuse") -> int:
    return form(client, f"/posts/{ref(post_id)}/flag", {"reason": reason, "note": "грубо"}).status_code  # type: ignore[attr-defined,no-any-return]


def test_three_flags_hide_a_post_until_a_moderator_restores_it(
    session: Session, settings: Settings, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, post = start(session, world.aigul, lesson=world.lesson, body="Спорный текст")
    third = create_user(session, settings, display_name="Третья")
    enrol(session, third, world.course)
    session.commit()
    assert _flag(browser_of(world.bermet), post.id) == 303
    assert _flag(browser_of(world.bermet), post.id) == 409  # once per member
    assert _flag(browser_of(world.cholpon), post.id, "spam") == 303
    assert fetch(session, Post, id=post.id)[0].status == "visible"
    assert _flag(browser_of(third), post.id) == 303
    hidden = fetch(session, Post, id=post.id)[0]
    assert (hidden.status, hidden.flag_count) == ("pending", 3)
    assert fetch(session, Thread)[0].post_count == 0
    assert "Спорный текст" not in browser_of(world.solo).get(f"/threads/{ref(thread.id)}").text
    assert (
        "Спорный текст" in browser_of(world.aigul).get(f"/threads/{ref(thread.id)}").text
    )  # the author still sees it

    queue = browser_of(world.trainer).get("/moderation")
    assert queue.status_code == 200 and "Спорный текст" in queue.text and "грубо" in queue.text
    assert (
        form(browser_of(world.trainer), f"/posts/{ref(post.id)}/restore", {"reason": ""}).status_code == 422
    )
    restored = form(
        browser_of(world.trainer), f"/posts/{ref(post.id)}/restore", {"reason": "Это мнение, не оскорбление"}
    )
    assert restored.status_code == 303
    back = fetch(session, Post, id=post.id)[0]
    assert (back.status, back.flag_count, back.moderation_reason) == (
        "visible",
        0,
        "Это мнение, не оскорбление",
    )
    assert all(flag.resolved_at for flag in fetch(session, Flag))
    assert "Спорный текст" in browser_of(world.solo).get(f"/threads/{ref(thread.id)}").text
    told = [n for n in fetch(session, Notification, user_id=world.aigul.id) if n.kind == "restored"]
    assert told and told[0].detail == "Это мнение, не оскорбление"
    assert [e.action for e in fetch(session, AuditEvent)] == ["post.restore"]
    assert "Спорный текст" not in browser_of(world.trainer).get("/moderation").text


def test_a_moderator_hides_with_a_reason_and_the_author_is_told(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, post = start(session, world.cholpon, cohort=world.osh, body="Фамилия и адрес соседки")
    coordinator = browser_of(world.coordinator)
    assert (
        form(coordinator, f"/posts/{ref(post.id)}/hide", {"reason": "Раскрывает личные данные"}).status_code
        == 303
    )
    assert fetch(session, Post, id=post.id)[0].status == "hidden"
    page = browser_of(world.cholpon).get(f"/threads/{ref(thread.id)}").text
    assert "Раскрывает личные данные" in page
    notices = browser_of(world.cholpon).get("/notifications").text
    assert "Раскрывает личные данные" in notices
    event = fetch(session, AuditEvent)[0]
    assert (event.action, event.actor_ref, event.target_ref) == (
        "post.hide",
        world.coordinator.public_id,
        world.cholpon.public_id,
    )


def test_only_the_places_moderators_moderate(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _thread, post = start(session, world.cholpon, cohort=world.osh, body="Текст")
    assert (
        form(browser_of(world.trainer), f"/posts/{ref(post.id)}/hide", {"reason": "x"}).status_code == 404
    )  # not hers to read
    assert (
        form(browser_of(world.aigul), f"/posts/{ref(post.id)}/hide", {"reason": "x"}).status_code == 403
    )  # a learner
    lesson_thread, lesson_post = start(session, world.aigul, lesson=world.lesson)
    assert (
        form(browser_of(world.solo), f"/threads/{ref(lesson_thread.id)}/lock", {"locked": "1"}).status_code
        == 403
    )
    assert (
        form(browser_of(world.admin), f"/posts/{ref(post.id)}/hide", {"reason": "админ"}).status_code == 303
    )
    assert fetch(session, Post, id=post.id)[0].status == "hidden"
    assert fetch(session, Post, id=lesson_post.id)[0].status == "visible"


def test_mute_a_member_of_a_cohort_for_a_time(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, cohort=world.naryn)
    lesson_thread, _p = start(session, world.solo, lesson=world.lesson)
    trainer = browser_of(world.trainer)
    page = trainer.get(f"/discussions/cohorts/{ref(world.naryn.id)}/mutes")
    assert page.status_code == 200 and "Бермет" in page.text
    bad = [
        {"user": str(world.cholpon.id), "days": "3", "reason": "x"},  # not in this cohort
        {"user": str(world.bermet.id), "days": "0", "reason": "x"},
        {"user": str(world.bermet.id), "days": "9999", "reason": "x"},
        {"user": str(world.bermet.id), "days": "3", "reason": ""},
        {"user": "abc", "days": "x", "reason": "x"},
    ]
    for fields in bad:
        assert (
            form(trainer, f"/discussions/cohorts/{ref(world.naryn.id)}/mutes", fields).status_code == 422
        ), fields
    assert fetch(session, Mute) == []
    muted = form(
        trainer,
        f"/discussions/cohorts/{ref(world.naryn.id)}/mutes",
        {"user": str(world.bermet.id), "days": "3", "reason": "Остыньте"},
    )
    assert muted.status_code == 303
    bermet = browser_of(world.bermet)
    for path in (f"/threads/{ref(thread.id)}/posts", f"/threads/{ref(lesson_thread.id)}/posts"):
        refused = form(bermet, path, {"body": "Можно сказать?"})
        assert refused.status_code == 403, path
    assert (
        form(browser_of(world.aigul), f"/threads/{ref(thread.id)}/posts", {"body": "А мне можно"}).status_code
        == 303
    )
    assert any(n.kind == "muted" for n in fetch(session, Notification, user_id=world.bermet.id))
    mute = fetch(session, Mute)[0]
    assert (
        form(trainer, f"/discussions/cohorts/{ref(world.naryn.id)}/mutes/{mute.id}/lift", {}).status_code
        == 303
    )
    assert form(bermet, f"/threads/{ref(thread.id)}/posts", {"body": "Спасибо"}).status_code == 303
    assert [e.action for e in fetch(session, AuditEvent)] == ["member.mute", "member.unmute"]
    assert (
        browser_of(world.coordinator).get(f"/discussions/cohorts/{ref(world.naryn.id)}/mutes").status_code
        == 403
    )


def test_posting_is_rate_limited(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, lesson=world.lesson)
    bermet = browser_of(world.bermet)
    codes = [
        form(bermet, f"/threads/{ref(thread.id)}/posts", {"body": f"Сообщение {n}"}).status_code
        for n in range(8)
    ]
    assert codes[:6] == [303] * 6
    assert codes[6:] == [429, 429]
    session.commit()
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(Post).where(Post.author_id == world.bermet.id))
        == 6
    )


def test_lock_and_pin_are_audited(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    thread, _post = start(session, world.aigul, cohort=world.naryn)
    trainer = browser_of(world.trainer)
    for path, value in ((f"/threads/{ref(thread.id)}/lock", {"locked": "1"}), (f"/threads/{ref(thread.id)}/pin", {"pinned": "1"}),
                        (f"/threads/{ref(thread.id)}/lock", {"locked": "0"})):  # fmt: skip
        assert form(trainer, path, value).status_code == 303
    assert [e.action for e in fetch(session, AuditEvent)] == ["thread.lock", "thread.pin", "thread.unlock"]
