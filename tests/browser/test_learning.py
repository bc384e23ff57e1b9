"""The learner's journey in a real browser, with and without JavaScript, and the pages' accessibility."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import create_cohort, create_user, enrol, sync_course


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_join_read_answer_and_finish(
    browser: Any, live_server: str, session: Session, settings: Settings, javascript: bool
) -> None:
    course = sync_course(session, settings)
    code = "JSONLY22" if javascript else "NOJS2222"
    create_cohort(session, course, code=code)
    user = create_user(session, settings, locale="en")
    session.commit()
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        sign_in(page, live_server, user.email)
        page.goto(live_server + "/join")
        page.fill("#field-code", code.lower())
        page.click("main button[type=submit]")
        page.wait_for_url("**/courses/example-course")
        page.click("main a.button")  # Start
        page.wait_for_url("**/first-steps")
        assert page.locator(".lesson-body img").get_attribute("alt")
        page.click("#lesson-completion button")
        # With or without htmx: the notice in place, and the same next step.
        page.locator("#lesson-completion .notice").wait_for()
        assert "1 of 4 lessons done" in page.locator("#lesson-progress").inner_text()
        page.click("#lesson-completion a.button")  # Next lesson
        page.wait_for_url("**/check")
        page.check("#q-format-markdown")
        page.click("#quiz button[type=submit]")  # two questions left unanswered: not an attempt
        page.locator("#error-summary").wait_for()
        assert "Question 2 has no answer yet." in page.locator("#error-summary").inner_text()
        assert page.is_checked("#q-format-markdown")  # her answer is kept
        page.check("#q-kinds-quiz")
        page.check("#q-kinds-scenario")
        page.check("#q-yaml-no-true")
        page.click("#quiz button[type=submit]")
        page.locator("#quiz-result").wait_for()
        assert "100%" in page.locator("#quiz-result").inner_text()
        page.goto(live_server + "/courses/example-course/the-meeting")
        page.click("text=Ask to speak")
        page.locator("#scenario .notice.ok").wait_for()
        page.goto(live_server + "/my")
        assert "2 of 4 lessons done" in page.locator("main").inner_text()

        page.goto(live_server + "/courses/example-course/your-turn")
        page.fill("#field-note", "A lesson on how to read the village budget.")
        page.click("#reflection button[type=submit]")
        page.wait_for_load_state()
        page.goto(live_server + "/courses/example-course/the-meeting?step=heard")
        page.click("#lesson-completion button")
        page.locator("#lesson-completion .notice").wait_for()
        assert "4 of 4 lessons done" in page.locator("#lesson-progress").inner_text()
        page.goto(live_server + "/my/certificates/example-course")
        page.fill("#field-name", "Гүлнара Өмүрова")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        code = page.locator("main code").inner_text()
        with page.expect_download() as download:
            page.click("text=Download the PDF")
        assert download.value.suggested_filename == f"certificate-{code}.pdf"
        page.goto(live_server + f"/verify/{code}")
        assert "Гүлнара Өмүрова" in page.locator("main").inner_text()
        assert page.locator(".notice.ok").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    ["/courses", "/courses/example-course", "/courses/example-course/first-steps", "/courses/example-course/check",
     "/courses/example-course/the-meeting", "/courses/example-course/your-turn", "/my", "/verify"],
)  # fmt: skip
def test_learning_pages_are_accessible(
    page: Any, live_server: str, session: Session, settings: Settings, path: str
) -> None:
    course = sync_course(session, settings)
    create_cohort(session, course, code="AXE22222")
    user = create_user(session, settings, locale="ky")
    enrol(session, user, course)
    session.commit()
    sign_in(page, live_server, user.email)
    page.goto(live_server + path)
    assert axe_violations(page) == []
