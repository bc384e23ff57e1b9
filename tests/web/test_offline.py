"""The offline layer's server side (issue 22, first part): an installable app (manifest, icons, a
service worker at the root), an offline page that names no one, and a sign-out that clears the phone."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.staticfiles import STATIC_DIR, StaticAssets
from tests.factories import create_user, csrf_token, login


def test_the_manifest_is_in_the_asked_language_and_its_icons_are_served(client: TestClient) -> None:
    answer = client.get("/manifest.webmanifest?lang=ky")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/manifest+json"
    )
    manifest = answer.json()
    assert manifest["name"] == "Жарандык мейкиндик академиясы" and manifest["lang"] == "ky"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/my", "/", "standalone")
    assert manifest["theme_color"] == "#0b4f6c"
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert client.get("/manifest.webmanifest?lang=xx").json()["lang"] in ("ky", "ru", "en")  # never an error


def test_every_page_links_the_manifest_and_the_offline_script(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "ru"}).text
    assert 'rel="manifest" href="/manifest.webmanifest?lang=ru"' in page
    assert "/static/js/offline.js?v=" in page


def test_the_service_worker_is_served_from_the_root(client: TestClient) -> None:
    answer = client.get("/sw.js?lang=ky")
    assert answer.status_code == 200
    assert "javascript" in answer.headers["content-type"]
    assert answer.headers["service-worker-allowed"] == "/" and answer.headers["cache-control"] == "no-cache"
    assert 'addEventListener("fetch"' in answer.text


def test_the_offline_page_names_no_one_and_holds_no_form(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings, display_name="Чолпон")
    session.commit()
    login(client, user.email)
    page = client.get("/offline?lang=ky").text
    assert '<html lang="ky"' in page and "Интернет байланышы жок" in page
    assert "Чолпон" not in page and "csrf" not in page and "<form" not in page
    assert "set-cookie" not in client.get("/offline?lang=ru").headers


def test_signing_out_clears_what_the_phone_keeps(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert answer.status_code == 303
    assert answer.headers["clear-site-data"] == '"cache", "cookies", "storage"'


def test_the_offline_layer_weighs_at_most_10_kb_gzipped() -> None:
    served = StaticAssets(STATIC_DIR).assets
    assert sum(len(served[name].gzipped or b"") for name in ("js/sw.js", "js/offline.js")) <= 10 * 1024


def test_a_lesson_fetched_to_be_saved_is_not_a_visit(
    client: TestClient, session: Session, settings: Settings
) -> None:
    from app.learning.models import LessonProgress
    from tests.factories import enrol, sync_course

    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    login(client, user.email)
    saved = client.get(f"/courses/{course.slug}/first-steps", headers={"Academy-Offline-Save": "1"})
    assert saved.status_code == 200
    assert session.query(LessonProgress).count() == 0
    assert client.get(f"/courses/{course.slug}/first-steps").status_code == 200
    assert session.query(LessonProgress).count() == 1  # opening it is


def test_the_help_page_says_what_the_phone_keeps_in_each_language(client: TestClient) -> None:
    for lang, heading in (
        ("ky", "Интернетсиз окуу"),
        ("ru", "Учёба без интернета"),
        ("en", "Learning without a connection"),
    ):
        page = client.get("/help/offline", headers={"Accept-Language": lang})
        assert page.status_code == 200 and f"<h1>{heading}</h1>" in page.text


def test_the_account_page_offers_not_to_keep_lessons_and_links_the_help(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    page = client.get("/account", headers={"Accept-Language": "ru"}).text
    assert "data-keep-lessons hidden" in page and "Не хранить уроки на этом телефоне" in page
    assert 'href="/help/offline"' in page
    logout = client.get("/logout").text
    assert "data-sign-out" in logout and "data-unsent hidden" in logout


def test_a_lesson_page_names_its_lesson_and_her_first_view_for_the_offline_script(
    client: TestClient, session: Session, settings: Settings
) -> None:
    from tests.factories import enrol, lesson_of, sync_course

    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    login(client, user.email)
    lesson = lesson_of(session, course, "first-steps")
    first = client.get(f"/courses/{course.slug}/first-steps").text
    assert 'data-lesson-id="example-course/first-steps"' in first
    assert f'data-view-event="view:{lesson.id}"' in first and 'id="offline-queue"' in first
    assert "data-view-event" not in client.get(f"/courses/{course.slug}/first-steps").text  # seen now
    my = client.get("/my").text
    assert 'data-offline-course="academy-course-example-course-ru"' in my and 'data-total="5"' in my


def test_a_quiz_page_never_holds_its_answer_key(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """A quiz page may be saved on a phone: before she answers, nothing in it says which option is right."""
    from tests.factories import enrol, sync_course

    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    login(client, user.email)
    page = client.get(f"/courses/{course.slug}/check").text
    assert 'name="q-format"' in page
    for marker in ("correct", "right", "data-answer", "is-correct"):
        assert marker not in page.replace("incorrect", ""), marker


def test_the_offline_page_lists_what_is_saved_with_its_script(client: TestClient) -> None:
    page = client.get("/offline?lang=ru").text
    assert "data-saved-list hidden" in page and "/static/js/offline.js?v=" in page
