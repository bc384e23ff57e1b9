"""glossary: the terms of every course in three languages

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:24:21.647403+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "glossary_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("en", sa.String(length=120), nullable=False),
        sa.Column("ru", sa.String(length=120), nullable=False),
        sa.Column("ky", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("avoid", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_glossary_term")),
        sa.UniqueConstraint("key", name=op.f("uq_glossary_term_key")),
    )


def downgrade() -> None:
    op.drop_table("glossary_term")
