from __future__ import annotations

from typing import Any

from tests.browser.conftest import ARTIFACTS, axe_violations


def test_home_page_opens(page: Any, live_server: str) -> None:
    response = page.goto(live_server + "/")
    assert response.status == 200
    assert page.title()
    assert page.locator("header .brand").is_visible()
    assert page.locator("main h1").is_visible()
    # Nothing wider than a 360 px phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("typeof htmx") == "object"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "home-360px.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_home_page_without_javascript(page_without_js: Any, live_server: str) -> None:
    page = page_without_js
    response = page.goto(live_server + "/")
    assert response.status == 200
    assert page.title()
    assert page.locator("main h1").is_visible()
    page.locator('.lang button[value="en"]').click()  # a plain form post, then a redirect
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("header .brand").inner_text() == "Civic Space Academy"


def test_only_our_own_host_is_contacted(page: Any, live_server: str) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(live_server + "/")
    page.wait_for_load_state("networkidle")
    assert hosts == {live_server.split("/")[2]}


def test_home_page_is_accessible(page: Any, live_server: str) -> None:
    page.goto(live_server + "/")
    assert axe_violations(page) == []
