"""SQLModel tables: executors, their journal and logs, intents, held positions and the schema
version.

Fields we own carry no prefix; nothing here mirrors a venue's own records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from lpexec.core.store.types import Money, UtcDateTime

__all__ = [
    "DEFAULT_ACCOUNT",
    "SCHEMA_VERSION",
    "ControllerRow",
    "ExecutorLogRow",
    "ExecutorRow",
    "HeldPositionRow",
    "IntentRow",
    "IntentStatus",
    "JournalRow",
    "MetaRow",
    "StopRequestRow",
    "WorkerRow",
]

SCHEMA_VERSION = 6


DEFAULT_ACCOUNT = "master_account"
"""The account of an executor created without one (Hummingbot's default account name)."""


def _money(default: Decimal | None = Decimal(0)) -> Decimal:
    return Field(default=default, sa_type=Money)  # type: ignore[no-any-return]


def _when(*, nullable: bool = False, index: bool = False) -> dt.datetime:
    return Field(  # type: ignore[no-any-return]
        default=None, sa_type=UtcDateTime, nullable=nullable, index=index
    )


class MetaRow(SQLModel, table=True):
    """Key/value facts about the database itself (the schema version)."""

    __tablename__ = "lpexec_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


class ExecutorRow(SQLModel, table=True):
    """One executor: its config, its latest state snapshot and its report figures.

    ``connector_name``, ``trading_pair``, ``side`` and ``account_name`` are copied from the
    config when the row is first written, so that searches filter them in SQL; ``error_count``
    and ``last_error`` follow the executor's WARNING and ERROR log entries.
    """

    __tablename__ = "executors"
    __table_args__ = (
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

    executor_id: str = Field(primary_key=True, max_length=64)
    type: str = Field(index=True, max_length=64)
    controller_id: str = Field(index=True, max_length=64)
    status: str = Field(index=True, max_length=16)
    connector_name: str = Field(default="", index=True, max_length=128)
    trading_pair: str = Field(default="", index=True, max_length=64)
    side: str = Field(default="", max_length=16)
    account_name: str = Field(default=DEFAULT_ACCOUNT, index=True, max_length=64)
    error_count: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    close_type: str | None = Field(default=None, max_length=32)
    config_json: str = Field(sa_column=Column(Text, nullable=False))
    state_json: str = Field(sa_column=Column(Text, nullable=False))
    revision: int = 0
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = _when()
    closed_at: dt.datetime | None = _when(nullable=True)
    stranded_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    net_pnl_quote: Decimal = _money()
    net_pnl_pct: Decimal = _money()
    fees_paid_quote: Decimal = _money()
    fees_earned_quote: Decimal = _money()
    value_quote: Decimal = _money()
    volume_quote: Decimal = _money()
    lease_owner: str | None = Field(default=None, max_length=128)
    """The worker running the executor (see ``core.store.leases``); None: nobody."""
    lease_expires_at: dt.datetime | None = _when(nullable=True)
    lease_token: int = 0
    """The fencing token: raised by one at every claim, so a worker's writes are refused once
    another worker has claimed the executor (or its lease has expired)."""


class JournalRow(SQLModel, table=True):
    """An event applied to an executor; append-only."""

    __tablename__ = "journal"
    __table_args__ = (Index("ix_journal_executor_seq", "executor_id", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    executor_id: str = Field(max_length=64)
    seq: int
    kind: str = Field(max_length=64)
    ts_event: dt.datetime = _when()
    payload_json: str = Field(sa_column=Column(Text, nullable=False))


class ExecutorLogRow(SQLModel, table=True):
    """One entry of an executor's log (status changes, stranding, failures); kept for good."""

    __tablename__ = "executor_logs"
    __table_args__ = (Index("ix_executor_logs_executor_id", "executor_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    executor_id: str = Field(max_length=64)
    ts: dt.datetime = _when()
    level: str = Field(max_length=16)
    message: str = Field(sa_column=Column(Text, nullable=False))
    exc_info: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class IntentStatus:
    """Where a venue write stands; stored as these strings."""

    PENDING = "PENDING"  # recorded, certainly not sent yet
    SENT = "SENT"  # handed to the venue; outcome not recorded yet
    UNKNOWN = "UNKNOWN"  # the venue could not tell; must be reconciled
    DONE = "DONE"  # outcome recorded and applied
    FAILED = "FAILED"  # certainly not carried out
    EXPIRED = "EXPIRED"  # still unknown when its budget ended; the executor is stranded

    OPEN = (PENDING, SENT, UNKNOWN)


class IntentRow(SQLModel, table=True):
    """A venue write: recorded before it is sent, then updated with its outcome."""

    __tablename__ = "intents"

    intent_id: str = Field(primary_key=True, max_length=96)
    executor_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=64)
    payload_json: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(index=True, max_length=16)
    attempts: int = 0
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = _when()
    outcome_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    evidence_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """What the adapter learned while sending and reconciling (``core.evidence.Evidence``)."""


class HeldPositionRow(SQLModel, table=True):
    """A position kept after an executor ended with keep_position=True."""

    __tablename__ = "held_positions"
    __table_args__ = (
        UniqueConstraint("controller_id", "connector", "trading_pair", "side", name="uq_held_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    controller_id: str = Field(max_length=64)
    connector: str = Field(max_length=128)
    trading_pair: str = Field(max_length=64)
    side: str = Field(default="", max_length=8)
    net_base: Decimal = _money()
    average_price: Decimal = _money()
    realized_pnl_quote: Decimal = _money()
    fees_quote: Decimal = _money()
    record_json: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = _when()


class ControllerRow(SQLModel, table=True):
    """The persisted state of a controller (a rebalancing policy, a bot) that drives executors."""

    __tablename__ = "controllers"

    controller_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=64)
    state_json: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = _when()


class WorkerRow(SQLModel, table=True):
    """A worker process sharing the database: alive while ``expires_at`` is ahead (heartbeat)."""

    __tablename__ = "workers"

    worker_id: str = Field(primary_key=True, max_length=128)
    started_at: dt.datetime = _when()
    expires_at: dt.datetime = _when()


class StopRequestRow(SQLModel, table=True):
    """A stop asked for by a process that does not run the executor (an API beside the
    workers); the worker that holds the executor's lease carries it out at its next heartbeat
    and deletes the row."""

    __tablename__ = "stop_requests"

    executor_id: str = Field(primary_key=True, max_length=64)
    keep_position: bool | None = None
    """None: the executor config's own default."""
    requested_by: str = Field(default="", max_length=128)
    requested_at: dt.datetime = _when()
