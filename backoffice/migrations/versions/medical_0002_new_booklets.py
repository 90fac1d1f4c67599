"""new booklets: the booklet a person prints into, and each new one registered

Revision ID: medical_0002
Revises: medical_0001
Create Date: 2026-12-06 19:01:32.055690

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "medical_0002"
down_revision: str | Sequence[str] | None = "medical_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "medical_new_booklets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_after_seq", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("counter", "upstream", name="bookletsource", native_enum=False),
            nullable=False,
        ),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.Column("registered_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_new_booklets")),
    )
    with op.batch_alter_table("medical_new_booklets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_medical_new_booklets_id_hash"), ["id_hash"], unique=False
        )

    with op.batch_alter_table("medical_booklet_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booklet_serial", sa.String(length=40), nullable=True))
        # Rows of people printing already: their first booklet.
        batch_op.add_column(
            sa.Column("booklet_number", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("medical_booklet_progress", schema=None) as batch_op:
        batch_op.drop_column("booklet_number")
        batch_op.drop_column("booklet_serial")

    with op.batch_alter_table("medical_new_booklets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medical_new_booklets_id_hash"))

    op.drop_table("medical_new_booklets")
