"""Creating and configuring forums: their names and place in each language, date, cohorts and rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.config import LOCALES
from app.forms import FormErrors, clean_line
from app.i18n import N_
from app.learning.cohorts import cohorts_for
from app.learning.models import Cohort
from app.permissions import Capability
from app.principal import Principal
from app.resolutions.models import Forum, ForumCohort


@dataclass
class ForumFields:
    name: dict[str, str] = field(default_factory=dict)
    place: dict[str, str] = field(default_factory=dict)
    held_on: dt.date | None = None
    cohorts: list[int] = field(default_factory=list)
    endorsement_cap: int = 10
    qualify_endorsements: int = 5
    qualify_cohorts: int = 2
    accepting: bool = True


def _number(raw: dict[str, str], key: str, default: int, low: int, high: int, errors: FormErrors) -> int:
    value = clean_line(raw.get(key), 6)
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        errors.add(key, N_("Give a whole number from %(low)s to %(high)s."), low=low, high=high)
        return default
    return int(value)


def read(raw: dict[str, str], cohort_values: list[str], choices: set[int], errors: FormErrors) -> ForumFields:
    fields = ForumFields(
        name={
            loc: clean_line(raw.get(f"name_{loc}"), 200)
            for loc in LOCALES
            if clean_line(raw.get(f"name_{loc}"), 200)
        },
        place={
            loc: clean_line(raw.get(f"place_{loc}"), 120)
            for loc in LOCALES
            if clean_line(raw.get(f"place_{loc}"), 120)
        },
    )
    if not fields.name:
        errors.add("name_ru", N_("Give the forum a name in at least one language."))
    if not fields.place:
        errors.add("place_ru", N_("Say where the forum meets, in at least one language."))
    try:
        fields.held_on = dt.date.fromisoformat(clean_line(raw.get("held_on"), 10))
    except ValueError:
        errors.add("held_on", N_("Write the date as YYYY-MM-DD."))
    fields.cohorts = sorted({int(v) for v in cohort_values if v.isdigit() and int(v) in choices})
    if not fields.cohorts:
        errors.add("cohorts", N_("Choose at least one cohort that takes part."))
    fields.endorsement_cap = _number(raw, "endorsement_cap", 10, 1, 100, errors)
    fields.qualify_endorsements = _number(raw, "qualify_endorsements", 5, 1, 1000, errors)
    fields.qualify_cohorts = _number(raw, "qualify_cohorts", 2, 1, 50, errors)
    fields.accepting = raw.get("accepting", "1") == "1"
    return fields


def cohort_choices(session: Session, principal: Principal) -> list[Cohort]:
    """The cohorts she may bring into a forum: those she runs (any, for an admin)."""
    if principal.can(Capability.SEE_ALL_COHORTS):
        return list(
            session.scalars(sa.select(Cohort).where(Cohort.archived_at.is_(None)).order_by(Cohort.name))
        )
    return cohorts_for(session, principal)


def save(session: Session, forum: Forum | None, fields: ForumFields, *, actor: User) -> Forum:
    assert fields.held_on is not None
    if forum is None:
        forum = Forum(name={}, place={}, held_on=fields.held_on, created_by_id=actor.id)
        session.add(forum)
    forum.name, forum.place, forum.held_on = fields.name, fields.place, fields.held_on
    forum.endorsement_cap, forum.accepting = fields.endorsement_cap, fields.accepting
    forum.qualify_endorsements, forum.qualify_cohorts = fields.qualify_endorsements, fields.qualify_cohorts
    session.flush()
    session.execute(sa.delete(ForumCohort).where(ForumCohort.forum_id == forum.id))
    for cohort_id in fields.cohorts:
        session.add(ForumCohort(forum_id=forum.id, cohort_id=cohort_id))
    accounts_service.record(session, actor=actor, action="forum.save", detail=f"forum {forum.id}")
    session.flush()
    return forum


def values_of(forum: Forum, cohorts: list[int]) -> dict[str, str]:
    values = {f"name_{loc}": forum.name.get(loc, "") for loc in LOCALES}
    values |= {f"place_{loc}": forum.place.get(loc, "") for loc in LOCALES}
    values |= {
        "held_on": forum.held_on.isoformat(),
        "endorsement_cap": str(forum.endorsement_cap),
        "qualify_endorsements": str(forum.qualify_endorsements),
        "qualify_cohorts": str(forum.qualify_cohorts),
        "accepting": "1" if forum.accepting else "0",
    }
    values |= {f"cohort_{cid}": "1" for cid in cohorts}
    return values
