"""contacts for callbacks and their reveal audit

Revision ID: contacts_0001
Revises: 0001
Create Date: 2026-12-06 18:43:41.601792

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

# revision identifiers, used by Alembic.
revision: str = "contacts_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("contacts",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("phone_digest", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=20), nullable=False),
        sa.Column("name_masked", sa.String(length=20), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("consent_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("taken_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("erased_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("owner_kind", "owner_id", name=op.f("uq_contacts_owner_kind")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contacts_phone_digest"), ["phone_digest"], unique=False
        )

    op.create_table(
        "contact_reveals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("by_user", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_reveals_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_reveals")),
    )
    with op.batch_alter_table("contact_reveals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_reveals_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("contact_reveals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_reveals_contact_id"))
    op.drop_table("contact_reveals")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_phone_digest"))
        batch_op.drop_index(batch_op.f("ix_contacts_case_id"))
    op.drop_table("contacts")
