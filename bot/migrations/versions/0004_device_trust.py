"""Device trust for logins: the chats trusted per account, and windowed failure counters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trusted_chats",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("chat", sa.String(length=64), nullable=False),
        sa.Column("trusted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_trusted_chats_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "chat", name=op.f("pk_trusted_chats")),
    )
    # The old counters (per account and per chat, consecutive failures) mean nothing to the
    # windowed rules: they are dropped, and counting starts afresh.
    op.execute("DELETE FROM auth_throttles")
    with op.batch_alter_table("auth_throttles") as batch:
        batch.add_column(sa.Column("window_started_at", sa.DateTime(timezone=True)))
        batch.create_index(
            op.f("ix_auth_throttles_window_started_at"), ["window_started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_throttles") as batch:
        batch.drop_index(op.f("ix_auth_throttles_window_started_at"))
        batch.drop_column("window_started_at")
    op.drop_table("trusted_chats")
