"""Double clicks and replays (issue 24): a form that creates something, sent twice with its one-time id
(two tabs, a double tap, a form sent again after a dropped connection), in sequence or at the same
moment, creates one row and sends both to the same result."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import FormSubmission, User
from app.resolutions.models import Amendment, Endorsement, Forum, ImplementationUpdate, Recommendation
from tests.double_sends import twice
from tests.factories import csrf_token
from tests.resolutions.conftest import World, adopted, fresh, write

CASES = ["recommendation", "endorsement", "amendment", "update", "forum"]


@pytest.mark.parametrize("together", [False, True], ids=["in-sequence", "at-once"])
@pytest.mark.parametrize("case", CASES)
def test_a_form_sent_twice_creates_once(
    session: Session,
    world: World,
    browser_of: Callable[[User], TestClient],
    case: str,
    together: bool,
) -> None:
    forum = world.forum.id
    if case == "recommendation":
        who, model = world.b1, Recommendation
        path, fields = f"/forums/{forum}/recommendations", {
            "title": "Зимние дороги к дальним сёлам", "text": "Расчищать дороги к дальним сёлам до восьми утра.",
            "theme": "other", "addressee": "government", "checked": "1",
        }  # fmt: skip
    elif case == "endorsement":
        rec = write(session, world, world.a1)
        who, model, path, fields = (
            world.b1,
            Endorsement,
            f"/recommendations/{rec.id}/endorse",
            {"endorse": "1"},
        )
    elif case == "amendment":
        rec = write(session, world, world.a1)
        who, model = world.b1, Amendment
        path, fields = f"/recommendations/{rec.id}/amendments", {
            "title": "Сирена и обход домов", "text": "Сирена в каждом селе и обход домов.", "note": "Не всем слышно",
        }  # fmt: skip
    elif case == "update":
        adopted(session, world)
        item = session.scalars(sa.text("SELECT id FROM resolution_item ORDER BY position LIMIT 1")).one()
        who, model = world.coordinator, ImplementationUpdate
        path = f"/forums/{forum}/monitoring/items/{item}/updates"
        fields = {"status": "implemented", "note": "Сирены стоят", "evidence": "https://example.org/a"}
    else:
        who, model, path = world.coordinator, Forum, "/forums/"
        fields = {"name_ru": "Форум в Оше", "place_ru": "Ош", "held_on": "2027-03-10", "cohorts": str(world.naryn.id),
                  "qualify_endorsements": "4", "accepting": "0"}  # fmt: skip
    before = len(fresh(session, model))
    answers = twice(
        [browser_of(who), browser_of(who)], path, fields, together=together, token_from="/forums/"
    )
    codes = [answer.status_code for answer in answers]  # type: ignore[attr-defined]
    assert codes == [303, 303], [answer.text.partition("error-summary")[2][:600] for answer in answers]  # type: ignore[attr-defined]
    assert len(fresh(session, model)) == before + 1
    locations = {answer.headers["location"] for answer in answers}  # type: ignore[attr-defined]
    assert len(locations) == 1, locations  # both tabs land on the one result
    assert len(fresh(session, FormSubmission, user_id=who.id)) == 1


def test_a_new_page_makes_a_new_id_and_a_form_without_one_works_as_before(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    b1 = browser_of(world.b1)
    page = b1.get(f"/forums/{world.forum.id}/recommendations/new").text
    again = b1.get(f"/forums/{world.forum.id}/recommendations/new").text
    ids = [text.split('name="submission_id" value="')[1].split('"')[0] for text in (page, again)]
    assert ids[0] != ids[1] and all(len(value) >= 16 for value in ids)
    rec = write(session, world, world.a1)
    plain = b1.post(
        f"/recommendations/{rec.id}/endorse", data={"endorse": "1", "csrf_token": csrf_token(b1, "/forums/")}
    )
    assert plain.status_code == 303 and len(fresh(session, Endorsement, recommendation_id=rec.id)) == 1
    assert fresh(session, FormSubmission) == []
