"""Registering, signing in and out in a real browser, with and without JavaScript; accessibility."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import PASSWORD, create_user, link_in, outbox


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_register_confirm_sign_out_and_in(
    browser: Any, live_server: str, settings: Settings, javascript: bool, request: pytest.FixtureRequest
) -> None:
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        email = f"browser-{'js' if javascript else 'nojs'}@example.kg"
        page.goto(live_server + "/register")
        page.fill("#field-email", email)
        page.fill("#field-display_name", "Бермет")
        page.select_option("#field-locale", "ky")
        page.select_option("#field-region", "KG-T")
        page.fill("#field-password", "short")
        page.fill("#field-password_confirm", "short")
        page.click("button[type=submit].primary")
        assert page.locator("#error-password").is_visible()  # shown next to the field, in her language
        assert page.locator("#field-email").input_value() == email  # what she typed is kept
        page.fill("#field-password", "walnut orchard morning tea")
        page.fill("#field-password_confirm", "walnut orchard morning tea")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/register/sent")

        link = link_in(outbox(settings)[-1], r"/register/confirm/[A-Za-z0-9_-]+")
        page.goto(live_server + link)
        page.click("main button[type=submit]")
        page.wait_for_url(live_server + "/")
        assert page.locator("html").get_attribute("lang") == "ky"
        assert page.locator("main .notice.ok").is_visible()  # welcome
        assert page.locator("main a.button[href='/join']").is_visible()  # and where to go next

        page.goto(live_server + "/logout")
        page.click("main button[type=submit]")
        page.wait_for_url(live_server + "/")
        page.goto(live_server + "/account")
        assert "/login" in page.url
        page.fill("#field-email", email)
        page.fill("#field-password", "walnut orchard morning tea")
        page.click("main button[type=submit]")
        page.wait_for_url("**/account")
        assert email in page.content()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/login", "/register", "/password-reset"])
def test_account_pages_are_accessible(page: Any, live_server: str, path: str) -> None:
    page.goto(live_server + path)
    assert axe_violations(page) == []


def test_form_errors_are_accessible(page: Any, live_server: str) -> None:
    page.goto(live_server + "/register")
    page.click("main button[type=submit]")
    assert page.locator("#error-summary").is_visible()
    assert axe_violations(page) == []


def test_leaving_without_javascript(
    page_without_js: Any, live_server: str, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings, locale="ky", email="leaving@example.kg")
    session.commit()
    page = page_without_js
    sign_in(page, live_server, user.email)
    page.goto(live_server + "/account")
    page.click("a[href='/account/delete']")
    page.wait_for_url("**/account/delete")
    page.fill("#field-password", "not the password")
    page.click("main button.danger")
    assert page.locator("#error-summary").is_visible()
    page.fill("#field-password", PASSWORD)
    page.click("main button.danger")
    page.wait_for_url(live_server + "/")
    assert page.locator("main .notice").is_visible()
    page.goto(live_server + "/account")
    assert "/login" in page.url


def test_the_data_and_leaving_pages_are_accessible(
    page: Any, live_server: str, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings, email="staying@example.kg")
    session.commit()
    sign_in(page, live_server, user.email)
    page.goto(live_server + "/account")
    assert axe_violations(page) == []
    page.goto(live_server + "/account/delete")
    page.fill("#field-password", "not the password")
    page.click("main button.danger")
    assert page.locator("#error-summary").is_visible()
    assert axe_violations(page) == []
