"""sign-in counters, the access audit, the channel of each sign-in attempt

Revision ID: identity_0001
Revises: 0001
Create Date: 2026-12-06 16:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "identity_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("identity",)
# The login audit's table is created by the pages' branch.
depends_on: str | Sequence[str] | None = ("web_0001",)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "signin_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_signin_counters")),
    )
    with op.batch_alter_table("signin_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signin_counters_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_audit")),
    )
    with op.batch_alter_table("access_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_audit_at"), ["at"], unique=False)
    with op.batch_alter_table("web_login_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="page")
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("web_login_attempts", schema=None) as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("access_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_audit_at"))
    op.drop_table("access_audit")
    with op.batch_alter_table("signin_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signin_counters_expires_at"))
    op.drop_table("signin_counters")
