"""A new learner's first hour (issue 21): her language kept from the page she registers on, a home page
that leads somewhere, a course page that reads on a phone, study time as her language writes it, and
"My learning" that knows her certificate."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import i18n
from app.config import Settings
from app.learning.models import Certificate
from app.middleware import LOCALE_COOKIE
from tests.factories import create_user, csrf_token, enrol, link_in, login, mail_text, outbox, sync_course


@pytest.mark.parametrize("locale", ["ky", "ru", "en"])
def test_the_registration_form_takes_the_pages_language(client: TestClient, locale: str) -> None:
    client.cookies.set(LOCALE_COOKIE, locale)
    page = client.get("/register").text
    chosen = re.search(r'<option value="(\w+)" selected', page)
    assert chosen and chosen.group(1) == locale


def test_study_time_as_each_language_writes_it() -> None:
    assert i18n.format_hours(4.5, "ky") == "4,5 саат"
    assert i18n.format_hours(4.5, "ru") == "4,5 часа"
    assert i18n.format_hours(4.5, "en") == "4.5 hours"
    assert i18n.format_hours(1, "ru") == "1 час"


def test_the_visitors_home_page_lists_the_courses_and_the_way_in(
    client: TestClient, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    session.commit()
    client.cookies.set(LOCALE_COOKIE, "ky")
    page = client.get("/").text
    assert f'href="/courses/{course.slug}"' in page and "Курстун үлгүсү" in page
    assert 'href="/join"' in page and 'href="/register"' in page
    assert "болжол менен 1 саат" in page


def test_a_learners_home_page_continues_where_she_stopped(
    client: TestClient, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    login(client, user.email)
    page = client.get("/").text
    assert re.search(rf'class="button" href="/courses/{course.slug}/[\w-]+"', page)


def test_a_new_learners_home_page_gives_her_a_next_step(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    assert 'class="button" href="/join"' in client.get("/").text


def test_the_course_facts_name_the_languages_once(
    client: TestClient, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    session.commit()
    client.cookies.set(LOCALE_COOKIE, "ru")
    page = client.get(f"/courses/{course.slug}").text
    facts = page[page.index('<dl class="facts">') : page.index("</dl>")]
    assert facts.count("Языки") == 1


def test_my_learning_knows_her_certificate(client: TestClient, session: Session, settings: Settings) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrolment = enrol(session, user, course)
    enrolment.completed_at = dt.datetime.now(dt.UTC)
    session.add(
        Certificate(
            code="ABCD2345EFGH",
            user_id=user.id,
            course_id=course.id,
            name="Айгуль",
            course_title="Пример курса",
            hours=4.5,
            locale="ru",
            issued_on=dt.date(2026, 12, 1),
        )
    )
    session.commit()
    login(client, user.email)
    client.cookies.set(LOCALE_COOKIE, "ru")
    page = client.get("/my").text
    assert "Сертификат выдан" in page and "/certificates/ABCD2345EFGH.pdf" in page
    assert "get your certificate" not in page and "получите сертификат" not in page.lower()
    verify = client.get("/verify/ABCD2345EFGH").text
    assert "4,5 часа" in verify


def test_mark_as_complete_tells_one_truth_with_or_without_javascript(
    client: TestClient, session: Session, settings: Settings
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    login(client, user.email)
    lesson = f"/courses/{course.slug}/first-steps"
    token = csrf_token(client, lesson)
    swapped = client.post(
        f"{lesson}/complete", data={"event_id": "a1", "csrf_token": token}, headers={"HX-Request": "true"}
    ).text
    assert 'hx-swap-oob="innerHTML"' in swapped and 'id="lesson-progress"' in swapped  # the bar, at once
    assert "autofocus" in swapped
    step = re.search(r'<a class="button" href="([^"]+)">', swapped)
    assert step

    client.cookies.clear()
    login(client, user.email)
    plain = client.post(
        f"{lesson}/complete", data={"event_id": "a1", "csrf_token": csrf_token(client, lesson)}
    )
    assert plain.status_code == 303 and plain.headers["location"].endswith("#lesson-completion")
    page = client.get(plain.headers["location"]).text
    assert f'<a class="button" href="{step.group(1)}">' in page  # the same next step
    bar = re.search(r'<progress max="100" value="(\d+)"', page)
    assert bar and bar.group(1) == re.search(r'<progress max="100" value="(\d+)"', swapped).group(1)  # type: ignore[union-attr]


def test_form_attributes_are_attributes_not_text(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """The join page's code field once had its attributes escaped twice (`autocapitalize=&#34;...`)."""
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    page = client.get("/join").text
    assert 'autocapitalize="characters"' in page and 'spellcheck="false"' in page
    assert "&#34;" not in page


@pytest.mark.parametrize(("locale", "word"), [("ky", "шилтеме"), ("ru", "ссылк")])
def test_registering_from_a_page_keeps_its_language_in_the_email_and_after(
    client: TestClient, settings: Settings, locale: str, word: str
) -> None:
    client.cookies.set(LOCALE_COOKIE, locale)
    page = client.get("/register").text
    chosen = re.search(r'<option value="(\w+)" selected', page)
    assert chosen
    fields = {
        "email": f"new-{locale}@example.kg", "display_name": "Айпери", "locale": chosen.group(1), "region": "",
        "password": "mountain walnut honey path", "password_confirm": "mountain walnut honey path",
        "csrf_token": csrf_token(client, "/register"),
    }  # fmt: skip
    assert client.post("/register", data=fields).status_code == 303
    message = outbox(settings)[-1]
    assert word in mail_text(message).lower()  # the confirmation email in her language
    link = link_in(message, r"/register/confirm/[A-Za-z0-9_-]+")
    client.cookies.clear()  # another day, a phone set to English
    confirmed = client.post(
        link, data={"csrf_token": csrf_token(client, link)}, headers={"Accept-Language": "en"}
    )
    assert confirmed.status_code == 303
    home = client.get("/", headers={"Accept-Language": "en"}).text
    assert f'<html lang="{locale}"' in home
