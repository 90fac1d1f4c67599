"""consult tables

Revision ID: consult_0001
Revises: 0001
Create Date: 2026-11-28 18:27:22.566040

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "consult_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("consult",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "consults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.String(length=36), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("question", "precheck", name="consultkind", native_enum=False),
            nullable=False,
        ),
        sa.Column("matter_code", sa.String(length=40), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("precheck", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column(
            "status",
            sa.Enum("waiting", "answered", name="consultstatus", native_enum=False),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_consults_terminal_id_terminals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consults")),
        sa.UniqueConstraint("reference", name=op.f("uq_consults_reference")),
    )
    with op.batch_alter_table("consults", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consults_status"), ["status"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("consults", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consults_status"))

    op.drop_table("consults")
