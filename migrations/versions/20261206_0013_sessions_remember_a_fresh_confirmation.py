"""sessions remember when she last confirmed her password (or code), for participant exports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user_session", sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_session") as batch:
        batch.drop_column("confirmed_at")
