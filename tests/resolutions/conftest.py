"""A forum of two cohorts (Naryn, Osh), a third cohort outside it, their learners and staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import LOCALES, Settings
from app.learning.models import Cohort, CohortMember
from app.principal import Principal
from app.resolutions import drafting
from app.resolutions import recommendations as recs
from app.resolutions.access import ForumRole, role_in
from app.resolutions.forums import ForumFields, save
from app.resolutions.models import Forum, Recommendation, Resolution
from tests.factories import create_cohort, create_user, csrf_token, enrol, sync_course


@dataclass
class World:
    forum: Forum
    naryn: Cohort
    osh: Cohort
    talas: Cohort  # not in the forum
    a1: User
    a2: User  # Naryn
    b1: User
    b2: User  # Osh
    t1: User  # a learner of Talas
    trainer: User  # staff of Naryn and Osh
    coordinator: User  # staff of Naryn and Osh
    other_coordinator: User  # runs Talas only
    admin: User


def build_world(session: Session, settings: Settings) -> World:
    course = sync_course(session, settings)
    naryn, osh, talas = (create_cohort(session, course, name=name) for name in ("Нарын", "Ош", "Талас"))
    learners = {}
    for name, cohort in (("a1", naryn), ("a2", naryn), ("b1", osh), ("b2", osh), ("t1", talas)):
        learners[name] = create_user(
            session, settings, display_name=f"Участница {name}", email=f"{name}@example.kg"
        )
        enrol(session, learners[name], course, cohort)
    trainer = create_user(
        session, settings, roles=("trainer",), display_name="Тренер", email="trainer@example.kg"
    )
    coordinator = create_user(
        session, settings, roles=("coordinator",), display_name="Координатор", email="coord@example.kg"
    )
    other = create_user(
        session, settings, roles=("coordinator",), display_name="Чужой", email="other@example.kg"
    )
    admin = create_user(session, settings, roles=("admin",), display_name="Админ", email="admin@example.kg")
    for cohort in (naryn, osh):
        session.add(CohortMember(cohort_id=cohort.id, user_id=trainer.id, role="trainer"))
        session.add(CohortMember(cohort_id=cohort.id, user_id=coordinator.id, role="coordinator"))
    session.add(CohortMember(cohort_id=talas.id, user_id=other.id, role="coordinator"))
    session.flush()
    forum = save(
        session, None,
        ForumFields(name={"ru": "Форум 2026", "ky": "Форум 2026", "en": "Forum 2026"}, place={"ru": "Ош"},
                    held_on=dt.date(2026, 5, 14), cohorts=[naryn.id, osh.id], endorsement_cap=3,
                    qualify_endorsements=3, qualify_cohorts=2),
        actor=coordinator,
    )  # fmt: skip
    session.commit()
    return World(forum, naryn, osh, talas, learners["a1"], learners["a2"], learners["b1"], learners["b2"],
                 learners["t1"], trainer, coordinator, other, admin)  # fmt: skip


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def role(session: Session, user: User, forum: Forum) -> ForumRole:
    return role_in(session, Principal.of(user), forum)


def write(session: Session, world: World, user: User, title: str = "Сирена в каждом селе",
          text: str = "Айыл окмоту должен поставить сирену и договориться с МЧС.", theme: str = "risk_reduction") -> Recommendation:  # fmt: skip
    rec = recs.create(
        session,
        role(session, user, world.forum),
        recs.Draft(title, text, theme, "local_councils"),
        locale="ru",
    )
    session.commit()
    return rec


def endorse(session: Session, world: World, rec: Recommendation, *users: User) -> None:
    for user in users:
        recs.endorse(session, role(session, user, world.forum), rec)
    session.commit()


def accepted(session: Session, world: World, title: str = "Сирена в каждом селе") -> Recommendation:
    rec = write(session, world, world.a1, title=title)
    endorse(session, world, rec, world.a2, world.b1, world.b2)
    recs.review(session, role(session, world.trainer, world.forum), rec, decision="accepted", note="Берём")
    session.commit()
    return rec


FULL = {code: f"Текст на {code}" for code in LOCALES}
BISHKEK = ZoneInfo("Asia/Bishkek")  # the organisation's time zone (the settings' default)


def adopted(
    session: Session, world: World, items: int = 3, overrides: dict[int, dict[str, str]] | None = None
) -> Resolution:
    """A resolution with `items` items (the first built from an accepted recommendation), adopted;
    `overrides` replaces some items' texts (by number)."""
    rec = accepted(session, world)
    coordinator = role(session, world.coordinator, world.forum)
    resolution = drafting.resolution_of(session, world.forum)
    drafts = [
        drafting.ItemDraft(
            id=None,
            position=n,
            text={code: f"Пункт {n} ({code})" for code in LOCALES} | (overrides or {}).get(n, {}),
            theme="risk_reduction",
            addressee="government",
            recommendations=[rec.id] if n == 1 else [],
        )
        for n in range(1, items + 1)
    ]
    drafting.save_draft(session, coordinator, resolution, preamble=FULL, items=drafts, note="Первый проект",
                        base_revision=resolution.revision, author=world.coordinator)  # fmt: skip
    drafting.adopt(session, coordinator, resolution, adopted_on=dt.date(2026, 5, 14), outcome="consensus",
                   votes=None, author=world.coordinator, zone=BISHKEK)  # fmt: skip
    session.commit()
    return resolution


def form(
    client: TestClient, path: str, data: dict[str, str | list[str]], *, token_from: str = "/forums/"
) -> object:
    fields = dict(data)
    fields.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=fields)


def fresh(session: Session, model: type, **where: object) -> list:  # type: ignore[type-arg]
    session.commit()
    session.expire_all()
    statement = sa.select(model)
    for key, value in where.items():
        statement = statement.where(getattr(model, key) == value)
    return list(session.scalars(statement.order_by(*model.__table__.primary_key.columns)))
