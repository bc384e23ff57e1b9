"""A thread or a reply sent twice with its one-time id (a double tap, a resent form) is posted once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.discussions.models import Post, Thread
from app.refs import encode
from tests.discussions.conftest import World, fetch, start
from tests.double_sends import twice


@pytest.mark.parametrize("together", [False, True], ids=["in-sequence", "at-once"])
@pytest.mark.parametrize("case", ["thread", "reply"])
def test_a_post_sent_twice_is_posted_once(
    session: Session, world: World, browser_of: Callable[[User], TestClient], case: str, together: bool
) -> None:
    if case == "thread":
        model, path = Thread, "/discussions/new"
        fields = {"cohort": encode(world.naryn.id), "title": "Сроки отчёта", "body": "Когда сдаём?"}
    else:
        thread, _first = start(session, world.aigul, cohort=world.naryn)
        session.commit()
        model, path, fields = Post, f"/threads/{encode(thread.id)}/posts", {"body": "В пятницу"}
    before = len(fetch(session, model))
    answers = twice(
        [browser_of(world.bermet), browser_of(world.bermet)], path, fields, together=together, token_from="/"
    )
    assert [answer.status_code for answer in answers] == [303, 303]  # type: ignore[attr-defined]
    assert len({answer.headers["location"] for answer in answers}) == 1  # type: ignore[attr-defined]
    assert len(fetch(session, model)) == before + 1
