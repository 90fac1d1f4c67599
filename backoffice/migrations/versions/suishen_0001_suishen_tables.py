"""suishen tables

Revision ID: suishen_0001
Revises: 0001
Create Date: 2026-11-28 18:27:09.783631

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "suishen_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("suishen",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "identifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column(
            "proof", sa.Enum("card", "suishen", name="proof", native_enum=False), nullable=False
        ),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("masked_id", sa.String(length=18), nullable=True),
        sa.Column("masked_name", sa.String(length=40), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_identifications_terminal_id_terminals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifications")),
        sa.UniqueConstraint("digest", name=op.f("uq_identifications_digest")),
    )
    with op.batch_alter_table("identifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identifications_id_hash"), ["id_hash"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("identifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identifications_id_hash"))

    op.drop_table("identifications")
