"""Consent follows the text: an endorsement is of one version; a new text (her revision, an accepted
amendment) leaves the earlier endorsements apart, uncounted, until each endorser, told what changed,
confirms hers with one click."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.discussions.models import Notification
from app.resolutions import recommendations as recs
from app.resolutions.models import Amendment, Endorsement, Recommendation, RecommendationEvent
from tests.resolutions.conftest import World, endorse, form, fresh, role, write

NEW_TEXT = "Айыл окмоту должен поставить сирену, проверять её каждый месяц и договориться с МЧС."


def _qualified(session: Session, world: World) -> Recommendation:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.a2, world.b1, world.b2)
    assert (rec.status, rec.endorsement_count) == ("qualified", 3)
    return rec


def _in_english(session: Session, *users: User) -> None:
    for user in users:
        user.locale = "en"
    session.commit()


def _reload(session: Session, rec: Recommendation) -> Recommendation:
    return fresh(session, Recommendation, id=rec.id)[0]


def test_a_revision_leaves_the_endorsements_of_the_old_text_apart(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = _qualified(session, world)
    revised = form(
        browser_of(world.a1),
        f"/recommendations/{rec.id}/revise",
        {"title": rec.title, "text": NEW_TEXT, "theme": rec.theme, "addressee": rec.addressee},
    )
    assert revised.status_code == 303
    rec = _reload(session, rec)
    # None of the three counts for the new text: it is open again, and the page says so.
    assert (rec.version, rec.endorsement_count, rec.cohort_count, rec.earlier_count) == (2, 0, 0, 3)
    assert rec.status == "open"
    assert [e.kind for e in fresh(session, RecommendationEvent, recommendation_id=rec.id)][-2:] == [
        "revised",
        "unqualified",
    ]
    assert {e.version for e in fresh(session, Endorsement)} == {1}  # kept, marked as of version 1
    told = {n.user_id for n in fresh(session, Notification) if n.kind == "text_changed"}
    assert told == {world.a2.id, world.b1.id, world.b2.id}  # every endorser, not the author

    _in_english(session, world.b1)
    b1 = browser_of(world.b1)
    page = b1.get(f"/recommendations/{rec.id}")
    assert page.status_code == 200
    assert 'id="since-endorsed"' in page.text
    assert "<del>сирену</del><ins>сирену, проверять её каждый месяц</ins>" in page.text  # the word diff
    assert "3 endorsements were given to earlier versions" in page.text
    assert "0 endorsements of this version" in page.text
    assert "Confirm my endorsement of this version" in page.text

    # One click each: her endorsement counts again, for the new text.
    assert form(b1, f"/recommendations/{rec.id}/endorse", {"endorse": "1"}).status_code == 303
    rec = _reload(session, rec)
    assert (rec.endorsement_count, rec.earlier_count, rec.status) == (1, 2, "open")
    assert 'id="since-endorsed"' not in b1.get(f"/recommendations/{rec.id}").text
    for user in (world.a2, world.b2):
        assert (
            form(browser_of(user), f"/recommendations/{rec.id}/endorse", {"endorse": "1"}).status_code == 303
        )
    rec = _reload(session, rec)
    assert (rec.endorsement_count, rec.cohort_count, rec.earlier_count, rec.status) == (3, 2, 0, "qualified")
    # Re-confirming used no new endorsement of her cap.
    assert recs.used_endorsements(session, forum_id=world.forum.id, user_id=world.b1.id) == 1


def test_an_accepted_amendment_changes_the_text_and_asks_again(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = _qualified(session, world)
    recs.propose(
        session,
        role(session, world.b1, world.forum),
        rec,
        recs.Draft("Сирена и обход домов", NEW_TEXT, rec.theme, rec.addressee),
        note="Не у всех слышно",
    )
    session.commit()
    amendment = fresh(session, Amendment)[0]
    assert (
        form(browser_of(world.a1), f"/amendments/{amendment.id}/decide", {"accept": "1"}).status_code == 303
    )
    rec = _reload(session, rec)
    assert (rec.version, rec.endorsement_count, rec.earlier_count, rec.status) == (2, 0, 3, "open")
    told = {n.user_id for n in fresh(session, Notification) if n.kind == "text_changed"}
    assert told == {world.a2.id, world.b1.id, world.b2.id}
    page = browser_of(world.a2).get(f"/recommendations/{rec.id}").text
    assert "<del>каждом</del><ins>обход</ins>" in page and "проверять её каждый месяц</ins>" in page


def test_a_rejected_amendment_or_a_merge_changes_nothing_of_anyone_s_consent(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = _qualified(session, world)
    recs.propose(
        session,
        role(session, world.b1, world.forum),
        rec,
        recs.Draft("Совсем другое", "Совсем другой текст рекомендации.", rec.theme, rec.addressee),
        note="",
    )
    session.commit()
    amendment = fresh(session, Amendment)[0]
    assert (
        form(browser_of(world.a1), f"/amendments/{amendment.id}/decide", {"accept": "0"}).status_code == 303
    )
    other = write(session, world, world.b2, title="Сирена для села", text="Нужна сирена в селе у реки.")
    assert (
        form(
            browser_of(world.trainer), f"/recommendations/{other.id}/merge", {"into": str(rec.id)}
        ).status_code
        == 303
    )
    rec = _reload(session, rec)
    assert (rec.version, rec.endorsement_count, rec.earlier_count, rec.status) == (1, 3, 0, "qualified")
    assert not [n for n in fresh(session, Notification) if n.kind == "text_changed"]


def test_withdrawing_an_endorsement_of_an_earlier_version(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.b1)
    recs.revise(
        session,
        role(session, world.a1, world.forum),
        rec,
        recs.Draft(rec.title, NEW_TEXT, rec.theme, rec.addressee),
    )
    session.commit()
    assert (
        form(browser_of(world.b1), f"/recommendations/{rec.id}/endorse", {"endorse": "0"}).status_code == 303
    )
    rec = _reload(session, rec)
    assert (rec.endorsement_count, rec.earlier_count) == (0, 0)
    assert fresh(session, Endorsement) == []


def test_the_staff_see_whose_endorsement_waits_and_the_forum_list_says_it(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.b1, world.a2)
    recs.revise(
        session,
        role(session, world.a1, world.forum),
        rec,
        recs.Draft(rec.title, NEW_TEXT, rec.theme, rec.addressee),
    )
    endorse(session, world, rec, world.a2)  # she confirms
    _in_english(session, world.trainer, world.b1, world.a2)
    staff_page = browser_of(world.trainer).get(f"/recommendations/{rec.id}").text
    assert 'Участница b1 <span class="meta">(endorsed an earlier version)' in staff_page
    assert "Участница a2</li>" in staff_page
    listing = browser_of(world.b1).get(f"/forums/{world.forum.id}").text
    assert "you endorsed an earlier version: confirm it" in listing
    assert "and 1 for an earlier version" in listing
    assert "you endorsed an earlier version" not in browser_of(world.a2).get(f"/forums/{world.forum.id}").text


def test_a_text_change_is_one_notification_per_endorser_however_many_versions(
    session: Session, world: World
) -> None:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.b1)
    author = role(session, world.a1, world.forum)
    for n in range(3):
        recs.revise(
            session, author, rec, recs.Draft(rec.title, f"{NEW_TEXT} Шаг {n}.", rec.theme, rec.addressee)
        )
        session.commit()
    rows = [n for n in fresh(session, Notification) if n.kind == "text_changed"]
    assert [(n.user_id, n.count) for n in rows] == [(world.b1.id, 3)]  # gathered while unread
