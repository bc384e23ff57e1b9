"""What she sent and was refused comes back on the page she was on: the status of the rule (422, 409),
what she typed still in the form, and the reason beside the field and in the summary; never a bare error
page, and nothing half-written. Pages that are only read write nothing (the editor) or write on the side
(a recommendation marks its notifications read)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import LOCALES
from app.discussions import notifications
from app.discussions.models import Notification
from app.i18n import gettext, use_locale
from app.refs import encode as ref
from app.resolutions.forums import ForumFields, save
from app.resolutions.models import (
    Amendment,
    Endorsement,
    Forum,
    ImplementationUpdate,
    ItemComment,
    ItemTracker,
    Recommendation,
    RecommendationVersion,
    Resolution,
    ResolutionItem,
    ResolutionRevision,
)
from tests.discussions.conftest import start
from tests.resolutions.conftest import World, adopted, endorse, form, fresh, write


def said(message: str, **params: Any) -> str:
    """The message as the page says it (her language is Russian), escaped as the page escapes it."""
    with use_locale("ru"):
        text = gettext(message) % params if params else gettext(message)
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


def beside(response: Any, key: str) -> str:
    """The message shown beside the field `key` (its `error-<key>` element)."""
    found = re.search(rf'id="error-{re.escape(key)}"[^>]*>([^<]*)<', response.text)
    assert found, f"no message beside {key}: {response.status_code} {response.text[:300]}"
    return found.group(1)


def in_summary(response: Any, message: str) -> bool:
    summary = response.text.split('id="error-summary"', 1)
    return len(summary) == 2 and message in summary[1].split("</div>", 1)[0]


def on_page(response: Any, title: str) -> None:
    """Her page, not the error page: its own heading."""
    assert title in response.text.split("<h1", 1)[1].split("</h1>", 1)[0], response.text[:500]
    assert 'class="error-page"' not in response.text


# Forums ------------------------------------------------------------------------------------------------------


def test_a_forum_without_a_name_or_a_date_comes_back_with_her_input(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    sent = {
        "place_ru": "Каракол",
        "held_on": "14.05.2026",
        "cohorts": [str(world.naryn.id)],
        "endorsement_cap": "500",
    }
    response = form(coordinator, "/forums/", sent)
    assert response.status_code == 422
    assert beside(response, "name") == said("Give the forum a name in at least one language.")
    assert beside(response, "held_on") == said("Write the date as YYYY-MM-DD.")
    assert beside(response, "endorsement_cap") == said(
        "Give a whole number from %(low)s to %(high)s.", low=1, high=100
    )
    assert 'value="Каракол"' in response.text and 'value="14.05.2026"' in response.text
    assert (
        f'value="{world.naryn.id}" checked' in response.text and f'value="{world.osh.id}">' in response.text
    )
    assert len(fresh(session, Forum)) == 1  # only the world's


def test_a_cohort_she_does_not_run_is_refused_beside_the_cohorts(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    sent = {
        "name_en": "Talas forum",
        "place_en": "Talas",
        "held_on": "2026-06-01",
        "cohorts": [str(world.talas.id)],
    }
    response = form(browser_of(world.coordinator), f"/forums/{world.forum.id}/settings", sent)
    assert response.status_code == 422
    assert beside(response, "cohorts") == said("Choose at least one cohort that takes part.")
    assert 'value="Talas forum"' in response.text
    forum = fresh(session, Forum, id=world.forum.id)[0]
    assert forum.name["en"] == "Forum 2026"  # nothing changed


# Recommendations ---------------------------------------------------------------------------------------------


def test_a_recommendation_refused_keeps_what_she_wrote(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    sent = {
        "title": "Сирены",
        "text": "Коротко",
        "theme": "risk_reduction",
        "addressee": "government",
        "credit_public": "1",
    }
    response = form(browser_of(world.a1), f"/forums/{world.forum.id}/recommendations", sent)
    assert response.status_code == 422
    assert beside(response, "text") == said(
        "Write the recommendation in %(min)s to %(max)s characters.", min=10, max=1000
    )
    assert 'value="Сирены"' in response.text and ">Коротко</textarea>" in response.text
    assert 'name="credit_public" value="1" checked' in response.text
    assert fresh(session, Recommendation) == []


def test_a_post_made_a_recommendation_is_refused_on_its_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    _thread, post = start(session, world.a1, cohort=world.naryn, title="Сели", body="Нужна сирена")
    sent = {
        "forum": str(world.forum.id),
        "title": "Сирена в каждом селе",
        "text": "Сирена",
        "theme": "weather",
        "addressee": "government",
    }
    response = form(browser_of(world.a1), f"/posts/{ref(post.id)}/recommend", sent)
    assert response.status_code == 422
    assert beside(response, "text")
    assert f'action="/posts/{ref(post.id)}/recommend"' in response.text
    assert 'value="Сирена в каждом селе"' in response.text
    assert fresh(session, Recommendation) == []


def test_an_endorsement_over_the_cap_comes_back_on_the_recommendation(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    written = [
        write(
            session, world, world.a1, title=f"Рекомендация номер {n}", text=f"Текст рекомендации {n} о своём"
        )
        for n in range(4)
    ]
    endorse(session, world, written[0], world.b1)
    endorse(session, world, written[1], world.b1)
    endorse(session, world, written[2], world.b1)
    response = form(browser_of(world.b1), f"/recommendations/{written[3].id}/endorse", {"endorse": "1"})
    assert response.status_code == 409
    on_page(response, "Рекомендация номер 3")
    message = said(
        "You have used all your %(cap)s endorsements in this forum. Withdraw one to endorse this.", cap=3
    )
    assert beside(response, "endorse") == message and in_summary(response, message)
    assert 'href="#field-endorse"' in response.text and 'id="field-endorse"' in response.text
    assert len(fresh(session, Endorsement)) == 3


def test_a_closed_forum_refuses_on_the_page_she_was_on(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    fresh(session, Forum, id=world.forum.id)[0].accepting = False
    session.commit()
    endorsing = form(browser_of(world.b1), f"/recommendations/{rec.id}/endorse", {"endorse": "1"})
    assert endorsing.status_code == 409
    assert in_summary(endorsing, said("This forum no longer takes new recommendations or endorsements."))
    sent = {
        "title": "Новая мысль о сиренах",
        "text": "Сирены в каждом селе Ошской области.",
        "theme": "risk_reduction",
        "addressee": "government",
        "checked": "1",
    }
    writing = form(browser_of(world.b1), f"/forums/{world.forum.id}/recommendations", sent)
    assert writing.status_code == 409 and 'value="Новая мысль о сиренах"' in writing.text
    assert fresh(session, Endorsement) == [] and len(fresh(session, Recommendation)) == 1


def test_a_revision_refused_keeps_her_text_beside_its_field(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    sent = {
        "title": "Сир",
        "text": "Сирена и обход домов в каждом селе.",
        "theme": rec.theme,
        "addressee": rec.addressee,
        "note": "короче",
    }
    response = form(browser_of(world.a1), f"/recommendations/{rec.id}/revise", sent)
    assert response.status_code == 422
    assert beside(response, "rev-title") == said(
        "Give a title of %(min)s to %(max)s characters.", min=5, max=120
    )
    assert 'href="#field-rev-title"' in response.text
    assert "<details open>" in response.text  # the revision form stays open
    assert (
        ">Сирена и обход домов в каждом селе.</textarea>" in response.text
        and 'value="короче"' in response.text
    )
    assert [v.number for v in fresh(session, RecommendationVersion)] == [1]


def test_an_amendment_refused_keeps_her_text(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    sent = {"title": "Сирена и обход", "text": "Мало", "note": "Не у всех слышно"}
    response = form(browser_of(world.b1), f"/recommendations/{rec.id}/amendments", sent)
    assert response.status_code == 422
    assert beside(response, "am-text")
    assert 'value="Сирена и обход"' in response.text and 'value="Не у всех слышно"' in response.text
    assert fresh(session, Amendment) == []


def test_an_answer_to_an_amendment_too_long_is_refused_beside_it(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    sent = {"title": "Сирена и обход домов", "text": "Сирена в каждом селе и обход домов."}
    assert form(browser_of(world.b1), f"/recommendations/{rec.id}/amendments", sent).status_code == 303
    amendment = fresh(session, Amendment)[0]
    answer = "Нет" * 200
    response = form(
        browser_of(world.a1), f"/amendments/{amendment.id}/decide", {"accept": "0", "note": answer}
    )
    assert response.status_code == 422
    assert beside(response, f"decide-{amendment.id}") == said("At most %(max)s characters.", max=500)
    assert f'value="{answer}"' in response.text
    assert fresh(session, Amendment)[0].status == "open"
    not_hers = form(browser_of(world.b1), f"/amendments/{amendment.id}/decide", {"accept": "1"})
    assert not_hers.status_code == 409
    assert in_summary(not_hers, said("This recommendation can no longer be changed that way."))


def test_a_review_refused_keeps_the_decision(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    endorse(session, world, rec, world.a2, world.b1, world.b2)
    response = form(
        browser_of(world.trainer), f"/recommendations/{rec.id}/review", {"decision": "needs_work"}
    )
    assert response.status_code == 422
    assert beside(response, "note") == said("Say what needs work: the author will read it.")
    assert 'value="needs_work" checked' in response.text
    declined = form(
        browser_of(world.trainer),
        f"/recommendations/{rec.id}/review",
        {"decision": "declined", "note": "Слишком общо"},
    )
    assert declined.status_code == 422 and beside(declined, "reason")
    assert ">Слишком общо</textarea>" in declined.text
    assert fresh(session, Recommendation, id=rec.id)[0].status == "qualified"


def test_a_merge_into_nothing_is_refused_beside_the_choice(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    write(session, world, world.b1, title="Другое дело", text="Совсем о другом текст")
    response = form(
        browser_of(world.trainer), f"/recommendations/{rec.id}/merge", {"into": "второй", "note": "дубликат"}
    )
    assert response.status_code == 422
    assert beside(response, "into") == said("Choose the recommendation to merge it into.")
    assert 'value="дубликат"' in response.text
    assert fresh(session, Recommendation, id=rec.id)[0].status == "open"


def test_a_suggestion_confirmed_twice_is_refused_on_its_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.b1)
    response = form(browser_of(world.b1), f"/recommendations/{rec.id}/confirm", {"confirm": "1"})
    assert response.status_code == 409
    on_page(response, rec.title)
    assert in_summary(response, said("This recommendation can no longer be changed that way."))


# The resolution ----------------------------------------------------------------------------------------------


def _draft(world: World, rec_id: int | None = None, **more: str) -> dict[str, Any]:
    fields: dict[str, Any] = {f"preamble-{code}": f"Мы собрались ({code})." for code in LOCALES}
    fields |= {f"item-0-{code}": f"Поставить сирены ({code})." for code in LOCALES}
    fields |= {
        "item-0-position": "1",
        "item-0-theme": "risk_reduction",
        "item-0-addressee": "local_councils",
        "note": "Первый проект",
        "base_revision": "0",
    }
    if rec_id is not None:
        fields[f"item-0-rec-{rec_id}"] = "1"
    return fields | more


def test_reading_the_editor_writes_nothing(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    page = browser_of(world.coordinator).get(f"/forums/{world.forum.id}/resolution/edit")
    assert page.status_code == 200 and 'name="base_revision" value="0"' in page.text
    assert fresh(session, Resolution) == []


def test_a_draft_refused_halfway_leaves_nothing_written(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    """The first item is good and is added before the second is refused: the whole save is undone, even
    the draft it made, and the editor shows both rows as she wrote them."""
    sent = _draft(world) | {
        "item-1-position": "2",
        "item-1-ru": "Второй пункт",
        "item-1-theme": "weather",
        "item-1-addressee": "government",
    }
    response = form(browser_of(world.coordinator), f"/forums/{world.forum.id}/resolution/edit", sent)
    assert response.status_code == 422
    assert in_summary(response, said("Choose a theme and an addressee from the lists."))
    assert 'id="field-item-1"' in response.text and ">Второй пункт</textarea>" in response.text
    assert ">Поставить сирены (ky).</textarea>" in response.text and 'value="Первый проект"' in response.text
    assert fresh(session, Resolution) == [] and fresh(session, ResolutionItem) == []


def test_a_stale_draft_keeps_her_changes(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    path = f"/forums/{world.forum.id}/resolution/edit"
    assert form(coordinator, path, _draft(world)).status_code == 303
    stale = form(coordinator, path, _draft(world, note="Моя правка", **{"preamble-ru": "Мой вариант"}))
    assert stale.status_code == 409
    assert in_summary(
        stale,
        said(
            "Someone saved the draft after you opened it. Your changes are below, not "
            "saved: open the newest draft, and make them again there."
        ),
    )
    assert ">Мой вариант</textarea>" in stale.text and 'value="Моя правка"' in stale.text
    assert [r.number for r in fresh(session, ResolutionRevision)] == [1]


def test_an_item_text_too_long_is_refused_beside_it(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    sent = _draft(world, **{"item-0-en": "x" * 3001})
    response = form(browser_of(world.coordinator), f"/forums/{world.forum.id}/resolution/edit", sent)
    assert response.status_code == 422
    assert beside(response, "item-0-en") == said("At most %(max)s characters.", max=3000)


def test_an_adoption_with_a_language_missing_comes_back_on_the_editor(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    assert (
        form(
            coordinator, f"/forums/{world.forum.id}/resolution/edit", _draft(world, **{"item-0-en": ""})
        ).status_code
        == 303
    )
    sent = {
        "adopted_on": "2026-05-15",
        "outcome": "vote",
        "votes_for": "40",
        "votes_against": "3",
        "votes_abstain": "2",
    }
    response = form(coordinator, f"/forums/{world.forum.id}/resolution/adopt", sent)
    assert response.status_code == 422
    on_page(response, said("Draft the resolution"))
    message = said("Write the preamble and every item in Kyrgyz, Russian and English before adopting.")
    assert in_summary(response, message) and 'id="field-items"' in response.text
    assert 'value="2026-05-15"' in response.text and 'value="vote" checked' in response.text
    assert 'value="40"' in response.text and 'value="3"' in response.text
    resolution = fresh(session, Resolution)[0]
    assert (resolution.status, resolution.number) == ("draft", None)
    assert fresh(session, ItemTracker) == []


def test_votes_that_are_not_numbers_are_refused_beside_them(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    sent = {"outcome": "vote", "votes_for": "много", "votes_against": "-1", "votes_abstain": "0"}
    response = form(browser_of(world.coordinator), f"/forums/{world.forum.id}/resolution/adopt", sent)
    assert response.status_code == 422
    assert beside(response, "votes_for") == said("Give whole numbers.") == beside(response, "votes_against")
    assert 'value="много"' in response.text


def test_a_comment_window_with_a_bad_date_is_refused_beside_it(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    response = form(
        browser_of(world.coordinator),
        f"/forums/{world.forum.id}/resolution/comments-window",
        {"until": "к пятнице"},
    )
    assert response.status_code == 422
    assert beside(response, "until") == said("Write the date as YYYY-MM-DD.")
    assert 'value="к пятнице"' in response.text
    assert fresh(session, Resolution) == []


def test_comments_refused_come_back_beside_the_item(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    assert form(coordinator, f"/forums/{world.forum.id}/resolution/edit", _draft(world)).status_code == 303
    item = fresh(session, ResolutionItem)[0]
    path = f"/forums/{world.forum.id}/resolution/items/{item.id}/comments"
    closed = form(browser_of(world.b1), path, {"body": "И в школах"})
    assert closed.status_code == 409
    assert in_summary(closed, said("Comments on the draft are closed."))
    window = form(
        coordinator, f"/forums/{world.forum.id}/resolution/comments-window", {"until": "2099-01-01"}
    )
    assert window.status_code == 303
    long = "И в школах. " * 200
    response = form(browser_of(world.b1), path, {"body": long})
    assert response.status_code == 422
    assert beside(response, f"comment-{item.id}") == said(
        "Write a comment of at most %(max)s characters.", max=2000
    )
    assert long.strip() in response.text
    assert fresh(session, ItemComment) == []


def test_publishing_too_soon_is_refused_on_the_resolution_page(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    assert form(coordinator, f"/forums/{world.forum.id}/resolution/edit", _draft(world)).status_code == 303
    response = form(coordinator, f"/forums/{world.forum.id}/resolution/publish", {})
    assert response.status_code == 409
    on_page(response, said("The resolution"))
    assert in_summary(response, said("Only an adopted resolution can be published."))


# Monitoring --------------------------------------------------------------------------------------------------


@pytest.fixture
def monitored(session: Session, world: World) -> ResolutionItem:
    adopted(session, world)
    return sorted(fresh(session, ResolutionItem), key=lambda item: item.position)[0]


def test_a_bad_evidence_link_comes_back_on_the_monitoring_form(
    session: Session, world: World, monitored: ResolutionItem, browser_of: Callable[[User], TestClient]
) -> None:
    sent = {
        "status": "in_progress",
        "note": "Кенеш обсудил",
        "evidence": "https://example.org/a\njavascript:alert(1)",
        "happened_on": "2026-06-01",
    }
    response = form(
        browser_of(world.coordinator),
        f"/forums/{world.forum.id}/monitoring/items/{monitored.id}/updates",
        sent,
    )
    assert response.status_code == 422
    message = said("Give up to %(max)s links, each starting with https://.", max=5)
    assert beside(response, f"evidence-{monitored.id}") == message and in_summary(response, message)
    assert f'href="#field-evidence-{monitored.id}"' in response.text
    assert ">Кенеш обсудил</textarea>" in response.text
    assert "https://example.org/a\njavascript:alert(1)</textarea>" in response.text
    assert 'value="in_progress" selected' in response.text and 'value="2026-06-01"' in response.text
    assert fresh(session, ImplementationUpdate) == []
    assert fresh(session, ItemTracker, item_id=monitored.id)[0].status == "not_started"


def test_a_tracker_with_a_bad_date_is_refused_beside_it(
    session: Session, world: World, monitored: ResolutionItem, browser_of: Callable[[User], TestClient]
) -> None:
    sent = {"responsible": "Айыл өкмөтү", "target_on": "декабрь", "review_by": "2026-09-01"}
    response = form(
        browser_of(world.coordinator),
        f"/forums/{world.forum.id}/monitoring/items/{monitored.id}/tracker",
        sent,
    )
    assert response.status_code == 422
    assert beside(response, f"target-{monitored.id}") == said("Write the date as YYYY-MM-DD.")
    assert 'value="Айыл өкмөтү"' in response.text and 'value="декабрь"' in response.text
    assert fresh(session, ItemTracker, item_id=monitored.id)[0].responsible == ""


def test_an_item_reaffirmed_twice_is_refused_on_the_editor(
    session: Session, world: World, monitored: ResolutionItem, browser_of: Callable[[User], TestClient]
) -> None:
    following = save(
        session,
        None,
        ForumFields(
            name={"ru": "Форум 2027"},
            place={"ru": "Нарын"},
            held_on=world.forum.held_on.replace(year=2027),
            cohorts=[world.naryn.id],
        ),
        actor=world.coordinator,
    )
    session.commit()
    coordinator = browser_of(world.coordinator)
    path = f"/forums/{following.id}/resolution/reaffirm/{monitored.id}"
    assert form(coordinator, path, {}).status_code == 303
    again = form(coordinator, path, {})
    assert again.status_code == 409
    on_page(again, said("Draft the resolution"))
    assert in_summary(again, said("This item is already in the draft."))


# A GET that writes --------------------------------------------------------------------------------------------


def test_opening_a_recommendation_marks_its_notifications_read(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    rec = write(session, world, world.a1)
    notifications.notify(session, user_id=world.a1.id, kind="amendment", link=f"/recommendations/{rec.id}")
    session.commit()
    assert [n.read_at for n in fresh(session, Notification, user_id=world.a1.id)] == [None]
    assert browser_of(world.a1).get(f"/recommendations/{rec.id}").status_code == 200
    assert all(n.read_at for n in fresh(session, Notification, user_id=world.a1.id))
    assert fresh(session, User, id=world.a1.id)[0].unread_notifications == 0
