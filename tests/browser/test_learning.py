"""The learner's journey in a real browser, with and without JavaScript, and the pages' accessibility."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app import i18n
from app.config import Settings
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import create_cohort, create_user, enrol, link_in, outbox, sync_course


def ky(message: str, **values: object) -> str:
    """The Kyrgyz of an interface string, as the page shows it."""
    return (
        i18n.translations("ky").gettext(message) % values
        if values
        else i18n.translations("ky").gettext(message)
    )


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_the_kyrgyz_journey_from_registration_to_certificate(
    browser: Any, live_server: str, session: Session, settings: Settings, javascript: bool
) -> None:
    """Issue 21: a learner on a 360×740 phone, reading Kyrgyz, registers from a Kyrgyz page, confirms,
    joins her cohort with its code, reads, answers, finishes and downloads her certificate."""
    course = sync_course(session, settings)
    code = "JSONLY22" if javascript else "NOJS2222"
    create_cohort(session, course, code=code)
    session.commit()
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 360, "height": 740}, locale="ky-KG"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        email = f"journey-{'js' if javascript else 'nojs'}@example.kg"
        page.goto(live_server + "/")
        page.click("main a[href='/register']")
        assert page.locator("#field-locale").input_value() == "ky"  # the page's language, not the site's
        page.fill("#field-email", email)
        page.fill("#field-display_name", "Айпери")
        page.fill("#field-password", "walnut orchard morning tea")
        page.fill("#field-password_confirm", "walnut orchard morning tea")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/register/sent")
        page.goto(live_server + link_in(outbox(settings)[-1], r"/register/confirm/[A-Za-z0-9_-]+"))
        page.click("main button[type=submit]")
        page.wait_for_url(live_server + "/")
        assert page.locator("html").get_attribute("lang") == "ky"
        page.click("main a.button[href='/join']")  # her next step
        page.fill("#field-code", code.lower())
        page.click("main button[type=submit]")
        page.wait_for_url("**/courses/example-course")
        page.click("main a.button")  # Start
        page.wait_for_url("**/first-steps")
        assert page.locator(".lesson-body img").get_attribute("alt")
        page.click("#lesson-completion button")
        # With or without htmx: the notice in place, the bar at once, and the same next step.
        page.locator("#lesson-completion .notice").wait_for()
        done = ky("%(done)s of %(total)s lessons done", done=1, total=4)
        assert done in page.locator("#lesson-progress").inner_text()
        page.click("#lesson-completion a.button")  # the next lesson
        page.wait_for_url("**/check")
        page.check("#q-format-markdown")
        page.click("#quiz button[type=submit]")  # two questions left unanswered: not an attempt
        page.locator("#error-summary").wait_for()
        assert page.is_checked("#q-format-markdown")  # her answer is kept
        page.check("#q-kinds-quiz")
        page.check("#q-kinds-scenario")
        page.check("#q-yaml-no-true")
        page.click("#quiz button[type=submit]")
        page.locator("#quiz-result").wait_for()
        assert "100%" in page.locator("#quiz-result").inner_text()
        page.goto(live_server + "/courses/example-course/the-meeting")
        page.click("#scenario .choices a >> nth=0")
        page.wait_for_load_state()
        page.goto(live_server + "/my")
        assert ky("%(done)s of %(total)s lessons done", done=2, total=4) in page.locator("main").inner_text()

        page.goto(live_server + "/courses/example-course/your-turn")
        page.fill("#field-note", "Айылдын бюджетин кантип окуу керектиги жөнүндө сабак.")
        page.click("#reflection button[type=submit]")
        page.wait_for_load_state()
        page.goto(live_server + "/courses/example-course/the-meeting?step=heard")
        page.click("#lesson-completion button")
        page.locator("#lesson-completion .notice").wait_for()
        page.click("#lesson-completion a.button")  # the course is complete: the certificate
        page.wait_for_url("**/my/certificates/example-course")
        page.fill("#field-name", "Гүлнара Өмүрова")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        code = page.locator("main code").inner_text()
        with page.expect_download() as download:
            page.click("main a[href$='.pdf']")
        assert download.value.suggested_filename == f"certificate-{code}.pdf"
        page.goto(live_server + f"/verify/{code}")
        assert "Гүлнара Өмүрова" in page.locator("main").inner_text()
        assert "1 саат" in page.locator("main").inner_text()
        assert page.locator(".notice.ok").is_visible()
        sideways = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
        assert sideways <= 0
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
