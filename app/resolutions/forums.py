"""Forums: creating and configuring them (their names and place in each language, date, cohorts and
rules), and a forum's page with its recommendations, filtered and ordered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.config import LOCALES
from app.i18n import N_
from app.learning.cohorts import cohorts_for
from app.learning.models import Cohort
from app.permissions import Capability
from app.principal import Principal
from app.resolutions.access import ForumRole, cohort_names, cohorts_of, forum_for, manager_of
from app.resolutions.exceptions import ForumInvalid
from app.resolutions.models import (
    STATES,
    THEMES,
    Endorsement,
    Forum,
    ForumCohort,
    Recommendation,
    Resolution,
)
from app.resolutions.recommendations import used_endorsements


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


def values_of(forum: Forum, cohorts: list[int]) -> dict[str, Any]:
    """The settings form, filled with the forum's settings (the names of the form's fields)."""
    values: dict[str, Any] = {f"name_{loc}": forum.name.get(loc, "") for loc in LOCALES}
    values |= {f"place_{loc}": forum.place.get(loc, "") for loc in LOCALES}
    values |= {
        "held_on": forum.held_on.isoformat(),
        "endorsement_cap": str(forum.endorsement_cap),
        "qualify_endorsements": str(forum.qualify_endorsements),
        "qualify_cohorts": str(forum.qualify_cohorts),
        "accepting": "1" if forum.accepting else "0",
        "cohorts": [str(cohort_id) for cohort_id in cohorts],
    }
    return values


NEW_FORUM = {"endorsement_cap": "10", "qualify_endorsements": "5", "qualify_cohorts": "2", "accepting": "1"}


# What the pages do ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsPage:
    forum: Forum | None  # None: a new forum
    cohorts: list[Cohort]  # those she may choose
    values: dict[str, Any]  # the form as it stands


def _choices(session: Session, principal: Principal, forum: Forum | None) -> list[Cohort]:
    """The cohorts she may bring into the forum, and those already in it (whoever brought them)."""
    options = cohort_choices(session, principal)
    if forum is not None:
        known = {c.id for c in options}
        chosen = session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohorts_of(session, forum.id))))
        options += [c for c in chosen if c.id not in known]
    return options


def settings_page(session: Session, principal: Principal, *, forum_id: int | None) -> SettingsPage:
    """The settings form: a new forum's defaults, or the forum's own settings (for its coordinators)."""
    if forum_id is None:
        return SettingsPage(None, _choices(session, principal, None), dict(NEW_FORUM))
    forum = manager_of(session, principal, forum_id).forum
    return SettingsPage(
        forum, _choices(session, principal, forum), values_of(forum, cohorts_of(session, forum.id))
    )


def save_settings(
    session: Session, principal: Principal, *, forum_id: int | None, fields: ForumFields
) -> Forum:
    """A new forum (forum_id None) or a forum's new settings; only cohorts she may choose take part."""
    forum = manager_of(session, principal, forum_id).forum if forum_id is not None else None
    allowed = {c.id for c in _choices(session, principal, forum)}
    fields.cohorts = [cohort_id for cohort_id in fields.cohorts if cohort_id in allowed]
    if not fields.cohorts:
        raise ForumInvalid("cohorts", N_("Choose at least one cohort that takes part."))
    return save(session, forum, fields, actor=accounts_service.user_of(session, principal))


@dataclass(frozen=True)
class ForumPage:
    role: ForumRole
    recommendations: list[Recommendation]
    endorsed: dict[int, bool]  # those she endorses: whether she endorses their current version
    used: int  # her endorsements counted against the cap
    resolution: Resolution | None
    theme: str
    my_cohorts: list[tuple[int, str]]  # learning in several of its cohorts: hers, to choose from
    state: str
    sort: str


def forum_page(
    session: Session, principal: Principal, *, forum_id: int, theme: str, state: str, sort: str
) -> ForumPage:
    """A forum's recommendations, filtered and ordered (suggestions: only her own, or all for staff)."""
    role = forum_for(session, principal, forum_id)
    statement = sa.select(Recommendation).where(Recommendation.forum_id == forum_id)
    if not role.staff:
        statement = statement.where(
            sa.or_(Recommendation.status != "suggested", Recommendation.author_id == principal.user_id)
        )
    theme, state = (theme if theme in THEMES else ""), (state if state in STATES else "")
    if theme:
        statement = statement.where(Recommendation.theme == theme)
    if state:
        statement = statement.where(Recommendation.status == state)
    sort = "newest" if sort == "newest" else "endorsements"
    order = Recommendation.created_at if sort == "newest" else Recommendation.endorsement_count
    listing = list(session.scalars(statement.order_by(order.desc(), Recommendation.id.desc())))
    versions = {rec.id: rec.version for rec in listing}
    endorsed = {
        rec_id: version == versions[rec_id]
        for rec_id, version in session.execute(
            sa.select(Endorsement.recommendation_id, Endorsement.version).where(
                Endorsement.user_id == principal.user_id, Endorsement.recommendation_id.in_(list(versions))
            )
        )
    }
    return ForumPage(
        role=role,
        recommendations=listing,
        endorsed=endorsed,
        used=used_endorsements(session, forum_id=forum_id, user_id=principal.user_id),
        resolution=session.scalars(
            sa.select(Resolution).where(Resolution.forum_id == forum_id)
        ).one_or_none(),
        theme=theme,
        my_cohorts=cohort_names(session, role),
        state=state,
        sort=sort,
    )
