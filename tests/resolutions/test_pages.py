"""The forum pages that the life-cycle test does not walk through: a forum made and changed through its
form, the look-alikes while she types (htmx), and the history of the draft."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.resolutions.models import Forum, ForumCohort
from tests.factories import csrf_token
from tests.resolutions.conftest import World, adopted, form, fresh, write


def test_a_forum_made_and_changed_through_its_form(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    new = coordinator.get("/forums/new")
    assert new.status_code == 200 and 'name="endorsement_cap" type="number" value="10"' in new.text
    sent = {
        "name_ky": "Жаштар форуму",
        "name_en": "Youth forum",
        "place_ru": "Каракол",
        "held_on": "2026-09-10",
        "cohorts": [str(world.naryn.id), str(world.osh.id)],
        "endorsement_cap": "",  # the default
        "qualify_endorsements": "4",
        "accepting": "0",
    }
    made = form(coordinator, "/forums/", sent)
    assert made.status_code == 303
    forum = [f for f in fresh(session, Forum) if f.id != world.forum.id][0]
    assert made.headers["location"] == f"/forums/{forum.id}"
    assert (forum.name, forum.place) == ({"ky": "Жаштар форуму", "en": "Youth forum"}, {"ru": "Каракол"})
    assert (forum.endorsement_cap, forum.qualify_endorsements, forum.qualify_cohorts, forum.accepting) == (
        10,
        4,
        2,
        False,
    )
    assert {c.cohort_id for c in fresh(session, ForumCohort, forum_id=forum.id)} == {
        world.naryn.id,
        world.osh.id,
    }
    assert fresh(session, AuditEvent)[-1].action == "forum.save"

    settings = coordinator.get(f"/forums/{forum.id}/settings")
    assert 'value="Youth forum"' in settings.text and f'value="{world.osh.id}" checked' in settings.text
    changed = form(coordinator, f"/forums/{forum.id}/settings", sent | {"cohorts": [str(world.naryn.id)]})
    assert changed.status_code == 303
    assert [c.cohort_id for c in fresh(session, ForumCohort, forum_id=forum.id)] == [world.naryn.id]
    # The trainer runs the same cohorts, but only coordinators set forums up.
    assert form(browser_of(world.trainer), f"/forums/{forum.id}/settings", sent).status_code == 403


def test_look_alikes_while_she_types(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1, title="Сирена в каждом селе")
    b1 = browser_of(world.b1)
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf_token(b1, "/forums/")}
    path = f"/forums/{world.forum.id}/similar"
    alike = b1.post(path, data={"title": "Сирена в каждом нашем селе", "text": ""}, headers=headers)
    assert alike.status_code == 200 and "<html" not in alike.text
    assert f"/recommendations/{rec.id}" in alike.text
    short = b1.post(path, data={"title": "Сир"}, headers=headers)
    assert short.status_code == 200 and "/recommendations/" not in short.text


def test_the_history_of_the_draft(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    adopted(session, world)
    coordinator = browser_of(world.coordinator)
    first = coordinator.get(f"/forums/{world.forum.id}/resolution/history?rev=1")
    assert first.status_code == 200 and "Первый проект" in first.text and "<ins>" in first.text
    newest = coordinator.get(f"/forums/{world.forum.id}/resolution/history?rev=nonsense")
    assert newest.status_code == 200 and 'aria-current="true">' in newest.text
    assert browser_of(world.a1).get(f"/forums/{world.forum.id}/resolution/history").status_code == 403
