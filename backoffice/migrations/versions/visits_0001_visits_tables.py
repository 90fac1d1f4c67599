"""visits tables

Revision ID: visits_0001
Revises: 0001
Create Date: 2026-11-28 18:27:14.800850

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "visits_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("visits",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "finished",
                "cancelled",
                "timed_out",
                "card_removed",
                name="visitoutcome",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("matters", sa.JSON(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("elder_mode", sa.Boolean(), nullable=False),
        sa.Column("identified_by", sa.String(length=10), nullable=True),
        sa.Column("received_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_visits_terminal_id_terminals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_terminal_id"), ["terminal_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_terminal_id"))
        batch_op.drop_index(batch_op.f("ix_visits_received_at"))

    op.drop_table("visits")
