"""The store's tables, SQLAlchemy Core ``Table``s on one :data:`metadata`: executors, their
journal and logs, intents, held positions, controllers, workers, stop requests and the schema
version.

Fields we own carry no prefix; nothing here mirrors a venue's own records. A column's
``default`` is filled in by SQLAlchemy when an insert leaves the column out: it is not part of
the DDL that ``create_all`` emits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from lpexec.core.store.types import Money, UtcDateTime

__all__ = [
    "DEFAULT_ACCOUNT",
    "SCHEMA_VERSION",
    "IntentStatus",
    "controller_hosts_table",
    "controller_leases_table",
    "controllers_table",
    "executor_logs_table",
    "executors_table",
    "held_positions_table",
    "intents_table",
    "journal_table",
    "meta_table",
    "metadata",
    "stop_requests_table",
    "workers_table",
]

SCHEMA_VERSION = 6


DEFAULT_ACCOUNT = "master_account"
"""The account of an executor created without one (Hummingbot's default account name)."""

metadata = MetaData()
"""Every table of the store (``create_all`` makes the missing ones)."""


def _key(name: str, length: int) -> Column[Any]:
    return Column(name, String(length), primary_key=True)


def _serial() -> Column[Any]:
    return Column("id", Integer, primary_key=True)


def _text(name: str, *, nullable: bool = False) -> Column[Any]:
    return Column(name, Text, nullable=nullable)


def _money(name: str) -> Column[Any]:
    return Column(name, Money, nullable=False, default=Decimal(0))


def _when(name: str, *, nullable: bool = False) -> Column[Any]:
    return Column(name, UtcDateTime, nullable=nullable)


meta_table = Table(
    "lpexec_meta",
    metadata,
    _key("key", 64),
    Column("value", String(256), nullable=False),
)
"""Key/value facts about the database itself (the schema version, shared secrets)."""


executors_table = Table(
    "executors",
    metadata,
    _key("executor_id", 64),
    Column("type", String(64), nullable=False, index=True),
    Column("controller_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("connector_name", String(128), nullable=False, index=True, default=""),
    Column("trading_pair", String(64), nullable=False, index=True, default=""),
    Column("side", String(16), nullable=False, default=""),
    Column("account_name", String(64), nullable=False, index=True, default=DEFAULT_ACCOUNT),
    Column("error_count", Integer, nullable=False, default=0),
    _text("last_error", nullable=True),
    Column("close_type", String(32)),
    _text("config_json"),
    _text("state_json"),
    Column("revision", Integer, nullable=False, default=0),
    _when("created_at"),
    _when("updated_at"),
    _when("closed_at", nullable=True),
    _text("stranded_reason", nullable=True),
    _money("net_pnl_quote"),
    _money("net_pnl_pct"),
    _money("fees_paid_quote"),
    _money("fees_earned_quote"),
    _money("value_quote"),
    _money("volume_quote"),
    # The worker running the executor (see ``core.store.leases``); NULL: nobody.
    Column("lease_owner", String(128)),
    _when("lease_expires_at", nullable=True),
    # The fencing token: raised by one at every claim, so a worker's writes are refused once
    # another worker has claimed the executor (or its lease has expired).
    Column("lease_token", Integer, nullable=False, default=0),
    # Searches scan this one in order (newest first) and test every filter on it; their
    # counts read it alone (see ``core.store.search``).
    Index(
        "ix_executors_search",
        "created_at",
        "executor_id",
        "controller_id",
        "connector_name",
        "trading_pair",
        "type",
        "account_name",
        "status",
    ),
)
"""One executor: its config, its latest state snapshot and its report figures.

``connector_name``, ``trading_pair``, ``side`` and ``account_name`` are copied from the config
when the row is first written, so that searches filter them in SQL; ``error_count`` and
``last_error`` follow the executor's ERROR log entries.
"""


journal_table = Table(
    "journal",
    metadata,
    _serial(),
    Column("executor_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(64), nullable=False),
    _when("ts_event"),
    _text("payload_json"),
    Index("ix_journal_executor_seq", "executor_id", "seq", unique=True),
)
"""An event applied to an executor; append-only."""


executor_logs_table = Table(
    "executor_logs",
    metadata,
    _serial(),
    Column("executor_id", String(64), nullable=False),
    _when("ts"),
    Column("level", String(16), nullable=False),
    _text("message"),
    _text("exc_info", nullable=True),
    Index("ix_executor_logs_executor_id", "executor_id", "id"),
)
"""One entry of an executor's log (status changes, stranding, failures); kept for good."""


class IntentStatus:
    """Where a venue write stands; stored as these strings."""

    PENDING = "PENDING"  # recorded, certainly not sent yet
    SENT = "SENT"  # handed to the venue; outcome not recorded yet
    UNKNOWN = "UNKNOWN"  # the venue could not tell; must be reconciled
    DONE = "DONE"  # outcome recorded and applied
    FAILED = "FAILED"  # certainly not carried out
    EXPIRED = "EXPIRED"  # still unknown when its budget ended; the executor is stranded

    OPEN = (PENDING, SENT, UNKNOWN)


intents_table = Table(
    "intents",
    metadata,
    _key("intent_id", 96),
    Column("executor_id", String(64), nullable=False, index=True),
    Column("kind", String(64), nullable=False),
    _text("payload_json"),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    _when("created_at"),
    _when("updated_at"),
    _text("outcome_json", nullable=True),
    _text("error", nullable=True),
    # What the adapter learned while sending and reconciling (``core.evidence.Evidence``).
    _text("evidence_json", nullable=True),
)
"""A venue write: recorded before it is sent, then updated with its outcome."""


held_positions_table = Table(
    "held_positions",
    metadata,
    _serial(),
    Column("controller_id", String(64), nullable=False),
    Column("connector", String(128), nullable=False),
    Column("trading_pair", String(64), nullable=False),
    Column("side", String(8), nullable=False, default=""),
    _money("net_base"),
    _money("average_price"),
    _money("realized_pnl_quote"),
    _money("fees_quote"),
    _text("record_json"),
    _when("updated_at"),
    UniqueConstraint("controller_id", "connector", "trading_pair", "side", name="uq_held_key"),
)
"""A position kept after an executor ended with keep_position=True."""


controllers_table = Table(
    "controllers",
    metadata,
    _key("controller_id", 64),
    Column("kind", String(64), nullable=False),
    _text("state_json"),
    _when("updated_at"),
)
"""The persisted state of a controller (a rebalancing policy, a bot) that drives executors."""


workers_table = Table(
    "workers",
    metadata,
    _key("worker_id", 128),
    _when("started_at"),
    _when("expires_at"),
)
"""A worker process sharing the database: alive while ``expires_at`` is ahead (heartbeat)."""


controller_leases_table = Table(
    "controller_leases",
    metadata,
    _key("controller_id", 64),
    Column("owner", String(128)),
    Column("token", Integer, nullable=False, default=0),
    _when("expires_at", nullable=True),
)
"""A controller daemons share (see ``core.store.controller_leases``): who holds it, until when,
at which fencing token. Workers never run the executors of a controller listed here."""


controller_hosts_table = Table(
    "controller_hosts",
    metadata,
    _key("host_id", 128),
    _when("expires_at"),
)
"""A daemon sharing controllers: alive while ``expires_at`` is ahead (heartbeat)."""


stop_requests_table = Table(
    "stop_requests",
    metadata,
    _key("executor_id", 64),
    # NULL: the executor config's own default.
    Column("keep_position", Boolean),
    Column("requested_by", String(128), nullable=False, default=""),
    _when("requested_at"),
)
"""A stop asked for by a process that does not run the executor (an API beside the workers);
the worker that holds the executor's lease carries it out at its next heartbeat and deletes the
row."""
