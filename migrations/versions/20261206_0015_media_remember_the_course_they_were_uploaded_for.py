"""media remember whether they were uploaded and for which course: a file replaced in an unpublished
course's library stays its staff's instead of becoming public

Files in a course's library today were uploaded for it (files from courses/ enter no library): they are
marked as uploads, for the first course whose library holds them. A file already replaced before this
revision cannot be told from a file of courses/ and stays public, as it was.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 18:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, never a batch copy of the table (others' keys point at it). No foreign key on
    # uploaded_for_id (Alembic would copy an SQLite table to add one): a deleted course's uploads stay
    # unreachable, which is what a key with ON DELETE SET NULL would not have given.
    op.add_column("media", sa.Column("uploaded", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("media", sa.Column("uploaded_for_id", sa.Integer(), nullable=True))
    media = sa.table("media", sa.column("id"), sa.column("uploaded"), sa.column("uploaded_for_id"))
    library = sa.table("course_media", sa.column("course_id"), sa.column("media_id"))
    first_course = (
        sa.select(sa.func.min(library.c.course_id)).where(library.c.media_id == media.c.id).scalar_subquery()
    )
    op.execute(
        sa.update(media)
        .where(sa.exists().where(library.c.media_id == media.c.id))
        .values(uploaded=True, uploaded_for_id=first_course)
    )


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_column("uploaded_for_id")
        batch.drop_column("uploaded")
