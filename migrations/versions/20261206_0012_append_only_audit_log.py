"""an append-only audit log that names people by a pseudonymous id

Every account gets a stable `public_id`; the audit log names actor and target by it (no copy of a name,
no foreign key that a deleted account would rewrite), and triggers refuse UPDATE and DELETE of its rows.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 16:00:00+00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_event is append-only"
SQLITE = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
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


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # A plain ADD COLUMN (no batch copy of user_account, which other tables point at).
    op.add_column("user_account", sa.Column("public_id", sa.String(length=16), nullable=True))
    people = sa.table("user_account", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    for (user_id,) in bind.execute(sa.select(people.c.id)).all():
        bind.execute(sa.update(people).where(people.c.id == user_id).values(public_id=secrets.token_hex(6)))
    op.create_index(op.f("ix_user_account_public_id"), "user_account", ["public_id"], unique=True)

    op.add_column("audit_event", sa.Column("actor_ref", sa.String(length=16), nullable=True))
    op.add_column("audit_event", sa.Column("target_ref", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE audit_event SET "
        "actor_ref = (SELECT public_id FROM user_account WHERE user_account.id = audit_event.actor_id), "
        "target_ref = (SELECT public_id FROM user_account WHERE user_account.id = audit_event.target_user_id)"
    )
    # A person deleted before now left NULL behind: name her "deleted" (an id no account has, shown as
    # "a deleted account"), so that she is not taken for the command line.
    op.execute(
        "UPDATE audit_event SET actor_ref = 'deleted' "
        "WHERE actor_ref IS NULL AND actor_label <> 'command line'"
    )
    op.execute(
        "UPDATE audit_event SET target_ref = 'deleted' WHERE target_ref IS NULL AND target_label IS NOT NULL"
    )
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index("ix_audit_event_target_user_id")
        if not sqlite:
            batch.drop_constraint("fk_audit_event_actor_id_user_account", type_="foreignkey")
            batch.drop_constraint("fk_audit_event_target_user_id_user_account", type_="foreignkey")
        batch.drop_column("actor_id")
        batch.drop_column("target_user_id")
        batch.drop_column("actor_label")
        batch.drop_column("target_label")
        batch.create_index(batch.f("ix_audit_event_actor_ref"), ["actor_ref"])
        batch.create_index(batch.f("ix_audit_event_target_ref"), ["target_ref"])
    _run(SQLITE if sqlite else POSTGRESQL)


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    _run(SQLITE_DROP if sqlite else POSTGRESQL_DROP)
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("target_user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("actor_label", sa.String(length=80), nullable=False, server_default=""))
        batch.add_column(sa.Column("target_label", sa.String(length=80), nullable=True))
    op.execute(
        "UPDATE audit_event SET "
        "actor_id = (SELECT id FROM user_account WHERE user_account.public_id = audit_event.actor_ref), "
        "target_user_id = "
        "(SELECT id FROM user_account WHERE user_account.public_id = audit_event.target_ref), "
        "actor_label = COALESCE((SELECT display_name FROM user_account "
        "WHERE user_account.public_id = audit_event.actor_ref), "
        "CASE WHEN actor_ref IS NULL THEN 'command line' ELSE 'a deleted account' END), "
        "target_label = "
        "(SELECT display_name FROM user_account WHERE user_account.public_id = audit_event.target_ref)"
    )
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_index(batch.f("ix_audit_event_actor_ref"))
        batch.drop_index(batch.f("ix_audit_event_target_ref"))
        batch.drop_column("actor_ref")
        batch.drop_column("target_ref")
        batch.create_foreign_key(
            batch.f("fk_audit_event_actor_id_user_account"),
            "user_account",
            ["actor_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            batch.f("fk_audit_event_target_user_id_user_account"),
            "user_account",
            ["target_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(batch.f("ix_audit_event_target_user_id"), ["target_user_id"])
    op.drop_index(op.f("ix_user_account_public_id"), table_name="user_account")
    if sqlite:
        op.execute("ALTER TABLE user_account DROP COLUMN public_id")  # natively: no copy of the table
    else:
        op.drop_column("user_account", "public_id")
