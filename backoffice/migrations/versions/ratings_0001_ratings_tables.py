"""ratings tables

Revision ID: ratings_0001
Revises: 0001
Create Date: 2026-11-28 18:27:09.783631

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "ratings_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("ratings",)
depends_on: str | Sequence[str] | None = "visits_0001"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("terminal_kind", sa.String(length=20), nullable=False),
        sa.Column("matter_code", sa.String(length=40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_ratings_level_1_to_5")),
        sa.ForeignKeyConstraint(
            ["terminal_id"], ["terminals.id"], name=op.f("fk_ratings_terminal_id_terminals")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_ratings_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ratings_idempotency_key")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_ratings_visit_id")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratings_matter_code"), ["matter_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratings_terminal_id"), ["terminal_id"], unique=False)

    op.create_table(
        "rating_rectifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "called_back",
                "appealed",
                "excluded",
                "closed",
                name="rectificationstatus",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("deadline", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("callback_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("callback_by", sa.String(length=64), nullable=True),
        sa.Column("callback_note", sa.Text(), nullable=True),
        sa.Column("resident_satisfied", sa.Boolean(), nullable=True),
        sa.Column("appeal_reason", sa.Text(), nullable=True),
        sa.Column("appeal_by", sa.String(length=64), nullable=True),
        sa.Column("appeal_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appeal_decision", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_on_time", sa.Boolean(), nullable=True),
        sa.Column("opened_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["ratings.id"], name=op.f("fk_rating_rectifications_rating_id_ratings")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["responsible_units.id"],
            name=op.f("fk_rating_rectifications_unit_id_responsible_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_rectifications")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_rating_rectifications_rating_id")),
    )
    with op.batch_alter_table("rating_rectifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rating_rectifications_unit_id"), ["unit_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("rating_rectifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_rectifications_unit_id"))

    op.drop_table("rating_rectifications")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_terminal_id"))
        batch_op.drop_index(batch_op.f("ix_ratings_matter_code"))
        batch_op.drop_index(batch_op.f("ix_ratings_created_at"))

    op.drop_table("ratings")
