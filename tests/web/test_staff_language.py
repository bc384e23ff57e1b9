"""Every staff page in the staff's language (issue 25, point 7): with the demo data loaded, each staff page
is read in Kyrgyz and in Russian as its staff would read it, and every text node is checked: no English
sentence that missed the catalogues, no internal key (`needs_work`, `lesson.kind`), no Python value
(`None`, `{'ru': …}`, `True`), no ISO date in prose, no double full stop.

What a person wrote (course texts, recommendations) carries the `lang` of the language it is in (WCAG
3.1.2) and is not the interface; a display name is hers as she wrote it (ALLOWED lists the demo's)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.audit import ACTIONS
from app.accounts.models import User
from app.config import Settings
from app.courses.models import Course, Lesson
from app.learning.models import Cohort
from app.resolutions.models import Forum, Recommendation
from tests.accounts.test_roles import academy
from tests.factories import login, refresh

# Latin words that are right on a Kyrgyz or Russian page: formats and standards, codes (capitals and
# digits), slugs (an identifier the trainer chose, like gender-budgeting), brands, and what the demo's
# people wrote as themselves (a display name, an app named in a recommendation).
ALLOWED = re.compile(
    r"^(PDF|DOCX|XLSX|CSV|JSON|UTF-8|UTF-16|Windows-1251|Markdown|YAML|ZIP|SHA-256|TOTP|QR|ID|URL|HTML|"
    r"ILO|UN|UPR|CEDAW|UNSCR|SDG|OK|WebP|PNG|JPEG|GIF|Excel|FreeOTP|Aegis|Google|Authenticator|WhatsApp|"
    r"zip|ky|ru|en|Admin|Salamat|[A-Z0-9]{2,}|[a-z0-9]+(?:-[a-z0-9]+)+)$"
)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]")
INTERNAL = re.compile(
    r"\b[a-z]+_[a-z_]+\b|\bNone\b|\bTrue\b|\bFalse\b|\{'|\['|\b\d{4}-\d{2}-\d{2}\b|\.\.(?!\.)|\w\.\s*\.\s"
)


class _Text(HTMLParser):
    """The interface's text nodes: not scripts, styles or code, and not content, which an element marks with
    the language it is in (a lesson's text, a recommendation, a title in its source language): everything
    else is the interface, and must come from the catalogues."""

    SKIP = {"script", "style", "code", "pre", "textarea", "kbd", "samp"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        content = tag != "html" and any(name == "lang" for name, _value in attrs)
        skipped = tag in self.SKIP or content
        translate_no = any(name == "translate" and value == "no" for name, value in attrs)
        self.stack.append((tag, skipped or translate_no or bool(self.stack and self.stack[-1][1])))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][1]:
            return
        if data.strip():
            self.nodes.append(" ".join(data.split()))


def problems(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for node in parser.nodes:
        words = " ".join(token for token in node.split() if "@" not in token and "://" not in token)
        latin = [word for word in LATIN_WORD.findall(words) if not ALLOWED.match(word)]
        if latin or INTERNAL.search(node):
            found.append(node)
    return found


def _staff_pages(session: Session) -> list[str]:
    courses = session.scalars(sa.select(Course).order_by(Course.id)).all()
    lessons = [
        session.scalars(sa.select(Lesson.id).where(Lesson.kind == kind).order_by(Lesson.id).limit(1)).one()
        for kind in ("reading", "reflection", "quiz", "scenario")
    ]
    cohort = session.scalars(sa.select(Cohort)).one()
    forum = session.scalars(sa.select(Forum)).one()
    learner = session.scalars(sa.select(User).where(User.email == "learner@example.org")).one()
    rec = session.scalars(sa.select(Recommendation).order_by(Recommendation.id)).first()
    assert rec is not None
    return [
        "/author/",
        *(f"/author/courses/{course.slug}" for course in courses),
        *(f"/author/courses/{course.slug}/translations" for course in courses),
        *(f"/author/lessons/{lesson_id}" for lesson_id in lessons),
        *(f"/author/lessons/{lesson_id}?tab=history" for lesson_id in lessons),
        "/cohorts/", "/cohorts/new", f"/cohorts/{cohort.id}", f"/cohorts/{cohort.id}/settings",
        f"/cohorts/{cohort.id}/roster", f"/cohorts/{cohort.id}/matrix", f"/cohorts/{cohort.id}/export",
        f"/cohorts/{cohort.id}/learners/{learner.id}",
        "/admin/users", f"/admin/users/{learner.id}", "/admin/audit", "/admin/certificates", "/moderation",
        "/forums/", "/forums/new", f"/forums/{forum.id}", f"/forums/{forum.id}/settings",
        f"/forums/{forum.id}/resolution", f"/forums/{forum.id}/resolution/history",
        f"/forums/{forum.id}/monitoring", f"/recommendations/{rec.id}",
    ]  # fmt: skip


@pytest.mark.parametrize("locale", ["ky", "ru"])
def test_staff_pages_speak_the_staff_s_language(
    locale: str, session: Session, settings: Settings, client: TestClient
) -> None:
    session.commit()
    loaded = academy(settings, "demo")
    assert loaded.returncode == 0, loaded.stderr
    refresh(session)
    admin = session.scalars(sa.select(User).where(User.email == "admin@example.org")).one()
    admin.locale = locale
    session.commit()
    login(client, admin.email, "demo-admin-pass")
    found = {}
    for path in _staff_pages(session):
        page = client.get(path)
        assert page.status_code == 200, path
        if spotted := problems(page.text):
            found[path] = spotted
    assert found == {}, "\n".join(f"{path}: {nodes}" for path, nodes in found.items())


def test_every_audited_action_has_a_label() -> None:
    """The audit log names each action in the reader's language: every action the code records is listed."""
    source = Path(__file__).resolve().parents[2] / "app"
    recorded = {
        action
        for path in source.rglob("*.py")
        for action in re.findall(r'action="([a-z0-9_]+\.[a-z0-9_.]+)"', path.read_text(encoding="utf-8"))
    }
    assert recorded and recorded <= set(ACTIONS), recorded - set(ACTIONS)
