"""A learner who reads Kyrgyz reads the shipped courses in Kyrgyz: no "translation coming" note where a
Kyrgyz text exists (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

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
