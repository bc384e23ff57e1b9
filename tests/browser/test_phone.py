"""A learner's pages on a 360×740 phone, in Kyrgyz (issue 21): the header leaves the screen to the
lesson, nothing scrolls sideways, the targets are big enough for a thumb, and a checked quiz brings
its result into view and focus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import create_user, enrol, sync_course

PHONE = {"width": 360, "height": 740}
PAGES = [
    "/",
    "/courses",
    "/courses/example-course",
    "/courses/example-course/first-steps",
    "/courses/example-course/check",
    "/my",
    "/join",
]

# The boxes of the targets a thumb aims at: buttons, the menu's links, the quiz's choices (the label is
# the target of its radio button), the pager. Links inside running text are exempt (WCAG 2.5.8).
TARGETS = """() => {
  const boxes = [];
  const take = (selector, kind) => document.querySelectorAll(selector).forEach(element => {
    const box = element.getBoundingClientRect();
    if (box.width && box.height) boxes.push({kind, text: element.textContent.trim().slice(0, 40),
                                             width: box.width, height: box.height});
  });
  take('main .button, main button', 'primary');
  take('.site-nav a, .lang button, .pager a, .choice label', 'link');
  return boxes;
}"""


@pytest.fixture
def learner_page(browser: Any, live_server: str, session: Session, settings: Settings) -> Iterator[Any]:
    course = sync_course(session, settings)
    user = create_user(session, settings, locale="ky")
    enrol(session, user, course)
    session.commit()
    context = browser.new_context(viewport=PHONE, locale="ky-KG", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, user.email)
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_a_phone_sized_page_fits_and_can_be_tapped(learner_page: Any, live_server: str, path: str) -> None:
    page = learner_page
    page.goto(live_server + path)
    assert page.locator("html").get_attribute("lang") == "ky"
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 0.15 * PHONE["height"], f"the header takes {header['height']} px"
    sideways = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"{path} scrolls {sideways} px sideways"
    small = [
        box
        for box in page.evaluate(TARGETS)
        if (box["kind"] == "primary" and min(box["width"], box["height"]) < 44)
        or (box["kind"] == "link" and min(box["width"], box["height"]) < 24)
    ]
    assert small == []
    assert axe_violations(page) == []


def test_a_checked_quiz_brings_its_result_into_view_and_focus(learner_page: Any, live_server: str) -> None:
    page = learner_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(live_server + "/courses/example-course/check")
    page.check("#q-format-markdown")
    page.check("#q-kinds-quiz")
    page.check("#q-yaml-no-true")
    page.click("#quiz button[type=submit]")
    page.locator("#quiz-result").wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'quiz-result'")
    top = page.locator("#quiz-result").bounding_box()["y"]
    assert 0 <= top < PHONE["height"], top
    width = page.locator(".feedback, .explanation").first.bounding_box()["width"]
    assert width > 0.6 * PHONE["width"], f"the feedback is a {width} px column"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"  # the focus is visible where it went
    assert not [text for text in console if "Content Security Policy" in text], console


def test_without_javascript_the_quiz_result_opens_at_its_summary(
    browser: Any, live_server: str, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings, locale="ru")
    enrol(session, user, course)
    session.commit()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, user.email)
        page.goto(live_server + "/courses/example-course/check")
        page.check("#q-format-markdown")
        page.check("#q-kinds-quiz")
        page.check("#q-yaml-no-true")
        page.click("#quiz button[type=submit]")
        page.wait_for_url("**#quiz-result")
        top = page.locator("#quiz-result").bounding_box()["y"]
        assert -1 <= top < PHONE["height"], top
    finally:
        context.close()
