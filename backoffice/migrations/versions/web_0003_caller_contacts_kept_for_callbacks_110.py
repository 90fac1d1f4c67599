"""callers' contacts kept for callbacks, 110 incident numbers and feedback

Revision ID: web_0003
Revises: web_0002
Create Date: 2026-12-06 19:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "web_0003"
down_revision: str | Sequence[str] | None = "web_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "contacts_0001"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("web_caller_contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_web_caller_contacts_contact_id_contacts"),
            "contacts",
            ["contact_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "web_police_calls",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("incident_number", sa.String(length=40), nullable=False),
        sa.Column("taken_by", sa.String(length=64), nullable=False),
        sa.Column("at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_web_police_calls")),
    )
    with op.batch_alter_table("web_police_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_police_calls_incident_number"), ["incident_number"], unique=False
        )
    op.create_table(
        "web_police_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("incident_number", sa.String(length=40), nullable=False),
        sa.Column("case_state", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_police_feedback")),
    )
    with op.batch_alter_table("web_police_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_police_feedback_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("web_police_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_police_feedback_case_id"))
    op.drop_table("web_police_feedback")
    with op.batch_alter_table("web_police_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_police_calls_incident_number"))
    op.drop_table("web_police_calls")
    with op.batch_alter_table("web_caller_contacts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_web_caller_contacts_contact_id_contacts"), type_="foreignkey"
        )
        batch_op.drop_column("contact_id")
