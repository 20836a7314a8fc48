"""The webhook's durable inbox; processed updates keep the turn's replies until they are sent.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("processed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")),
    )
    op.create_index(
        "ix_inbox_pending",
        "inbox",
        ["chat_key", "update_id"],
        unique=False,
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"], unique=False)
    with op.batch_alter_table("processed_updates") as batch:
        batch.add_column(sa.Column("outcome", sa.Text(), nullable=True))
    op.create_index("ix_processed_updates_at", "processed_updates", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_processed_updates_at", table_name="processed_updates")
    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_column("outcome")
    op.drop_index("ix_inbox_processed_at", table_name="inbox")
    op.drop_index("ix_inbox_pending", table_name="inbox")
    op.drop_table("inbox")
