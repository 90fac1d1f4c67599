"""camera visit leases

Revision ID: vision_0003
Revises: vision_0002
Create Date: 2026-12-06 19:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "vision_0003"
down_revision: str | Sequence[str] | None = "vision_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("vision_cameras", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_token", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("lease_until", backoffice.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("vision_cameras", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_token")
