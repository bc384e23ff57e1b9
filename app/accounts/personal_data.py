"""A person's own data: all of it as one JSON document, and the deletion of her account.

Both walk the schema instead of a list kept by hand, so that a table added later is covered at once:
every column that points at `user_account` marks rows that are hers. The export gives those rows as
they are stored, less the secrets (password and token hashes). Deletion relies on what each of those
columns says in the schema: her own records go with her (ON DELETE CASCADE: enrolments, progress,
notes, sessions, endorsements, subscriptions, ...), and what she gave to others stays without her name
(ON DELETE SET NULL: posts and threads read "a former participant", recommendations, revisions). Her
certificates go too, since they print her name, and every label that copied her display name (the audit
log, revision histories) is overwritten. In the export, threads, posts and cohorts are named by their
public ids (app/refs.py) as her pages name them, she by her public id, and other people (a moderator,
a trainer who suggested) not at all. tests/accounts/test_personal_data.py checks that no column
pointing at a person lacks an ON DELETE rule and that every copied name is listed below.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import refs
from app.accounts import service as accounts_service
from app.accounts.exceptions import LastAdmin
from app.accounts.models import UserRole
from app.db import Base, utcnow
from app.permissions import Role

PUBLIC_ID_TABLES = frozenset({"thread", "post", "cohort"})  # named by public ids in URLs (app/refs.py)
SECRETS = frozenset({"password_hash", "token_hash", "secret", "code_hash"})  # her 2FA seed stays here
FORMAT = "civic-space-academy/personal-data/1"
DELETED = "a deleted account"  # what a label that named her says afterwards (staff pages only)

# Columns that copy a person's display name at the time, beside the column that points at her.
LABELS: dict[tuple[str, str], str] = {
    ("lesson_draft", "updated_by_id"): "updated_by_label",
    ("resolution_revision", "author_id"): "author_label",
    ("revision", "author_id"): "author_label",
}


def person_columns() -> dict[sa.Table, list[sa.Column[Any]]]:
    """Every table with a column that points at a person, and those columns."""
    people = Base.metadata.tables["user_account"]
    found: dict[sa.Table, list[sa.Column[Any]]] = defaultdict(list)
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is people:
                found[table].append(key.parent)
    return dict(found)


def export(session: Session, *, user_id: int) -> dict[str, Any]:
    """Everything kept about her: her account, and each row of every table that points at her."""
    people = Base.metadata.tables["user_account"]
    account = session.execute(sa.select(people).where(people.c.id == user_id)).mappings().one()
    me = Naming(user_id, account["public_id"])
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, columns in sorted(person_columns().items(), key=lambda item: item[0].name):
        statement = sa.select(table).where(sa.or_(*(column == user_id for column in columns)))
        statement = statement.order_by(*table.primary_key.columns)
        kinds = _kinds(table)
        rows = [me.named(_plain(row), kinds) for row in session.execute(statement).mappings()]
        if rows:
            tables[table.name] = rows
    # The audit log names her by her pseudonymous id, not by a foreign key: what was done by her or to her.
    audit = Base.metadata.tables["audit_event"]
    mine = sa.or_(audit.c.actor_ref == account["public_id"], audit.c.target_ref == account["public_id"])
    logged = [
        _plain(row) for row in session.execute(sa.select(audit).where(mine).order_by(audit.c.id)).mappings()
    ]
    if logged:
        tables["audit_event"] = logged
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "account": {key: value for key, value in _plain(account).items() if key != "id"},
        "records": tables,
    }


def _kinds(table: sa.Table) -> dict[str, str]:
    """Its columns that name a thread, post or cohort ("ref") or a person ("person")."""
    kinds = {}
    for column in table.columns:
        if column.primary_key and table.name in PUBLIC_ID_TABLES:
            kinds[column.name] = "ref"
        for key in column.foreign_keys:
            target = key.column.table.name
            if target in PUBLIC_ID_TABLES:
                kinds[column.name] = "ref"
            elif target == "user_account":
                kinds[column.name] = "person"
    return kinds


class Naming:
    """Row numbers as her pages show them: public ids; she by hers; others by no one's."""

    def __init__(self, user_id: int, public_id: str | None) -> None:
        self.user_id, self.public_id = user_id, public_id

    def named(self, row: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
        for name, kind in kinds.items():
            value = row.get(name)
            if value is None:
                continue
            if kind == "ref":
                row[name] = refs.encode(value)
            else:
                row[name] = self.public_id if value == self.user_id else None
        return row


def _plain(row: Any) -> dict[str, Any]:
    return {key: _value(value) for key, value in row.items() if key not in SECRETS}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def delete_account(session: Session, *, user_id: int) -> None:
    """Delete her account as described above; the last administrator cannot (409). The caller commits."""
    is_admin = session.scalar(
        sa.select(sa.func.count())
        .select_from(UserRole)
        .where(UserRole.user_id == user_id, UserRole.role == Role.ADMIN)
    )
    if is_admin and accounts_service.count_admins(session) <= 1:
        raise LastAdmin()
    tables = Base.metadata.tables
    public_id = session.scalar(
        sa.select(tables["user_account"].c.public_id).where(tables["user_account"].c.id == user_id)
    )
    for (table_name, column), label in LABELS.items():
        table = tables[table_name]
        session.execute(sa.update(table).where(table.c[column] == user_id).values({label: DELETED}))
    certificates = tables["certificate"]
    session.execute(sa.delete(certificates).where(certificates.c.user_id == user_id))
    people = tables["user_account"]
    # The schema's ON DELETE rules do the rest (see the module's docstring).
    session.execute(sa.delete(people).where(people.c.id == user_id))
    # The audit log names her by her pseudonymous id and is not changed (it cannot be): from now on
    # that id names no one, and the log shows "a deleted account".
    audit = tables["audit_event"]
    session.execute(
        sa.insert(audit).values(created_at=utcnow(), actor_ref=public_id, action="account.delete", detail="")
    )
