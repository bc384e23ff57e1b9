"""Time as Bishkek lives it (issue 25, point 8): a comment window "until 20 December" is the whole of that
day in the organisation's time zone (Asia/Bishkek, UTC+6), not a day in UTC; adoption waits until the
coordinators close the window (recorded in the audit log), and is never dated after today there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.config import LOCALES
from app.i18n import format_day
from app.principal import Principal
from app.resolutions import drafting, resolving
from app.resolutions.exceptions import AdoptedInFuture, CommentsClosed, CommentsStillOpen
from app.resolutions.models import ItemComment, ItemTracker, Resolution, ResolutionItem
from tests.resolutions.conftest import BISHKEK, FULL, World, form, fresh, role
from tests.resolutions.test_refusals import beside, in_summary, on_page, said


def _bishkek(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BISHKEK)  # type: ignore[misc]


def _drafted(session: Session, world: World) -> Resolution:
    """A draft of one item, in every language."""
    coordinator = role(session, world.coordinator, world.forum)
    resolution = drafting.resolution_of(session, world.forum)
    item = drafting.ItemDraft(
        id=None,
        position=1,
        text={code: f"Сирены в сёлах ({code})" for code in LOCALES},
        theme="risk_reduction",
        addressee="local_councils",
    )
    drafting.save_draft(session, coordinator, resolution, preamble=FULL, items=[item], note="Проект",
                        base_revision=0, author=world.coordinator)  # fmt: skip
    session.commit()
    return resolution


def _draft_fields(**more: str) -> dict[str, Any]:
    fields: dict[str, Any] = {f"preamble-{code}": f"Мы собрались ({code})." for code in LOCALES}
    fields |= {f"item-0-{code}": f"Поставить сирены ({code})." for code in LOCALES}
    fields |= {"item-0-position": "1", "item-0-theme": "risk_reduction", "item-0-addressee": "local_councils",
               "note": "Первый проект", "base_revision": "0"}  # fmt: skip
    return fields | more


def test_until_20_december_takes_comments_until_2359_in_bishkek(session: Session, world: World) -> None:
    resolution = _drafted(session, world)
    resolving.set_comment_window(
        session,
        Principal.of(world.coordinator),
        forum_id=world.forum.id,
        until=dt.date(2026, 12, 20),
        zone=BISHKEK,
    )
    session.commit()
    resolution = fresh(session, Resolution)[0]
    assert resolution.comments_until is not None
    assert resolution.comments_until.astimezone(BISHKEK).replace(microsecond=0) == _bishkek(
        2026, 12, 20, 23, 59, 59
    )
    item = drafting.items_of(session, resolution)[0]
    b1 = role(session, world.b1, world.forum)

    # 23:30 on 20 December in Bishkek is 17:30 UTC: still open.
    drafting.comment(session, b1, resolution, item, body="Успела вечером", now=_bishkek(2026, 12, 20, 23, 30))
    session.commit()
    assert [c.body for c in fresh(session, ItemComment)] == ["Успела вечером"]

    # 00:01 on 21 December in Bishkek is 18:01 UTC on 20 December: a window that ended at midnight UTC
    # would still be open; this one is closed.
    for late in (_bishkek(2026, 12, 21, 0, 1), _bishkek(2026, 12, 21, 5, 59)):
        with pytest.raises(CommentsClosed):
            drafting.comment(session, b1, resolution, item, body="Поздно", now=late)
    assert drafting.comments_open(resolution, _bishkek(2026, 12, 20, 23, 59, 59))
    assert not drafting.comments_open(resolution, _bishkek(2026, 12, 21, 0, 0))
    assert [c.body for c in fresh(session, ItemComment)] == ["Успела вечером"]


def test_the_window_ends_where_the_organisation_is(session: Session, world: World) -> None:
    """The same day in another zone ends at another instant: the setting, not the server, decides."""
    end_bishkek = drafting.window_end(dt.date(2026, 12, 20), BISHKEK)
    end_utc = drafting.window_end(dt.date(2026, 12, 20), dt.UTC)
    assert end_bishkek.tzinfo == dt.UTC and end_utc - end_bishkek == dt.timedelta(hours=6)


def test_the_pages_show_the_last_day_and_2359_in_bishkek(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    assert form(coordinator, f"/forums/{world.forum.id}/resolution/edit", _draft_fields()).status_code == 303
    window = form(
        coordinator, f"/forums/{world.forum.id}/resolution/comments-window", {"until": "2099-12-20"}
    )
    assert window.status_code == 303
    editor = coordinator.get(f"/forums/{world.forum.id}/resolution/edit").text
    assert 'name="until" type="date" value="2099-12-20"' in editor  # the day she chose, not the day in UTC
    assert "20.12.2099, 23:59" in editor and said("Close comments now") in editor
    page = browser_of(world.b1).get(f"/forums/{world.forum.id}/resolution").text
    assert "20.12.2099, 23:59" in page  # "open for comments until", in Bishkek time


def test_adoption_waits_until_the_window_is_closed_and_closing_is_audited(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    forum = world.forum.id
    assert form(coordinator, f"/forums/{forum}/resolution/edit", _draft_fields()).status_code == 303
    assert (
        form(coordinator, f"/forums/{forum}/resolution/comments-window", {"until": "2099-12-20"}).status_code
        == 303
    )

    sent = {"adopted_on": "2026-05-15", "outcome": "vote", "votes_for": "40", "votes_against": "3",
            "votes_abstain": "2"}  # fmt: skip
    refused = form(coordinator, f"/forums/{forum}/resolution/adopt", sent)
    assert refused.status_code == 409
    on_page(refused, said("Draft the resolution"))
    message = said(
        "Comments on the draft are open until %(date)s. Close them first (under “Comments from "
        "participants”), then adopt the resolution.",
        date=format_day(dt.date(2099, 12, 20), "ru"),
    )
    assert in_summary(refused, message) and beside(refused, "until") == message
    assert 'value="2026-05-15"' in refused.text and 'value="vote" checked' in refused.text
    assert 'value="40"' in refused.text  # the adoption form comes back as she filled it
    assert [(r.status, r.number) for r in fresh(session, Resolution)] == [("draft", None)]
    assert fresh(session, ItemTracker) == []

    closed = form(coordinator, f"/forums/{forum}/resolution/comments-window", {"until": ""})
    assert closed.status_code == 303
    adopted = form(coordinator, f"/forums/{forum}/resolution/adopt", sent)
    assert adopted.status_code == 303, adopted.text[:500]
    resolution = fresh(session, Resolution)[0]
    assert (resolution.status, resolution.number, resolution.comments_until) == ("adopted", "2026-1", None)

    events = [(e.action, e.detail) for e in fresh(session, AuditEvent) if e.action.startswith("resolution.")]
    assert events == [
        ("resolution.comments", f"forum {forum}: open until 2099-12-20 17:59 UTC"),
        ("resolution.comments", f"forum {forum}: closed"),
        ("resolution.adopt", "2026-1 (vote)"),
    ]
    coordinator_ref = world.coordinator.public_id
    assert {e.actor_ref for e in fresh(session, AuditEvent) if e.action == "resolution.comments"} == {
        coordinator_ref
    }


def test_a_window_already_over_does_not_hold_adoption_back(session: Session, world: World) -> None:
    resolution = _drafted(session, world)
    coordinator = role(session, world.coordinator, world.forum)
    drafting.set_comment_window(
        session, coordinator, resolution, until=drafting.window_end(dt.date(2026, 12, 20), BISHKEK)
    )
    with pytest.raises(CommentsStillOpen) as still:
        drafting.adopt(session, coordinator, resolution, adopted_on=dt.date(2026, 12, 20), outcome="consensus",
                       votes=None, author=world.coordinator, zone=BISHKEK, now=_bishkek(2026, 12, 20, 23, 30))  # fmt: skip
    assert still.value.status_code == 409 and still.value.params == {"date": dt.date(2026, 12, 20)}
    drafting.adopt(session, coordinator, resolution, adopted_on=dt.date(2026, 12, 20), outcome="consensus",
                   votes=None, author=world.coordinator, zone=BISHKEK, now=_bishkek(2026, 12, 21, 0, 1))  # fmt: skip
    assert resolution.status == "adopted"


def test_an_adoption_dated_after_today_in_bishkek_is_refused(session: Session, world: World) -> None:
    resolution = _drafted(session, world)
    coordinator = role(session, world.coordinator, world.forum)
    # 19:30 UTC on 20 December is 01:30 on 21 December in Bishkek: the 21st is today there.
    now = dt.datetime(2026, 12, 20, 19, 30, tzinfo=dt.UTC)
    with pytest.raises(AdoptedInFuture) as future:
        drafting.adopt(session, coordinator, resolution, adopted_on=dt.date(2026, 12, 22), outcome="consensus",
                       votes=None, author=world.coordinator, zone=BISHKEK, now=now)  # fmt: skip
    assert (future.value.status_code, future.value.field) == (422, "adopted_on")
    assert future.value.params == {"today": dt.date(2026, 12, 21)}
    drafting.adopt(session, coordinator, resolution, adopted_on=dt.date(2026, 12, 21), outcome="consensus",
                   votes=None, author=world.coordinator, zone=BISHKEK, now=now)  # fmt: skip
    assert (resolution.status, resolution.number) == ("adopted", "2026-1")


def test_a_future_date_comes_back_beside_the_field(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    coordinator = browser_of(world.coordinator)
    assert form(coordinator, f"/forums/{world.forum.id}/resolution/edit", _draft_fields()).status_code == 303
    today = dt.datetime.now(BISHKEK).date()
    tomorrow = today + dt.timedelta(days=1)
    sent = {"adopted_on": tomorrow.isoformat(), "outcome": "consensus"}
    refused = form(coordinator, f"/forums/{world.forum.id}/resolution/adopt", sent)
    assert refused.status_code == 422
    message = said("The date of adoption cannot be after today (%(today)s).", today=format_day(today, "ru"))
    assert beside(refused, "adopted_on") == message and in_summary(refused, message)
    assert f'value="{tomorrow.isoformat()}"' in refused.text
    assert [r.status for r in fresh(session, Resolution)] == ["draft"]
    assert len(fresh(session, ResolutionItem)) == 1
