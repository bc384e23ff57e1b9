"""Who may do each step: participants, trainers, coordinators, strangers and the public."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.refs import encode as ref
from app.resolutions import drafting
from app.resolutions import recommendations as recs
from app.resolutions.models import Forum, ForumCohort, Resolution
from tests.discussions.conftest import start
from tests.resolutions.conftest import World, accepted, adopted, form, fresh, role, write


def test_strangers_do_not_see_the_forum(
    session: Session, world: World, browser_of: Callable[[User], TestClient], client: TestClient
) -> None:
    rec = write(session, world, world.a1)
    for stranger in (world.t1, world.other_coordinator):
        browser = browser_of(stranger)
        assert browser.get(f"/forums/{world.forum.id}").status_code == 404
        assert browser.get(f"/recommendations/{rec.id}").status_code == 404
        assert form(browser, f"/recommendations/{rec.id}/endorse", {"endorse": "1"}).status_code == 404
        assert "Форум 2026" not in browser.get("/forums/").text
    assert client.get(f"/forums/{world.forum.id}").status_code == 303  # to sign in
    for member in (world.a1, world.b2, world.trainer, world.coordinator, world.admin):
        assert browser_of(member).get(f"/recommendations/{rec.id}").status_code == 200, member.email


def test_endorser_names_are_for_staff_only(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    recs.endorse(session, role(session, world.b1, world.forum), rec)
    session.commit()
    assert "Участница b1" in browser_of(world.trainer).get(f"/recommendations/{rec.id}").text
    page = browser_of(world.a2).get(f"/recommendations/{rec.id}").text
    assert "Участница b1" not in page
    assert "1 endorsement" in page or "1 голос поддержки" in page


@pytest.mark.parametrize(
    ("who", "path", "data", "status"),
    [
        ("a1", "/recommendations/{rec}/review", {"decision": "accepted"}, 403),  # learners do not review
        ("a1", "/recommendations/{rec}/merge", {"into": "{other}"}, 403),
        ("a1", "/forums/{forum}/resolution/edit", {"note": "x"}, 403),  # nor draft
        ("trainer", "/forums/{forum}/resolution/edit", {"note": "x"}, 403),  # trainers review, not draft
        ("trainer", "/forums/{forum}/resolution/adopt", {"outcome": "consensus"}, 403),
        ("b1", "/forums/{forum}/resolution/publish", {}, 403),
        ("other_coordinator", "/forums/{forum}/resolution/adopt", {"outcome": "consensus"}, 404),
        (
            "t1",
            "/forums/{forum}/recommendations",
            {"title": "Заголовок", "text": "Текст текст текст", "theme": "other", "addressee": "government"},
            404,
        ),
        ("a1", "/forums/", {}, 403),  # creating a forum is for coordinators
        ("trainer", "/forums/{forum}/settings", {}, 403),
    ],
)
def test_each_step_refuses_who_may_not(
    session: Session, world: World, browser_of: Callable[[User], TestClient], who: str, path: str,
    data: dict[str, str], status: int,
) -> None:  # fmt: skip
    rec, other = (
        accepted(session, world),
        write(session, world, world.b1, title="Другое дело", text="Совсем о другом текст"),
    )
    values = {"rec": rec.id, "other": other.id, "forum": world.forum.id}
    data = {key: value.format(**values) for key, value in data.items()}
    response = form(browser_of(getattr(world, who)), path.format(**values), data)
    assert response.status_code == status, response.text[:300]
    assert fresh(session, Resolution) == [] or fresh(session, Resolution)[0].status == "draft"


def test_a_suggestion_is_seen_by_its_author_and_staff_only(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _thread, post = start(
        session, world.b1, cohort=world.osh, title="Идея", body="Открытые сессии кенеша для всех"
    )
    trainer = browser_of(world.trainer)
    suggested = form(trainer, f"/posts/{ref(post.id)}/recommend", {
        "forum": str(world.forum.id), "title": "Открытые сессии кенеша", "text": "Открытые сессии кенеша для всех жителей.",
        "theme": "civic_space", "addressee": "local_councils", "checked": "1",
    })  # fmt: skip
    assert suggested.status_code == 303
    rec_path = suggested.headers["location"]  # type: ignore[attr-defined]
    assert browser_of(world.a1).get(rec_path).status_code == 404
    assert browser_of(world.b1).get(rec_path).status_code == 200
    learner_suggests = form(
        browser_of(world.b2),
        f"/posts/{ref(post.id)}/recommend",
        {"forum": str(world.forum.id), "title": "Чужой пост", "text": "Не мой пост, но хочу."},
    )
    assert learner_suggests.status_code in (404, 409)
    assert form(browser_of(world.b1), rec_path + "/confirm", {"confirm": "1"}).status_code == 303
    assert browser_of(world.a1).get(rec_path).status_code == 200


def test_drafts_are_never_public(
    session: Session, world: World, client: TestClient, browser_of: Callable[[User], TestClient]
) -> None:
    resolution = adopted(session, world)
    assert client.get("/resolutions/").status_code == 200
    assert resolution.number not in client.get("/resolutions/").text
    for suffix in ("", ".pdf", ".json", ".md", ".docx"):
        assert client.get(f"/resolutions/{resolution.number}{suffix}").status_code == 404
    # Members see a draft only while it is open for comments (staff always).
    other = session.get(Forum, world.forum.id)
    assert other is not None
    draft_forum = Forum(
        name={"ru": "Второй форум"},
        place={"ru": "Нарын"},
        held_on=other.held_on,
        created_by_id=world.coordinator.id,
    )
    session.add(draft_forum)
    session.flush()
    session.add(ForumCohort(forum_id=draft_forum.id, cohort_id=world.naryn.id))
    drafting.resolution_of(session, draft_forum).preamble = {"ru": "Секретный черновик"}
    session.commit()
    assert "Секретный черновик" not in browser_of(world.a1).get(f"/forums/{draft_forum.id}/resolution").text
    assert (
        "Секретный черновик" in browser_of(world.coordinator).get(f"/forums/{draft_forum.id}/resolution").text
    )
