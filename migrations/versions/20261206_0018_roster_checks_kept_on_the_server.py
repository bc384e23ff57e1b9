"""roster checks: a dry run's file kept on the server (an hour at most) for the import that confirms it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roster_check",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(length=10), nullable=False),
        sa.Column("delimiter", sa.String(length=2), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_roster_check_cohort_id_cohort"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_roster_check_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_check")),
    )
    op.create_index(op.f("ix_roster_check_user_id"), "roster_check", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_roster_check_user_id"), table_name="roster_check")
    op.drop_table("roster_check")
