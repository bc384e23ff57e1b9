"""Who may author what; uploads checked by their content; the zip round trip and sync's respect for
lessons changed in the browser."""

from __future__ import annotations

import hashlib
import html
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authoring.models import CourseMedia, LessonDraft
from app.config import Settings
from app.courses import loader
from app.courses.models import Course, Lesson, LessonTranslation, Media
from tests.accounts.test_security import all_routes, concrete
from tests.authoring.conftest import Editor, reading
from tests.courses.test_export import comparable
from tests.factories import EXAMPLE_COURSE, create_user, csrf_token, login, refresh, sync_course
from tests.test_cli import academy, environment

SYLLABUS_ITEM = re.compile(r"<li[^>]*>\s*(?:<a [^>]*>|<span>)([^<]+)</")
PNG = (EXAMPLE_COURSE / "01-basics" / "01-diagram.png").read_bytes()


class TestWhoMayAuthor:
    def test_a_trainer_who_is_not_an_author_is_refused_everywhere(
        self,
        app: FastAPI,
        editor: Editor,
        session: Session,
        settings: Settings,
        new_client: Callable[[], TestClient],
    ) -> None:
        lesson = reading(session, editor)
        module_id = lesson.module_id
        outsider = create_user(session, settings, roles=("trainer",))
        client = new_client()
        login(client, outsider.email)
        token = csrf_token(client, "/author/")
        checked = 0
        for route in all_routes(app):
            if not route.path.startswith("/author/") or route.path in ("/author/", "/author/courses"):
                continue
            path = (
                route.path.replace("{slug}", "example-course").replace("{lesson_id}", str(lesson.id))
                .replace("{module_id}", str(module_id)).replace("{number}", "1")
            )  # fmt: skip
            for method in route.methods:
                response = client.request(method, concrete(path), headers={"X-CSRF-Token": token})
                assert response.status_code == 403, (method, path, response.status_code)
                checked += 1
        assert checked >= 15
        assert "example-course" not in client.get("/author/").text

    def test_learners_and_visitors_are_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sync_course(session, settings)
        assert client.get("/author/").status_code == 303  # to the sign-in page
        learner = create_user(session, settings)
        login(client, learner.email)
        assert client.get("/author/").status_code == 403
        assert client.get("/author/courses/example-course").status_code == 403

    def test_an_admin_may_edit_any_course(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sync_course(session, settings)
        admin = create_user(session, settings, roles=("admin",))
        login(client, admin.email)
        assert client.get("/author/courses/example-course").status_code == 200
        assert "example-course" in client.get("/author/").text

    def test_a_new_course_belongs_to_its_trainer_and_is_hidden_until_published(
        self, client: TestClient, session: Session, settings: Settings, new_client: Callable[[], TestClient]
    ) -> None:
        trainer = create_user(session, settings, roles=("trainer",))
        login(client, trainer.email)
        token = csrf_token(client, "/author/")
        response = client.post(
            "/author/courses", data={"csrf_token": token, "title": "Бюджет", "slug": "budget", "locale": "ru"}
        )
        assert response.status_code == 303
        visitor = new_client()
        assert visitor.get("/courses/budget").status_code == 404
        refused = client.post("/author/courses/budget/publish", data={"csrf_token": token})
        assert refused.status_code == 422, refused.text  # what `academy courses check` would say of it
        assert "topic" in refused.text.partition("error-summary")[2], refused.text.partition("error-summary")[
            2
        ][:2000]
        assert visitor.get("/courses/budget").status_code == 404
        session.execute(sa.update(Course).where(Course.slug == "budget").values(topics=["advocacy"]))
        session.commit()
        still = client.post("/author/courses/budget/publish", data={"csrf_token": token})
        assert still.status_code == 422 and "в курсе нет модулей" in still.text  # in her language
        assert visitor.get("/courses/budget").status_code == 404  # a course that passes: test_round_trip.py
        taken = client.post("/author/courses", data={"csrf_token": token, "title": "x", "slug": "budget"})
        assert taken.status_code == 422 and 'id="error-slug"' in taken.text
        bad = client.post("/author/courses", data={"csrf_token": token, "title": "x", "slug": "Not A Slug!"})
        assert bad.status_code == 422


class TestUploads:
    def upload(self, editor: Editor, name: str, data: bytes) -> object:
        return editor.client.post(
            "/author/courses/example-course/media",
            data={"csrf_token": csrf_token(editor.client, "/author/")},
            files={"file": (name, data, "image/png")},
        )

    def test_an_image_is_stored_under_its_checksum_and_served_with_its_type(
        self, editor: Editor, session: Session, settings: Settings
    ) -> None:
        assert self.upload(editor, "Village Map.PNG", PNG).status_code == 303
        row, media = session.execute(
            sa.select(CourseMedia, Media).join(Media, Media.id == CourseMedia.media_id)
        ).one()
        assert row.name == "village-map.png"
        stored = (Path(settings.data_dir) / "media" / f"{media.sha256}.png").read_bytes()
        assert (
            stored.startswith(b"\x89PNG") and hashlib.sha256(stored).hexdigest() == media.sha256
        )  # re-encoded
        served = editor.client.get(f"/media/{media.sha256}.png")
        assert served.headers["content-type"] == "image/png" and served.content == stored

    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("innocent.png", b"<script>alert(1)</script>"),
            ("diagram.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
            ("diagram.png", b'<?xml version="1.0"?><svg onload="alert(1)"/>'),
            ("page.html", b"<!doctype html><h1>hi</h1>"),
            ("empty.png", b""),
        ],
    )
    def test_hostile_files_are_refused(
        self, editor: Editor, session: Session, name: str, data: bytes
    ) -> None:
        response = self.upload(editor, name, data)
        assert response.status_code == 422
        assert session.scalar(sa.select(sa.func.count()).select_from(CourseMedia)) == 0

    def test_an_oversized_file_is_refused(self, editor: Editor, session: Session) -> None:
        response = self.upload(editor, "huge.png", PNG + b"\0" * (3 * 1024 * 1024))
        assert response.status_code in (413, 422)
        assert session.scalar(sa.select(sa.func.count()).select_from(CourseMedia)) == 0

    def test_an_uploaded_image_needs_alt_text_to_be_published(self, editor: Editor, session: Session) -> None:
        self.upload(editor, "map.png", PNG)
        lesson = reading(session, editor)
        body = "**After this lesson you will be able to** read a map.\n\n![](map.png)\n\n## Sources\n- x"
        editor.save(lesson, title="First steps", summary="s", body=body)
        blocked = editor.publish(lesson)
        assert blocked.status_code == 422 and "нет альтернативного текста" in blocked.text
        editor.save(
            lesson, title="First steps", summary="s", body=body.replace("![]", "![A map of the village]")
        )
        assert editor.publish(lesson).status_code == 303
        html = editor.client.get("/courses/example-course/first-steps")
        assert html.status_code in (200, 303)


