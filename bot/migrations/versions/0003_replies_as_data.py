"""Replies as data: deliveries, dead letters, the chat's screen, one open ticket per chat.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("sent_at IS NULL AND parked_at IS NULL")
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("op", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("chat_id", "seq", name=op.f("pk_deliveries")),
    )
    op.create_index(
        "ix_deliveries_pending",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index("ix_deliveries_created_at", "deliveries", ["created_at"])
    op.create_table(
        "dead_letters",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retried_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_dead_letters")),
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("screen_message_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("screen_sticky", sa.Boolean(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_tickets_chat_id", type_="unique")
    # Only the newest open ticket of a chat stays open (an older release could open two).
    op.execute(
        "UPDATE tickets SET status = 'closed' WHERE status = 'open' AND id NOT IN "
        "(SELECT MAX(id) FROM tickets WHERE status = 'open' GROUP BY chat_id)"
    )
    op.create_index(
        "uq_tickets_open_chat",
        "tickets",
        ["chat_id"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.drop_index("ix_processed_updates_at", table_name="processed_updates")
    op.drop_table("processed_updates")


def downgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index("ix_processed_updates_at", "processed_updates", ["at"])
    op.drop_index("uq_tickets_open_chat", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.create_unique_constraint("uq_tickets_chat_id", ["chat_id", "opened_at"])
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("screen_sticky")
        batch.drop_column("screen_message_id")
    op.drop_table("dead_letters")
    op.drop_index("ix_deliveries_created_at", table_name="deliveries")
    op.drop_index("ix_deliveries_pending", table_name="deliveries")
    op.drop_table("deliveries")
