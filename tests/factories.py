"""Plain functions that build test data. They flush; the test commits when the app must see it."""

from __future__ import annotations

import datetime as dt
import email.policy
import itertools
import re
from email import message_from_bytes
from email.message import Message
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.config import Settings
from app.courses import loader, sync
from app.courses.models import Course, Lesson
from app.db import utcnow
from app.learning import service as learning_service
from app.learning.models import Cohort, Enrolment, Invite
from app.learning.service import new_code
from app.security import hash_token, random_token

PASSWORD = "river stone apricot lamp"
_serial = itertools.count(1)


@lru_cache
def _hash(settings_key: tuple[int, int], password: str) -> str:
    settings = Settings(_env_file=None, argon2_memory_kib=settings_key[0], argon2_time_cost=settings_key[1])  # type: ignore[call-arg]
    return hash_password(settings, password)


def create_user(
    session: Session,
    settings: Settings,
    *,
    email: str | None = None,
    display_name: str | None = None,
    roles: tuple[str, ...] = ("learner",),
    password: str = PASSWORD,
    locale: str = "ru",
    region: str | None = None,
) -> User:
    number = next(_serial)
    return accounts_service.create_user(
        session,
        settings=settings,
        email=email or f"user{number}@example.kg",
        password_hash=_hash((settings.argon2_memory_kib, settings.argon2_time_cost), password),
        display_name=display_name or f"Участница {number}",
        locale=locale,
        region=region,
        roles=roles,
    )


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 303, response.text[:500]


def post(
    client: TestClient, path: str, data: dict[str, str] | None = None, *, token_from: str = "/"
) -> object:
    """POST a form with a valid CSRF token, as a browser would."""
    fields = dict(data or {})
    fields.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=fields)


def outbox(settings: Settings) -> list[Message]:
    folder = Path(settings.data_dir) / "outbox"
    if not folder.is_dir():
        return []
    return [
        message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(folder.glob("*.eml"))
    ]


def mail_text(message: Message) -> str:
    return str(message.get_content())  # type: ignore[attr-defined]


def link_in(message: Message, pattern: str) -> str:
    match = re.search(pattern, mail_text(message))
    assert match, mail_text(message)
    return match.group(0)


def refresh(session: Session) -> None:
    """End the test's transaction so the next query sees what another process or request wrote."""
    session.commit()
    session.expire_all()


EXAMPLE_COURSE = Path(__file__).resolve().parent / "fixtures" / "courses" / "example-course"


def sync_course(session: Session, settings: Settings, path: Path = EXAMPLE_COURSE) -> Course:
    """Load a course from files (the example course by default) and return it."""
    specs, report = loader.load(path)
    assert not report.errors, [str(problem) for problem in report.errors]
    sync.sync(session, specs, media_dir=Path(settings.data_dir) / "media")
    session.flush()
    return session.scalars(sa.select(Course).where(Course.slug == specs[0].slug)).one()


def lesson_of(session: Session, course: Course, slug: str) -> Lesson:
    return session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == slug)).one()


def create_cohort(
    session: Session,
    course: Course,
    *,
    name: str = "Нарын 2026",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    code: str | None = None,
) -> Cohort:
    cohort = Cohort(
        course_id=course.id,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        enrolment_code=code or new_code(),
    )
    session.add(cohort)
    session.flush()
    return cohort


def create_invite(
    session: Session, cohort: Cohort, *, max_uses: int = 1, expires_in: dt.timedelta = dt.timedelta(days=7)
) -> str:
    token = random_token()
    session.add(
        Invite(
            cohort_id=cohort.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + expires_in,
            max_uses=max_uses,
        )
    )
    session.flush()
    return token


def enrol(session: Session, user: User, course: Course, cohort: Cohort | None = None) -> Enrolment:
    return learning_service.enrol(session, user_id=user.id, course=course, cohort=cohort)
