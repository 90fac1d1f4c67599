"""rating channel (kiosk, counter, home visit), counter and staff

Revision ID: ratings_0002
Revises: ratings_0001
Create Date: 2026-12-06 18:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "ratings_0002"
down_revision: str | Sequence[str] | None = "ratings_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum("kiosk", "counter", "home_visit", name="ratingchannel", native_enum=False),
                nullable=False,
                server_default="kiosk",  # every rating so far was made at a kiosk
            )
        )
        batch_op.add_column(sa.Column("counter", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("staff_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("staff_name", sa.String(length=64), nullable=True))
        batch_op.alter_column("visit_id", existing_type=sa.String(length=36), nullable=True)
        batch_op.alter_column("terminal_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("terminal_kind", existing_type=sa.String(length=20), nullable=True)
        batch_op.create_index(batch_op.f("ix_ratings_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratings_staff_code"), ["staff_code"], unique=False)
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.alter_column("channel", server_default=None)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_staff_code"))
        batch_op.drop_index(batch_op.f("ix_ratings_channel"))
        batch_op.alter_column("terminal_kind", existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column("terminal_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("visit_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column("staff_name")
        batch_op.drop_column("staff_code")
        batch_op.drop_column("counter")
        batch_op.drop_column("channel")
