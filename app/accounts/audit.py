"""The audit log is append-only: database triggers refuse UPDATE and DELETE of its rows (and TRUNCATE on
PostgreSQL), whoever asks. The migration that made them (0012) carries its own copy of these statements;
tests use `unlocked` to empty the table between tests, as an operator with the database's owner rights
could (docs/security.md says so)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from app.i18n import N_

# What each recorded action means, for the log's readers (the key stays beside it: it is what the filter
# takes). A detail is kept as it was recorded: ids, slugs and numbers.
ACTIONS = {
    "2fa.enable": N_("Turned on two-step sign-in"),
    "2fa.recovery_codes": N_("Made new recovery codes"),
    "2fa.reset": N_("Reset someone's two-step sign-in"),
    "account.delete": N_("Deleted her account"),
    "certificate.revoke": N_("Revoked a certificate"),
    "cohort.create": N_("Created a cohort"),
    "cohort.import": N_("Imported a roster"),
    "cohort.move": N_("Moved a learner to another cohort"),
    "cohort.staff_add": N_("Added staff to a cohort"),
    "cohort.withdraw": N_("Withdrew a learner from a cohort"),
    "course.create": N_("Created a course"),
    "course.staff_add": N_("Added staff to a course"),
    "export.cohort": N_("Exported a cohort's figures"),
    "forum.save": N_("Saved a forum's settings"),
    "learner.view": N_("Opened a learner's timeline"),
    "media.upload": N_("Uploaded a file"),
    "recommendation.merge": N_("Merged recommendations"),
    "resolution.adopt": N_("Recorded a resolution's adoption"),
    "resolution.comments": N_("Opened or closed a draft resolution for comments"),
    "resolution.publish": N_("Published a resolution"),
    "role.grant": N_("Gave a role"),
    "role.revoke": N_("Took a role away"),
    "roster.import": N_("Imported a roster"),
    "sessions.end_all": N_("Ended all of someone's sessions"),
    "staff.sign_in": N_("Staff sign-in"),
    "user.create": N_("Created an account"),
    "user.view": N_("Opened a person's account page"),
}

REFUSAL = "audit_event is append-only"

SQLITE = [
    f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete"]

POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_refuse()",
]


def statements(dialect: str, *, create: bool) -> list[str]:
    if dialect == "sqlite":
        return SQLITE if create else SQLITE_DROP
    return POSTGRESQL if create else POSTGRESQL_DROP


@contextmanager
def unlocked(connection: sa.Connection) -> Iterator[None]:
    """The triggers lifted for the length of the block (tests' clean-up; never the application)."""
    dialect = connection.dialect.name
    for statement in statements(dialect, create=False):
        connection.execute(sa.text(statement))
    try:
        yield
    finally:
        for statement in statements(dialect, create=True):
            connection.execute(sa.text(statement))
