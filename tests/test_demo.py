from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from tests.accounts.test_roles import academy
from tests.factories import refresh


def test_demo_is_idempotent_and_says_how_to_sign_in(session: Session, settings: Settings) -> None:
    first = academy(settings, "demo")
    assert first.returncode == 0, first.stderr
    assert "learner@example.org" in first.stdout and "password:" in first.stdout
    second = academy(settings, "demo")
    assert second.returncode == 0, second.stderr
    refresh(session)
    users = session.scalars(sa.select(User)).all()
    assert len(users) == 5
    roles = set().union(*(user.role_names for user in users))
    assert roles == {"learner", "trainer", "coordinator", "admin"}
    session.commit()


def test_demo_refuses_https(settings: Settings) -> None:
    https = settings.model_copy(update={"base_url": "https://academy.example.kg"})
    result = academy(https, "demo")
    assert result.returncode == 2
    assert "refusing" in result.stderr and "Traceback" not in result.stderr
