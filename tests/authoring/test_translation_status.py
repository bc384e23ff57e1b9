"""A course's translation status (issue 25, point 9): every lesson, module by module, in every language
(current, stale, title only, missing), with a link to edit each; an accessible table with words, not
only colours; for the course's trainers and admins only; a fixed number of queries whatever the size of
the course."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.authoring import service as authoring
from app.authoring import translations
from app.config import Settings
from app.courses.models import LessonTranslation
from app.i18n import gettext, use_locale
from app.principal import Principal
from tests.authoring.conftest import Editor, reading
from tests.factories import create_user, lesson_of, sync_course

ROOT = Path(__file__).resolve().parents[2]
BIG = ROOT / "courses" / "risk-from-the-frontline"
BODY = "**After this lesson you will be able to** read a changed source.\n\nA new body.\n\n## Sources\n- x"


SUMMARY = "current: %(current)s, stale: %(stale)s, title only: %(title_only)s, missing: %(missing)s, of %(total)s lessons"


def ru(msgid: str, **values: int) -> str:
    """What the page says in Russian, the test users' language (the catalogue's word, or the msgid)."""
    with use_locale("ru"):
        text = gettext(msgid)
    return text % values if values else text


def page_of(editor: Editor) -> str:
    answer = editor.client.get(f"/author/courses/{editor.course.slug}/translations")
    assert answer.status_code == 200
    return answer.text


def cell(page: str, lesson_id: int, locale: str) -> str:
    """The state a lesson's cell shows for a language: its class and its word."""
    found = re.search(
        rf'<a class="state ([\w-]+)" href="/author/lessons/{lesson_id}\?tab={locale}">([^<]+)</a>', page
    )
    assert found, (lesson_id, locale)
    return f"{found.group(1)}:{found.group(2)}"


def state(css: str, word: str) -> str:
    return f"{css}:{ru(word)}"


def test_every_lesson_in_every_language_in_the_course_order(editor: Editor, session: Session) -> None:
    page = page_of(editor)
    assert "<caption>" in page and '<th scope="col">' in page and page.count('<th scope="rowgroup"') == 2
    lessons = [lesson_of(session, editor.course, slug) for slug in ("first-steps", "check", "your-turn", "the-meeting", "recap")]  # fmt: skip
    rows = [page.index(f'<th scope="row"><a href="/author/lessons/{lesson.id}"') for lesson in lessons]
    assert rows == sorted(rows)  # module by module, in order
    for lesson in lessons:
        for locale in ("ky", "ru"):  # a link to the language's tab of the editor, with a word
            assert cell(page, lesson.id, locale).split(":")[1] in (ru("current"), ru("title only"))
        assert f'href="/author/lessons/{lesson.id}?tab=en"' not in page  # the source: nothing to translate
    assert cell(page, lessons[0].id, "ky") == state("state-fallback", "title only")  # no Kyrgyz body yet
    assert cell(page, lessons[0].id, "ru") == state("state-current", "current")
    # the course's page links to it
    course_page = editor.client.get(f"/author/courses/{editor.course.slug}").text
    assert f'href="/author/courses/{editor.course.slug}/translations"' in course_page


def test_a_changed_source_makes_its_translations_stale_and_a_removed_one_missing(
    editor: Editor, session: Session
) -> None:
    lesson = reading(session, editor)
    assert editor.save(lesson, title="First steps", summary="s", body=BODY).status_code == 303  # type: ignore[attr-defined]
    page = page_of(editor)
    assert cell(page, lesson.id, "ru") == state(
        "state-current", "current"
    )  # a draft: learners still get the old
    row = page.split(f'<th scope="row"><a href="/author/lessons/{lesson.id}"')[1].split("</th>")[0]
    assert '<span class="meta">' in row  # "draft waiting"
    assert editor.publish(lesson).status_code == 303  # type: ignore[attr-defined]
    page = page_of(editor)
    assert cell(page, lesson.id, "ru") == state("state-outdated", "stale")
    recap = lesson_of(session, editor.course, "recap")
    session.execute(
        sa.delete(LessonTranslation).where(
            LessonTranslation.lesson_id == recap.id, LessonTranslation.locale == "ky"
        )
    )
    session.commit()
    page = page_of(editor)
    assert cell(page, recap.id, "ky") == state("state-missing", "missing")
    assert ru(SUMMARY, current=4, stale=1, title_only=0, missing=0, total=5) in page  # Russian
    assert ru(SUMMARY, current=3, stale=0, title_only=1, missing=1, total=5) in page  # Kyrgyz


def test_the_service_names_each_state(editor: Editor, session: Session) -> None:
    status = translations.status_of(session, Principal.of(editor.user), slug=editor.course.slug, locale="en")
    assert [module.module.slug for module in status.modules] == ["basics", "practice"]
    first = status.modules[0].lessons[0]
    assert first.title == "First steps" and first.states == {
        "ky": "title_only",
        "ru": "current",
        "en": "source",
    }
    assert status.lessons == 5 and set(status.counts()) == {"ky", "ru"}


def test_only_the_courses_trainers_and_admins(
    editor: Editor, session: Session, settings: Settings, browser_of: Callable[[User], TestClient]
) -> None:
    path = f"/author/courses/{editor.course.slug}/translations"
    other_trainer = create_user(session, settings, roles=("trainer",))
    learner = create_user(session, settings)
    admin = create_user(session, settings, roles=("admin",))
    session.commit()
    assert browser_of(other_trainer).get(path).status_code == 403
    assert browser_of(learner).get(path).status_code == 403
    assert browser_of(admin).get(path).status_code == 200
    assert editor.client.get("/author/courses/no-such-course/translations").status_code == 404


@pytest.mark.skipif(not BIG.is_dir(), reason="needs the shipped courses")
def test_the_same_queries_for_a_small_and_a_large_course(
    editor: Editor, session: Session, settings: Settings, queries: list[str]
) -> None:
    large = sync_course(session, settings, BIG)
    authoring.add_staff(session, large, editor.user)
    session.commit()

    def cost(slug: str) -> int:
        editor.client.get(f"/author/courses/{slug}/translations")
        queries.clear()
        assert editor.client.get(f"/author/courses/{slug}/translations").status_code == 200
        return len(queries)

    small = cost(editor.course.slug)
    assert small == cost(large.slug) <= 14, queries
