"""delivery alerts and each subscription's run of failed attempts

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-12-06 15:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

revision: str = "notify_0002"
down_revision: str | Sequence[str] | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notify_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "notify_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("opened_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["notify_subscriptions.id"],
            name=op.f("fk_notify_alerts_subscription_id_notify_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_alerts")),
    )
    with op.batch_alter_table("notify_alerts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notify_alerts_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notify_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_alerts_subscription_id"))
    op.drop_table("notify_alerts")
    with op.batch_alter_table("notify_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("consecutive_failures")
