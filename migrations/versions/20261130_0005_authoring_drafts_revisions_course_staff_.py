"""authoring: drafts, revisions, course staff and media, published_at, translation source hashes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:31:30.988120+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("added_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_media_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_course_media_media_id_media"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_media")),
        sa.UniqueConstraint("course_id", "name", name=op.f("uq_course_media_course_id_name")),
    )
    with op.batch_alter_table("course_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_media_course_id"), ["course_id"], unique=False)

    op.create_table(
        "course_staff",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("added_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_staff_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_course_staff_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "user_id", name=op.f("pk_course_staff")),
    )
    with op.batch_alter_table("course_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_staff_user_id"), ["user_id"], unique=False)

    op.create_table(
        "lesson_draft",
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_label", sa.String(length=80), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lesson.id"], name=op.f("fk_lesson_draft_lesson_id_lesson"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_lesson_draft_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("lesson_id", name=op.f("pk_lesson_draft")),
    )
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_label", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_revision_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lesson.id"], name=op.f("fk_revision_lesson_id_lesson"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
        sa.UniqueConstraint("lesson_id", "number", name=op.f("uq_revision_lesson_id_number")),
    )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revision_lesson_id"), ["lesson_id"], unique=False)

    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", app.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("lesson", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", app.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("lesson_translation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_hash", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("lesson_translation", schema=None) as batch_op:
        batch_op.alter_column("source_hash", server_default=None)

    # What existed before drafts was all published.
    op.execute("UPDATE course SET published_at = created_at")
    op.execute("UPDATE lesson SET published_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("lesson_translation", schema=None) as batch_op:
        batch_op.drop_column("source_hash")

    with op.batch_alter_table("lesson", schema=None) as batch_op:
        batch_op.drop_column("published_at")

    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_column("published_at")

    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revision_lesson_id"))

    op.drop_table("revision")
    op.drop_table("lesson_draft")
    with op.batch_alter_table("course_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_staff_user_id"))

    op.drop_table("course_staff")
    with op.batch_alter_table("course_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_media_course_id"))

    op.drop_table("course_media")
