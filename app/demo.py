"""`academy demo`: demo accounts for each role (and, as later parts land, courses, cohorts, progress,
discussions and a forum), so that a newcomer can try every part of the platform. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.cli_support import database_session, fail
from app.config import Settings, get_settings
from app.courses import loader, sync

COURSES_DIR = Path(__file__).resolve().parent.parent / "courses"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    display_name: str
    roles: tuple[str, ...]
    locale: str
    region: str | None


DEMO_ACCOUNTS = (
    DemoAccount("learner@example.org", "demo-learner-pass", "Айгерим", ("learner",), "ky", "KG-N"),
    DemoAccount("learner2@example.org", "demo-learner-pass", "Salamat", ("learner",), "ru", "KG-B"),
    DemoAccount(
        "trainer@example.org", "demo-trainer-pass", "Нургуль (тренер)", ("learner", "trainer"), "ru", None
    ),
    DemoAccount(
        "coordinator@example.org",
        "demo-coordinator-pass",
        "Жылдыз (координатор)",
        ("learner", "coordinator"),
        "ky",
        "KG-GO",
    ),  # fmt: skip
    DemoAccount("admin@example.org", "demo-admin-pass", "Admin", ("admin",), "en", None),
)


def ensure_accounts(session: Session, settings: Settings) -> list[User]:
    users = []
    for account in DEMO_ACCOUNTS:
        user = accounts_service.get_user_by_email(session, account.email)
        if user is None:
            user = accounts_service.create_user(
                session, settings=settings, email=account.email, password=account.password,
                display_name=account.display_name, locale=account.locale, region=account.region,
                roles=account.roles,
            )  # fmt: skip
        for role in account.roles:
            if role not in user.role_names:
                accounts_service.grant_role(session, actor=None, user=user, role=role)
        users.append(user)
    return users


def load_courses(session: Session, settings: Settings) -> int:
    """Sync the courses shipped in courses/ (as `academy courses sync` does); returns how many."""
    if not loader.find_course_dirs(COURSES_DIR):
        return 0
    specs, report = loader.load(COURSES_DIR)
    if report.errors:
        fail(f"the shipped courses have errors; run `academy courses check {COURSES_DIR}`.")
    result = sync.sync(session, specs, media_dir=settings.ensure_data_dir() / "media")
    for name in result.kept_browser_edits:
        typer.echo(f"kept: {name} was changed in the browser; `academy courses sync --force` overwrites it")
    return len(specs)


def demo() -> None:
    """Load the courses, demo accounts for every role, and demo activity. Safe to run again."""
    settings = get_settings()
    if settings.https:
        fail("demo accounts have public passwords; refusing to create them where ACADEMY_BASE_URL is https.")
    with database_session(settings) as session:
        courses = load_courses(session, settings)
        ensure_accounts(session, settings)
        session.commit()
    typer.echo(f"{courses} course(s) loaded.")
    typer.echo("Demo data is loaded. Sign in at " + settings.base_url.rstrip("/") + "/login as:")
    for account in DEMO_ACCOUNTS:
        typer.echo(f"  {', '.join(account.roles):<22} {account.email:<26} password: {account.password}")
