"""media_blob: course media kept in the database too (ACADEMY_MEDIA_STORE=database), so that every host
behind a load balancer serves what any of them was given

Empty until that setting is used: files already in a host's data_dir/media stay there (docs/deploy.md
says how to copy them in when moving from one host to several).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 21:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_media_blob")),
    )


def downgrade() -> None:
    op.drop_table("media_blob")
