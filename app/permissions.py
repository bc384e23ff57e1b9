"""Roles and what each may do: the one place that says so.

Routes ask for a capability (`Depends(require(Capability.MANAGE_ROLES))`), never for a role, so a
change of policy is a change here. Object-level rules (a coordinator sees only the cohorts she runs)
live in the domain's own dependencies, on top of the capability.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from app.i18n import N_


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.LEARNER: N_("Learner"),
    Role.TRAINER: N_("Trainer"),
    Role.COORDINATOR: N_("Coordinator"),
    Role.ADMIN: N_("Administrator"),
}


class Capability(StrEnum):
    LEARN = "learn"  # enrol, study, take quizzes
    DISCUSS = "discuss"  # post in threads, flag, endorse
    AUTHOR_COURSES = "author_courses"  # edit courses they own or are assigned to
    AUTHOR_ANY_COURSE = "author_any_course"
    MODERATE = "moderate"  # the moderation queue, lock, pin, mute
    RUN_COHORTS = "run_cohorts"  # create cohorts, rosters, invitations
    VIEW_COHORTS = "view_cohorts"  # the reports of the cohorts one belongs to as staff
    SEE_ALL_COHORTS = "see_all_cohorts"
    REVIEW_RECOMMENDATIONS = "review_recommendations"
    MANAGE_FORUMS = "manage_forums"  # forums, resolutions, monitoring
    MANAGE_USERS = "manage_users"  # list users, grant and remove roles
    VIEW_AUDIT_LOG = "view_audit_log"
    REVOKE_CERTIFICATES = "revoke_certificates"


_LEARNER = {Capability.LEARN, Capability.DISCUSS}
_TRAINER = _LEARNER | {
    Capability.AUTHOR_COURSES,
    Capability.MODERATE,
    Capability.REVIEW_RECOMMENDATIONS,
    Capability.VIEW_COHORTS,
}
_COORDINATOR = _LEARNER | {
    Capability.RUN_COHORTS,
    Capability.VIEW_COHORTS,
    Capability.MODERATE,
    Capability.REVIEW_RECOMMENDATIONS,
    Capability.MANAGE_FORUMS,
}

ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.LEARNER: frozenset(_LEARNER),
    Role.TRAINER: frozenset(_TRAINER),
    Role.COORDINATOR: frozenset(_COORDINATOR),
    Role.ADMIN: frozenset(Capability),
}


def capabilities_of(roles: frozenset[str] | set[str]) -> frozenset[Capability]:
    return _capabilities(frozenset(roles))


@lru_cache(maxsize=64)
def _capabilities(roles: frozenset[str]) -> frozenset[Capability]:
    granted: set[Capability] = set()
    for name in roles:
        try:
            granted |= ROLE_CAPABILITIES[Role(name)]
        except ValueError:
            continue  # a role this version does not know grants nothing
    return frozenset(granted)


# Staff: any role beyond learning. A staff capability is one a learner does not have; a route that asks
# for one opens only after two-step sign-in (app.web.access).
STAFF_ROLES = frozenset({Role.TRAINER, Role.COORDINATOR, Role.ADMIN})
LEARNER_CAPABILITIES = ROLE_CAPABILITIES[Role.LEARNER]


def is_staff(roles: frozenset[str] | set[str]) -> bool:
    return bool(STAFF_ROLES & set(roles))


def granted(
    roles: frozenset[str], *, second_factor: bool, second_factor_required: bool
) -> frozenset[Capability]:
    """What she may do now: a staff member without two-step sign-in (where it is required) has only a
    learner's capabilities until she sets it up, whatever a page checks in its code."""
    if second_factor_required and not second_factor and is_staff(roles):
        return capabilities_of(roles) & LEARNER_CAPABILITIES
    return capabilities_of(roles)
