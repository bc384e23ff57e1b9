"""A learner who reads Kyrgyz reads the shipped courses in Kyrgyz: no "translation coming" note where a
Kyrgyz text exists, and the lesson editor marks nothing missing or stale (issues 18 and 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authoring import service as authoring
from app.config import Settings
from app.courses import loader, sync
from app.courses.models import Course
from tests.courses.test_shipped_courses import KYRGYZ_COMPLETE
from tests.factories import create_user, enrol, login

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("slug", KYRGYZ_COMPLETE)
def test_a_kyrgyz_reader_gets_every_reading_in_kyrgyz(
    client: TestClient, session: Session, settings: Settings, slug: str
) -> None:
    [spec], report = loader.load(ROOT / "courses" / slug)
    assert report.errors == []
    sync.sync(session, [spec], media_dir=Path(settings.data_dir) / "media")
    course = session.scalars(sa.select(Course).where(Course.slug == slug)).one()
    user = create_user(session, settings, locale="ky")
    enrol(session, user, course)
    session.commit()
    login(client, user.email)
    for lesson in spec.lessons():
        if lesson.kind != "reading":
            continue
        page = client.get(f"/courses/{slug}/{lesson.slug}").text
        assert "кыргызча котормосу даярдалып жатат" not in page, lesson.slug  # the "translation coming" note
        assert 'class="lesson-body" lang="ky"' in page, lesson.slug


@pytest.mark.parametrize("slug", KYRGYZ_COMPLETE)
def test_the_authoring_status_shows_nothing_missing_or_stale_in_kyrgyz(
    client: TestClient, session: Session, settings: Settings, slug: str
) -> None:
    [spec], report = loader.load(ROOT / "courses" / slug)
    assert report.errors == []
    sync.sync(session, [spec], media_dir=Path(settings.data_dir) / "media")
    course = session.scalars(sa.select(Course).where(Course.slug == slug)).one()
    trainer = create_user(session, settings, roles=("trainer",))
    authoring.add_staff(session, course, trainer)
    session.commit()
    login(client, trainer.email)
    page = client.get(f"/author/courses/{slug}?lang=ky").text
    lessons = page.split('id="modules"')[1]
    assert 'class="state ' not in lessons  # no lesson marked missing, not translated or out of date
