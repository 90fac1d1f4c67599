"""medical tables

Revision ID: medical_0001
Revises: 0001
Create Date: 2026-11-28 18:27:18.891601

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "medical_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("medical",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "medical_booklet_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("printed_through_seq", sa.Integer(), nullable=False),
        sa.Column("next_page", sa.Integer(), nullable=False),
        sa.Column("next_line", sa.Integer(), nullable=False),
        sa.Column("updated_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_booklet_progress")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_medical_booklet_progress_id_hash")),
    )
    op.create_table(
        "medical_print_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("through_seq", sa.Integer(), nullable=False),
        sa.Column("last_page", sa.Integer(), nullable=False),
        sa.Column("last_line", sa.Integer(), nullable=False),
        sa.Column("at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_medical_print_confirmations_terminal_id_terminals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_print_confirmations")),
    )
    with op.batch_alter_table("medical_print_confirmations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_medical_print_confirmations_id_hash"), ["id_hash"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("medical_print_confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medical_print_confirmations_id_hash"))

    op.drop_table("medical_print_confirmations")
    op.drop_table("medical_booklet_progress")
