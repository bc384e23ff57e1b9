"""endorsements remember the version of the text they were given to; a recommendation counts those of
earlier versions apart (they wait for a one-click re-confirmation and do not count towards review)

Endorsements given before this revision count for the recommendation's current version, as they did.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (others' keys point at both tables: no batch copy on SQLite).
    op.add_column("endorsement", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column(
        "recommendation", sa.Column("earlier_count", sa.Integer(), server_default="0", nullable=False)
    )
    endorsement = sa.table("endorsement", sa.column("recommendation_id"), sa.column("version"))
    recommendation = sa.table("recommendation", sa.column("id"), sa.column("version"))
    op.execute(
        sa.update(endorsement).values(
            version=sa.select(recommendation.c.version)
            .where(recommendation.c.id == endorsement.c.recommendation_id)
            .scalar_subquery()
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("recommendation") as batch:
        batch.drop_column("earlier_count")
    with op.batch_alter_table("endorsement") as batch:
        batch.drop_column("version")
