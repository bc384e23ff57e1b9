"""`academy demo`: demo accounts for each role, the courses, a cohort with some progress, and
discussions (and, when it lands, a forum), so that a newcomer can try every part of the platform.
Idempotent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import typer
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.authoring import service as authoring
from app.cli_support import database_session, fail
from app.config import Settings, get_settings
from app.courses import loader, sync
from app.courses.models import Course, Lesson, live
from app.discussions import moderation
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.discussions.models import Thread
from app.learning import service as learning_service
from app.learning.models import Cohort, CohortMember
from app.principal import Principal
from app.resolutions.demo import ensure_forum

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
    ),
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
    result = sync.sync(
        session,
        specs,
        media_dir=settings.ensure_data_dir() / "media",
        glossary=loader.load_glossary(COURSES_DIR),
        shared_media=settings.media_store == "database",
    )
    for name in result.kept_browser_edits:
        typer.echo(f"kept: {name} was changed in the browser; `academy courses sync --force` overwrites it")
    return len(specs)


DEMO_COHORT_CODE = "DEMO2026"


def ensure_cohort_and_progress(session: Session, users: list[User]) -> Cohort | None:
    """A demo cohort on the first course, both demo learners in it, and some progress to look at."""
    course = session.scalars(sa.select(Course).where(live(Course)).order_by(Course.id)).first()
    if course is None:
        return None
    cohort = session.scalars(sa.select(Cohort).where(Cohort.enrolment_code == DEMO_COHORT_CODE)).one_or_none()
    if cohort is None:
        today = dt.date.today()
        cohort = Cohort(
            course_id=course.id,
            name="Демо-топ / Демо-группа",
            starts_on=today - dt.timedelta(days=14),
            ends_on=today + dt.timedelta(days=60),
            enrolment_code=DEMO_COHORT_CODE,
        )
        session.add(cohort)
        session.flush()
    lessons = session.scalars(
        sa.select(Lesson)
        .where(Lesson.course_id == course.id, live(Lesson), Lesson.kind == "reading")
        .order_by(Lesson.module_id, Lesson.position)
    ).all()
    for user in users:  # the demo coordinator and trainer run the demo cohort
        role = (
            "coordinator"
            if "coordinator" in user.role_names
            else "trainer"
            if "trainer" in user.role_names
            else None
        )
        if role and session.get(CohortMember, (cohort.id, user.id)) is None:
            session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=role))
    learners = [user for user in users if user.role_names == {"learner"}]
    for done, user in zip((3, 1), learners, strict=False):
        learning_service.enrol(session, user_id=user.id, course=course, cohort=cohort)
        for lesson in lessons[:done]:
            learning_service.record_event(
                session, user_id=user.id, course_id=course.id, pass_mark=course.pass_mark, lesson=lesson,
                type="completed", client_event_id=f"demo:{lesson.id}",
            )  # fmt: skip
    return cohort


WELCOME_TITLE = "Знакомство / Таанышуу"


def ensure_discussions(session: Session, users: list[User], cohort: Cohort) -> None:
    """A welcome thread in the demo cohort, a question on the first lesson, and a flag for the
    moderators to look at; once."""
    if session.scalar(
        sa.select(Thread.id).where(Thread.cohort_id == cohort.id, Thread.title == WELCOME_TITLE)
    ):
        return
    by_email = {user.email: user for user in users}

    def viewer(email: str) -> Viewer:
        return viewer_for(session, Principal.of(by_email[email]))

    trainer, aigerim, salamat = "trainer@example.org", "learner@example.org", "learner2@example.org"
    welcome, first = discussions.start_thread(
        session, viewer(trainer), discussions.place_of(session, cohort_id=cohort.id), title=WELCOME_TITLE,
        body="Здравствуйте! Расскажите коротко, откуда вы и над чем работаете. "
        "Пишите под любым именем: настоящее имя здесь не нужно.",
    )  # fmt: skip
    discussions.reply(
        session, viewer(aigerim), welcome, parent_id=first.id,
        body="Саламатсыздарбы! Мен Нарындан келдим. Айылда селден коргонуу боюнча демилгелүү топто иштейм.",
    )  # fmt: skip
    discussions.reply(
        session, viewer(salamat), welcome, anonymous=True,
        body="Я из Бишкека, работаю с *трудовыми мигрантками*. Пока пишу без имени.",
    )  # fmt: skip
    lesson = session.scalars(
        sa.select(Lesson)
        .where(Lesson.course_id == cohort.course_id, live(Lesson))
        .order_by(Lesson.module_id, Lesson.position)
    ).first()
    if lesson is not None:
        question, _post = discussions.start_thread(
            session, viewer(salamat), discussions.place_of(session, lesson_id=lesson.id),
            title="Как применить это в нашем селе?",
            body="Урок понятный, но как начать в маленьком селе, где все друг друга знают?",
        )  # fmt: skip
        answer = discussions.reply(
            session, viewer(trainer), question,
            body="Начните с малого: обсудите один вопрос из урока с двумя-тремя соседками, которым "
            "доверяете, и запишите, что они думают.",
        )  # fmt: skip
        moderation.flag(
            session, viewer(aigerim), answer, question, reason="off_topic", note="Демо: пример флага"
        )


DEMO_AUTHORED = (
    "neighbourhood-risk-map"  # the trainer's own course, written in the browser, not yet published
)


def ensure_authored_course(session: Session, users: list[User]) -> None:
    """A course the demo trainer is writing in the browser, so that /author/ shows her work."""
    trainer = next((user for user in users if user.email == "trainer@example.org"), None)
    if trainer is None or session.scalar(sa.select(Course.id).where(Course.slug == DEMO_AUTHORED)):
        return
    author = Principal.of(trainer)
    authoring.create_course(
        session, author, slug=DEMO_AUTHORED, title="Карта рисков нашего квартала (черновик)", locale="ru"
    )
    module = authoring.create_module(
        session, author, slug=DEMO_AUTHORED, module_slug="first-walk", title="Первая прогулка по кварталу"
    )
    authoring.create_lesson(
        session, author, module_id=module.id, slug="what-to-look-for", kind="reading", title="На что смотреть"
    )


def demo() -> None:
    """Load the courses, demo accounts for every role, and demo activity. Safe to run again."""
    settings = get_settings()
    if settings.https:
        fail("demo accounts have public passwords; refusing to create them where ACADEMY_BASE_URL is https.")
    with database_session(settings) as session:
        courses = load_courses(session, settings)
        users = ensure_accounts(session, settings)
        ensure_authored_course(session, users)
        cohort = ensure_cohort_and_progress(session, users)
        if cohort is not None:
            ensure_discussions(session, users, cohort)
            ensure_forum(session, {user.email: user for user in users}, cohort)
        session.commit()
    typer.echo(f"{courses} course(s) loaded.")
    if cohort is not None:
        typer.echo(f"Demo cohort: enrolment code {DEMO_COHORT_CODE} (the demo learners are in it).")
    typer.echo(
        "Demo data is loaded. Sign in at /login of the address `academy serve` prints"
        f" ({settings.base_url.rstrip('/')}/login with `make run`) as:"
    )
    for account in DEMO_ACCOUNTS:
        typer.echo(f"  {', '.join(account.roles):<22} {account.email:<26} password: {account.password}")