class TestFilesRoundTrip:
    def test_the_zip_is_the_course_in_the_file_format(
        self, editor: Editor, session: Session, tmp_path: Path
    ) -> None:
        response = editor.client.get("/author/courses/example-course/export.zip")
        assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
        zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
        [exported], report = loader.load(tmp_path / "example-course")
        assert report.errors == []
        [original], _ = loader.load(EXAMPLE_COURSE)
        assert comparable(exported) == comparable(original)

    def test_a_browser_edit_is_in_the_zip_and_kept_by_sync_unless_forced(
        self, editor: Editor, session: Session, settings: Settings, tmp_path: Path
    ) -> None:
        lesson = reading(session, editor)
        body = "**After this lesson you will be able to** write well.\n\nEdited in the browser.\n\n## Sources\n- x"
        editor.save(lesson, title="First steps", summary="s", body=body)
        assert editor.publish(lesson).status_code == 303
        zipped = zipfile.ZipFile(
            io.BytesIO(editor.client.get("/author/courses/example-course/export.zip").content)
        )
        assert (
            "Edited in the browser." in zipped.read("example-course/01-basics/01-first-steps.en.md").decode()
        )

        env = environment(tmp_path, database_url=settings.database_url)
        kept = academy("courses", "sync", str(EXAMPLE_COURSE), env=env)
        assert kept.returncode == 0 and "kept: example-course/first-steps" in kept.stdout
        refresh(session)
        assert (
            "Edited in the browser."
            in session.scalars(
                sa.select(sa.text("body_md"))
                .select_from(sa.text("lesson_translation"))
                .where(sa.text(f"lesson_id = {lesson.id} AND locale = 'en'"))
            ).one()
        )
        forced = academy("courses", "sync", "--force", str(EXAMPLE_COURSE), env=env)
        assert "updated: example-course/first-steps" in forced.stdout
        refresh(session)
        body_now = session.scalars(
            sa.select(sa.text("body_md"))
            .select_from(sa.text("lesson_translation"))
            .where(sa.text(f"lesson_id = {lesson.id} AND locale = 'en'"))
        ).one()
        assert "Edited in the browser." not in body_now
        session.commit()


def test_discarding_a_draft(editor: Editor, session: Session) -> None:
    lesson = reading(session, editor)
    editor.save(lesson, title="x", summary="s", body="b")
    response = editor.client.post(
        f"/author/lessons/{lesson.id}/discard", data={"csrf_token": csrf_token(editor.client, "/author/")}
    )
    assert response.status_code == 303
    assert session.get(LessonDraft, lesson.id) is None


def test_reordering_shows_the_new_order_to_learners(editor: Editor, session: Session) -> None:
    """Moving a lesson changes its place in the module and on the course page learners read, which is
    cached between requests: the page must not keep showing the old order."""
    lesson = session.scalars(sa.select(Lesson).where(Lesson.slug == "check")).one()
    titles = dict(
        session.execute(
            sa.select(Lesson.slug, LessonTranslation.title)
            .join(LessonTranslation, LessonTranslation.lesson_id == Lesson.id)
            .where(Lesson.module_id == lesson.module_id, LessonTranslation.locale == editor.user.locale)
        ).all()
    )

    def syllabus() -> list[str]:
        page = editor.client.get("/courses/example-course")
        assert page.status_code == 200
        shown = [
            html.unescape(title) for title in SYLLABUS_ITEM.findall(page.text.split('class="syllabus"')[1])
        ]
        return [title for title in shown if title in titles.values()]

    assert syllabus() == [titles[slug] for slug in ("first-steps", "check", "your-turn")]  # now cached
    token = csrf_token(editor.client, "/author/")
    editor.client.post(f"/author/lessons/{lesson.id}/move", data={"csrf_token": token, "direction": "up"})
    order = session.scalars(
        sa.select(Lesson.slug).where(Lesson.module_id == lesson.module_id).order_by(Lesson.position)
    ).all()
    assert order == ["check", "first-steps", "your-turn"]
    assert syllabus() == [titles[slug] for slug in order]
