"""Every table of the bot, as SQLAlchemy Core. Alembic's target metadata.

Two groups share one database:
- the account domain ("Mi cuenta Aspel"): accounts, contracts, serials, resets, throttles,
  trusted chats, CDA resends and the e-mail outbox;
- the conversation side: conversations (the hot path: one row per chat), transcript events,
  flow events (the funnel), the inbox of Telegram updates, deliveries (replies as data), dead
  letters (updates whose turn kept failing), tickets (advisor handoff) and timers.
All times are stored as UTC; ``UTCDateTime`` hands them back timezone-aware on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- the account domain ---------------------------------------------------------------

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("holder_name", String(200), nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("distributor", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("product", String(16), nullable=False),
    Column("modality", String(16), nullable=False),  # Modality
    Column("periodicity", String(16)),  # Periodicity, subscriptions only
    Column("purchase", String(16)),  # Purchase, licences only
    Column("users", Integer, nullable=False),
    Column("next_validation", Date),  # the portal's "next payment", subscriptions only
    Column("cda", String(32), nullable=False),  # kept across versions of a subscription
    Column("created_at", UTCDateTime, nullable=False),
)

serials = Table(
    "serials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("serial", String(12), nullable=False, unique=True),
    Column("version", String(8), nullable=False),
    Column("activated_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # SerialStatus
    Column("usable_until", Date),  # an upgraded serial works until this day
    # The serial this one replaced by an upgrade. Unique: one upgrade per old serial, which is
    # what makes two concurrent upgrade requests yield a single new serial.
    Column("replaces_id", ForeignKey("serials.id"), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

auth_throttles = Table(
    "auth_throttles",
    metadata,
    # "trusted:<account id>:<chat>", "chat:<chat>" or "name:<sha-256 of the user name>"
    Column("key", String(120), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime),
    Column("last_failure_at", UTCDateTime),
    Column("window_started_at", UTCDateTime, index=True),
)

# The chats that logged in to an account before: trusted for it (bot.domain.throttling).
trusted_chats = Table(
    "trusted_chats",
    metadata,
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("chat", String(64), primary_key=True),
    Column("trusted_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=False),
)

cda_resends = Table(
    "cda_resends",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("serial_id", ForeignKey("serials.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_cda_resends_serial_at", "serial_id", "at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(120), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("to_addr", String(254), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),  # lease of the relay that is sending it
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_outbox_pending", "sent_at", "next_attempt_at"),
)

# --- the conversation side ------------------------------------------------------------

conversations = Table(
    "conversations",
    metadata,
    Column("chat_id", String(64), primary_key=True),  # "<channel>:<chat>", e.g. "tg:123"
    Column("state", String(40), nullable=False),
    Column("state_version", Integer, nullable=False, default=1),
    Column("slots", Text, nullable=False, default="{}"),  # small JSON; never a password
    Column("account_id", Integer),
    Column("turn", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),  # inactivity deadline of a logged-in session
    # The chat's screen, as the reply sender last left it (written by its marks, never by a
    # turn): the message carrying the live keyboard, and whether that message holds a result
    # the customer keeps (an edit must not overwrite it).
    Column("screen_message_id", BigInteger),
    Column("screen_sticky", Boolean),
    Index("ix_conversations_expires_at", "expires_at"),
)

transcript_events = Table(
    "transcript_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("who", String(10), nullable=False),  # cliente | bot | asesor | sistema
    Column("kind", String(12), nullable=False),  # text | button | command | secret | file
    Column("text", Text, nullable=False),
    Column("button", String(64)),
    Column("state", String(40)),
    Index("ix_transcript_chat", "chat_id", "id"),
)

flow_events = Table(
    "flow_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("journey", String(24)),
    Column("product", String(16)),
    Column("from_state", String(40), nullable=False),
    Column("to_state", String(40), nullable=False),
    Column("trigger", String(40), nullable=False),
    Index("ix_flow_events_at", "at"),
    Index("ix_flow_events_chat", "chat_id", "id"),
)

# The durable inbox: every update Telegram delivered (webhook or polling), stored before it is
# acknowledged. The payload is encrypted (``bot.storage.sealed``); a processed row loses it and
# stays for dedupe. The turn marks its update done in its own transaction.
inbox = Table(
    "inbox",
    metadata,
    Column("update_id", BigInteger, primary_key=True),
    Column("chat_key", String(64), nullable=False),  # "tg:<chat id>": the unit of ordering
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime),
    Column("result", String(16)),  # done | failed
    Index(
        "ix_inbox_pending",
        "chat_key",
        "update_id",
        postgresql_where=Column("processed_at").is_(None),
        sqlite_where=Column("processed_at").is_(None),
    ),
    Index("ix_inbox_processed_at", "processed_at"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", String(64), nullable=False, index=True),
    Column("account_id", Integer),
    Column("username", String(64)),
    Column("product", String(16)),
    Column("serial", String(12)),
    Column("step", String(40), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("status", String(12), nullable=False),  # open | closed
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("support_message_id", BigInteger),
    # One open ticket per chat, whatever the clock says.
    Index(
        "uq_tickets_open_chat",
        "chat_id",
        unique=True,
        postgresql_where=Column("status") == "open",
        sqlite_where=Column("status") == "open",
    ),
)

# Replies as data: every Telegram call a turn asks for (a screen, a message, a deletion, a
# document for the advisors), written in the turn's transaction and sent by the reply sender in
# (chat_id, seq) order; marked sent once Telegram accepted it, parked when it keeps failing.
deliveries = Table(
    "deliveries",
    metadata,
    Column("chat_id", String(64), primary_key=True),  # the conversation whose order it follows
    Column("seq", BigInteger, primary_key=True),  # the turn's number * 64 + its place in it
    Column("op", String(12), nullable=False),  # screen | send | delete | document
    Column("body", Text, nullable=False),  # JSON
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("parked_at", UTCDateTime),
    Column("last_error", String(300)),
    Column("message_id", BigInteger),  # Telegram's id of the message it made or changed
    Index(
        "ix_deliveries_pending",
        "next_attempt_at",
        postgresql_where=Column("sent_at").is_(None) & Column("parked_at").is_(None),
        sqlite_where=Column("sent_at").is_(None) & Column("parked_at").is_(None),
    ),
    Index("ix_deliveries_created_at", "created_at"),
)

# Updates whose turn kept failing: kept (payload sealed) for support to look at and retry.
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("update_id", BigInteger, primary_key=True),
    Column("chat_key", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("reason", String(300), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
    Column("retried_at", UTCDateTime),
)

timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(24), nullable=False),  # inactivity | handoff_reminder
    Column("chat_id", String(64), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("fired_at", UTCDateTime),
    Column("claimed_until", UTCDateTime),
    UniqueConstraint("kind", "chat_id"),
    Index("ix_timers_due", "fired_at", "due_at"),
)
