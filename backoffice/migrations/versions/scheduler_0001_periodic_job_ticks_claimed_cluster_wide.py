"""periodic job ticks claimed cluster-wide

Revision ID: scheduler_0001
Revises: 0001
Create Date: 2026-12-06 19:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "scheduler_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("scheduler",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "scheduler_ticks",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("next_run_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_ticks")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("scheduler_ticks")
