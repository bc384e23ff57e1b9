from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.courses.models import Course
from tests.factories import create_user, enrol, login, sync_course


@dataclass
class Enrolled:
    user: User
    course: Course
    client: TestClient


@pytest.fixture
def enrolled(client: TestClient, session: Session, settings: Settings) -> Enrolled:
    """A signed-in learner enrolled in the example course."""
    course = sync_course(session, settings)
    user = create_user(session, settings, display_name="Бермет")
    enrol(session, user, course)
    login(client, user.email)
    return Enrolled(user, course, client)
