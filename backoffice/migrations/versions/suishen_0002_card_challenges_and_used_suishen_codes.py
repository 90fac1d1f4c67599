"""card challenges and used Suishen codes

Revision ID: suishen_0002
Revises: suishen_0001
Create Date: 2026-12-06 15:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "suishen_0002"
down_revision: str | Sequence[str] | None = "suishen_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "card_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.String(length=32), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_card_challenges_terminal_id_terminals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_challenges")),
        sa.UniqueConstraint("challenge", name=op.f("uq_card_challenges_challenge")),
    )
    with op.batch_alter_table("card_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_card_challenges_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "suishen_used_codes",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.Integer(), nullable=False),
        sa.Column("used_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_suishen_used_codes_terminal_id_terminals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_suishen_used_codes")),
    )
    with op.batch_alter_table("suishen_used_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suishen_used_codes_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("suishen_used_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suishen_used_codes_expires_at"))
    op.drop_table("suishen_used_codes")
    with op.batch_alter_table("card_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_challenges_expires_at"))
    op.drop_table("card_challenges")
