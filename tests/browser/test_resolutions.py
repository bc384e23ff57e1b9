"""Forums and resolutions in a real browser: the pages' accessibility, and the public page without
JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.resolutions import drafting
from tests.browser.conftest import axe_violations
from tests.browser.test_learning import sign_in
from tests.resolutions.conftest import World, adopted, build_world, role, write


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


@pytest.mark.parametrize(
    "path",
    ["/forums/", "/forums/new", "FORUM", "FORUM/settings", "FORUM/recommendations/new", "REC", "FORUM/resolution",
     "FORUM/resolution/edit", "FORUM/resolution/history", "FORUM/monitoring"],
)  # fmt: skip
def test_forum_pages_are_accessible(
    page: Any, live_server: str, session: Session, world: World, path: str
) -> None:
    rec = write(session, world, world.a1, title="Открытые сессии кенеша")
    if path in ("FORUM/monitoring", "FORUM/resolution/history"):
        adopted(session, world)
    sign_in(page, live_server, world.coordinator.email)
    target = path.replace("FORUM", f"/forums/{world.forum.id}").replace("REC", f"/recommendations/{rec.id}")
    page.goto(live_server + target)
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_the_public_resolution_without_javascript(
    page_without_js: Any, live_server: str, session: Session, world: World
) -> None:
    resolution = adopted(session, world)
    drafting.publish(
        session, role(session, world.coordinator, world.forum), resolution, author=world.coordinator
    )
    session.commit()
    page_without_js.goto(f"{live_server}/resolutions/{resolution.number}")
    assert page_without_js.locator("ol.items > li").count() == 3
    assert page_without_js.locator("a[href$='.pdf?lang=ru'], a[href*='.pdf?lang=']").count() == 1


def test_the_public_resolution_is_accessible(
    page: Any, live_server: str, session: Session, world: World
) -> None:
    resolution = adopted(session, world)
    drafting.publish(
        session, role(session, world.coordinator, world.forum), resolution, author=world.coordinator
    )
    session.commit()
    for path in ("/resolutions/", f"/resolutions/{resolution.number}"):
        page.goto(live_server + path)
        assert axe_violations(page) == []
