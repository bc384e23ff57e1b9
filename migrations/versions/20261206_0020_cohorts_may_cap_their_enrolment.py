"""cohorts may cap their enrolment: at most `max_learners` active learners (empty: no limit, as every
cohort had before)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (others' keys point at the cohort table: no batch copy on SQLite).
    op.add_column("cohort", sa.Column("max_learners", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cohort") as batch:
        batch.drop_column("max_learners")
