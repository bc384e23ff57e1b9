"""Endorsements: once each, withdrawable, capped per forum, counted by cohort; amendments; merges."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.config import Settings
from app.discussions.models import Notification
from app.resolutions import recommendations as recs
from app.resolutions.exceptions import EndorsementRefused
from app.resolutions.models import Amendment, Endorsement, Recommendation, RecommendationVersion
from tests.resolutions.conftest import World, endorse, form, fresh, role, write


def test_counts_and_the_two_cohort_threshold(session: Session, world: World) -> None:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.a2, world.a2)  # a second click changes nothing
    endorse(session, world, rec, world.b1)
    assert (rec.endorsement_count, rec.cohort_count, rec.status) == (2, 2, "open")
    endorse(session, world, rec, world.b2)
    assert (rec.endorsement_count, rec.cohort_count, rec.status) == (3, 2, "qualified")
    recs.withdraw(session, role(session, world.b2, world.forum), rec)
    session.commit()
    assert (rec.endorsement_count, rec.status) == (2, "open")  # back below the threshold


def test_three_from_one_cohort_do_not_qualify(session: Session, world: World) -> None:
    rec = write(session, world, world.b1)
    endorse(session, world, rec, world.a1, world.a2)
    assert (rec.endorsement_count, rec.cohort_count, rec.status) == (2, 1, "open")


def test_who_cannot_endorse(session: Session, world: World) -> None:
    rec = write(session, world, world.a1)
    with pytest.raises(EndorsementRefused):
        recs.endorse(session, role(session, world.a1, world.forum), rec)  # her own
    with pytest.raises(EndorsementRefused):
        recs.endorse(session, role(session, world.trainer, world.forum), rec)  # staff, not a participant
    session.rollback()
    assert fresh(session, Endorsement) == []


def test_the_cap_per_participant_per_forum(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    written = [
        write(
            session,
            world,
            world.a1,
            title=f"Рекомендация номер {n}",
            text=f"Текст рекомендации {n} про что-то своё",
        )
        for n in range(4)
    ]
    b1 = browser_of(world.b1)
    codes = [form(b1, f"/recommendations/{rec.id}/endorse", {"endorse": "1"}).status_code for rec in written]
    assert codes == [303, 303, 303, 409]  # the cap is 3 in this forum
    assert form(b1, f"/recommendations/{written[0].id}/endorse", {"endorse": "0"}).status_code == 303
    assert form(b1, f"/recommendations/{written[3].id}/endorse", {"endorse": "1"}).status_code == 303
    assert {e.recommendation_id for e in fresh(session, Endorsement)} == {
        written[1].id,
        written[2].id,
        written[3].id,
    }


def test_merge_keeps_pages_and_asks_endorsers_to_confirm(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    target = write(session, world, world.a1, title="Сирены в сёлах Нарына")
    duplicate = write(session, world, world.b1, title="Сирена для села")
    endorse(session, world, duplicate, world.a2, world.b2)
    endorse(session, world, target, world.b2)
    merged = form(
        browser_of(world.trainer),
        f"/recommendations/{duplicate.id}/merge",
        {"into": str(target.id), "note": "то же самое"},
    )
    assert merged.status_code == 303
    duplicate, target = (fresh(session, Recommendation, id=r.id)[0] for r in (duplicate, target))
    assert (duplicate.status, duplicate.merged_into_id) == ("merged", target.id)
    assert duplicate.endorsement_count == 2 and target.endorsement_count == 1  # nothing moved silently
    asked = {n.user_id for n in fresh(session, Notification) if n.kind == "endorse_merged"}
    assert asked == {world.a2.id, world.b1.id}  # b2 already endorses the target; b1 wrote the duplicate
    page = browser_of(world.a2).get(f"/recommendations/{duplicate.id}")
    assert page.status_code == 200 and f"/recommendations/{target.id}" in page.text
    assert [e.action for e in fresh(session, AuditEvent)][-1] == "recommendation.merge"
    # Her endorsement of the merged one no longer counts against her cap.
    assert recs.used_endorsements(session, forum_id=world.forum.id, user_id=world.a2.id) == 0
    assert (
        form(browser_of(world.a2), f"/recommendations/{target.id}/endorse", {"endorse": "1"}).status_code
        == 303
    )
    assert fresh(session, Recommendation, id=target.id)[0].endorsement_count == 2
    assert (
        form(
            browser_of(world.a1), f"/recommendations/{duplicate.id}/merge", {"into": str(target.id)}
        ).status_code
        == 403
    )


def test_amendments_the_author_accepts_or_rejects(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    b1 = browser_of(world.b1)
    proposed = form(b1, f"/recommendations/{rec.id}/amendments",
                    {"title": "Сирена и обход домов", "text": "Сирена в каждом селе и обход домов по улицам.", "note": "Не у всех слышно"})  # fmt: skip
    assert proposed.status_code == 303
    assert any(n.kind == "amendment" and n.user_id == world.a1.id for n in fresh(session, Notification))
    amendment = fresh(session, Amendment)[0]
    assert (
        form(b1, f"/amendments/{amendment.id}/decide", {"accept": "1"}).status_code == 409
    )  # not hers to decide
    assert (
        form(browser_of(world.a1), f"/amendments/{amendment.id}/decide", {"accept": "1"}).status_code == 303
    )
    rec = fresh(session, Recommendation, id=rec.id)[0]
    assert (rec.version, rec.title) == (2, "Сирена и обход домов")
    assert [v.number for v in fresh(session, RecommendationVersion, recommendation_id=rec.id)] == [1, 2]
    second = form(
        b1,
        f"/recommendations/{rec.id}/amendments",
        {"title": "Совсем другое", "text": "Совсем другой текст рекомендации."},
    )
    assert second.status_code == 303
    other = [a for a in fresh(session, Amendment) if a.status == "open"][0]
    assert (
        form(
            browser_of(world.a1), f"/amendments/{other.id}/decide", {"accept": "0", "note": "Нет"}
        ).status_code
        == 303
    )
    assert fresh(session, Recommendation, id=rec.id)[0].version == 2
    bad = form(b1, f"/recommendations/{rec.id}/amendments", {"title": "x", "text": "y"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"title": "abc", "text": "Текст достаточно длинный", "theme": "other", "addressee": "government"},
            "title",
        ),
        ({"title": "Заголовок", "text": "коротко", "theme": "other", "addressee": "government"}, "text"),
        ({"title": "Заголовок", "text": "x" * 1001, "theme": "other", "addressee": "government"}, "text"),
        (
            {
                "title": "Заголовок",
                "text": "Текст достаточно длинный",
                "theme": "weather",
                "addressee": "government",
            },
            "theme",
        ),
        (
            {
                "title": "Заголовок",
                "text": "Текст достаточно длинный",
                "theme": "other",
                "addressee": "aliens",
            },
            "addressee",
        ),
    ],
)
def test_bad_recommendations_are_refused_with_the_field_named(
    session: Session,
    world: World,
    browser_of: Callable[[User], TestClient],
    fields: dict[str, str],
    field: str,
) -> None:
    response = form(browser_of(world.a1), f"/forums/{world.forum.id}/recommendations", fields)
    assert response.status_code == 422 and f'id="error-{field}"' in response.text
    assert fresh(session, Recommendation) == []


def test_review_needs_a_note_or_a_reason(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.a2, world.b1, world.b2)
    trainer = browser_of(world.trainer)
    assert form(trainer, f"/recommendations/{rec.id}/review", {"decision": "needs_work"}).status_code == 422
    assert form(trainer, f"/recommendations/{rec.id}/review", {"decision": "declined"}).status_code == 422
    assert (
        form(
            trainer,
            f"/recommendations/{rec.id}/review",
            {"decision": "declined", "reason": "not_actionable", "note": "Слишком общо"},
        ).status_code
        == 303
    )
    rec = fresh(session, Recommendation, id=rec.id)[0]
    assert (rec.status, rec.decline_reason) == ("declined", "not_actionable")
    assert "Слишком общо" in browser_of(world.b1).get(f"/recommendations/{rec.id}").text


@pytest.mark.parametrize("interest", ["endorsed", "wrote", "suggested"])
def test_a_trainer_does_not_review_what_she_wrote_suggested_or_endorsed(
    session: Session, world: World, browser_of: Callable[[User], TestClient], interest: str
) -> None:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.a2, world.b1, world.b2)
    if interest == "endorsed":
        session.add(Endorsement(recommendation_id=rec.id, user_id=world.trainer.id, cohort_id=world.naryn.id))
    elif interest == "wrote":
        rec.author_id = world.trainer.id
    else:
        rec.suggested_by_id = world.trainer.id
    session.commit()
    trainer = browser_of(world.trainer)
    page = trainer.get(f"/recommendations/{rec.id}").text
    assert "another trainer of the forum answers it" in page or "другой тренер форума" in page
    assert f'action="/recommendations/{rec.id}/review"' not in page
    refused = form(trainer, f"/recommendations/{rec.id}/review", {"decision": "accepted", "note": "Моё"})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert fresh(session, Recommendation, id=rec.id)[0].status == "qualified"
    other = browser_of(world.admin)  # another reviewer of the forum answers it
    assert f'action="/recommendations/{rec.id}/review"' in other.get(f"/recommendations/{rec.id}").text
    answered = form(other, f"/recommendations/{rec.id}/review", {"decision": "accepted", "note": "Берём"})
    assert answered.status_code == 303  # type: ignore[attr-defined]


def test_a_participant_of_two_cohorts_chooses_which_one_her_endorsements_count_for(
    session: Session, world: World, browser_of: Callable[[User], TestClient], settings: Settings
) -> None:
    """Issue 25: asked once, changeable; one person never supplies two of "from N cohorts"."""
    from app.authoring import service as authoring
    from app.principal import Principal
    from app.resolutions.models import ForumCohort
    from tests.factories import create_cohort, enrol

    trainer = Principal.of(world.trainer)
    second = authoring.create_course(session, trainer, slug="second-course", title="Второй курс", locale="ru")
    kara_kol = create_cohort(session, second, name="Каракол")
    session.add(ForumCohort(forum_id=world.forum.id, cohort_id=kara_kol.id))
    enrol(session, world.b1, second, kara_kol)  # b1: Osh and Karakol
    session.commit()
    rec = write(session, world, world.a1)
    b1 = browser_of(world.b1)
    page = b1.get(f"/recommendations/{rec.id}").text
    assert 'name="cohort"' in page and "Каракол" in page and "Ош" in page  # asked
    unanswered = form(b1, f"/recommendations/{rec.id}/endorse", {"endorse": "1"})
    assert unanswered.status_code == 409  # type: ignore[attr-defined]
    assert fresh(session, Endorsement, recommendation_id=rec.id) == []
    chosen = form(b1, f"/recommendations/{rec.id}/endorse", {"endorse": "1", "cohort": str(kara_kol.id)})
    assert chosen.status_code == 303  # type: ignore[attr-defined]
    assert [e.cohort_id for e in fresh(session, Endorsement, recommendation_id=rec.id)] == [kara_kol.id]
    other = write(session, world, world.a2, title="Школьные учения раз в год")
    assert 'name="cohort"' not in b1.get(f"/recommendations/{other.id}").text  # asked once
    assert form(b1, f"/recommendations/{other.id}/endorse", {"endorse": "1"}).status_code == 303  # type: ignore[attr-defined]
    assert [e.cohort_id for e in fresh(session, Endorsement, recommendation_id=other.id)] == [kara_kol.id]
    forum_page = b1.get(f"/forums/{world.forum.id}").text
    assert 'action="/forums/' in forum_page and "endorsing" in forum_page
    changed = form(b1, f"/forums/{world.forum.id}/endorsing", {"cohort": str(world.osh.id)})
    assert changed.status_code == 303  # type: ignore[attr-defined]
    assert {e.cohort_id for e in fresh(session, Endorsement, user_id=world.b1.id)} == {world.osh.id}
    endorse(session, world, rec, world.b2)  # another from Osh: still one cohort
    counted = fresh(session, Recommendation, id=rec.id)[0]
    assert (counted.endorsement_count, counted.cohort_count) == (2, 1)
    refused = form(b1, f"/forums/{world.forum.id}/endorsing", {"cohort": str(world.talas.id)})
    assert refused.status_code == 409  # type: ignore[attr-defined]  # not one of hers
