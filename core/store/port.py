"""The store port: what the engine and its controllers need from persistence, without SQL.

Writes go through a unit of work opened by :meth:`Store.transaction`; everything written in one
``with`` block is kept together or not at all (an exception inside the block discards it). Reads
are methods of the store itself and return the plain records defined here.

Adapters:

- :class:`core.store.sql.SqlStore` over :class:`core.store.database.Database` (SQLite or
  PostgreSQL): durable, what the CLI and the daemon use.
- :class:`core.store.memory.MemoryStore`: dicts in the process, not durable, for backtests and
  tests.

Example:
    >>> with store.transaction() as unit:
    ...     unit.save_executor(executor, now=now)
    ...     unit.append_journal(executor.id, seq=1, event=event)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from lpexec.core.executor import Executor
from lpexec.core.held import HeldPosition, HeldPositionKey
from lpexec.core.lifecycle import CloseType, ExecutorStatus
from lpexec.core.messages import Command, Event
from lpexec.core.store.search import ExecutorLogEntry, ExecutorQuery, ReportRow, SearchAnchor

__all__ = [
    "JournalEntry",
    "SearchableStore",
    "Store",
    "StoredExecutor",
    "StoredIntent",
    "UnitOfWork",
]


@dataclass(frozen=True, slots=True)
class StoredExecutor:
    """One executor as the store holds it: identity, config, state snapshot and report figures.

    ``load_config()`` returns the config as JSON-safe data (``config.model_dump(mode="json")``)
    and ``load_snapshot()`` returns :meth:`core.executor.Executor.snapshot`; together they
    rebuild the executor. They are read only when called (they may parse JSON and raise
    ``ValueError`` on a damaged record).
    """

    executor_id: str
    type: str
    controller_id: str
    status: ExecutorStatus
    close_type: CloseType | None
    revision: int
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    stranded_reason: str | None
    net_pnl_quote: Decimal
    net_pnl_pct: Decimal
    fees_paid_quote: Decimal
    fees_earned_quote: Decimal
    value_quote: Decimal
    volume_quote: Decimal
    load_config: Callable[[], dict[str, Any]] = field(repr=False, compare=False)
    load_snapshot: Callable[[], dict[str, Any]] = field(repr=False, compare=False)
    connector_name: str = ""
    """The config's connector (``connector_name``, or the Gateway network of LP and swap)."""
    trading_pair: str = ""
    side: str = ""
    account_name: str = "master_account"
    error_count: int = 0
    """How many ERROR entries its log holds (see :class:`ExecutorLogEntry`)."""
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class StoredIntent:
    """A venue write recorded before it was sent, with where it stands (``IntentStatus``)."""

    intent_id: str
    executor_id: str
    kind: str
    command: Command
    status: str
    attempts: int
    created_at: dt.datetime
    updated_at: dt.datetime
    outcome: dict[str, Any] | None
    error: str | None
    evidence: dict[str, Any] = field(default_factory=dict)
    """What the adapter learned while sending and reconciling (see ``core.evidence``)."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """Entry ``seq`` of an executor's journal: one event it was fed."""

    executor_id: str
    seq: int
    kind: str
    ts_event: dt.datetime
    event: Event


class UnitOfWork(Protocol):
    """The writes of one transaction; nothing is visible to readers before the block ends."""

    def save_executor(self, executor: Executor[Any, Any], *, now: dt.datetime) -> None:
        """Insert or update an executor from its live object (config, state and report)."""
        ...

    def mark_stranded(self, executor_id: str, reason: str, *, now: dt.datetime) -> None:
        """Record why an executor cannot run; it stays listed with its last saved state."""
        ...

    def append_journal(self, executor_id: str, *, seq: int, event: Event) -> None:
        """Append ``event`` as entry ``seq`` of the executor's journal."""
        ...

    def insert_intent(self, command: Command, *, now: dt.datetime) -> None:
        """Record a write command as PENDING before it is sent."""
        ...

    def set_intent_status(
        self,
        intent_id: str,
        status: str,
        *,
        now: dt.datetime,
        outcome: dict[str, Any] | None = None,
        events: Sequence[Event] | None = None,
        error: str | None = None,
        count_attempt: bool = False,
    ) -> None:
        """Move an intent to ``status``; raises KeyError for an intent never recorded.

        ``events`` are the intent's outcome events: the outcome read back is
        :func:`core.serialization.encode_outcome` of them (a store may encode them only when
        the intent is read)."""
        ...

    def add_intent_evidence(
        self, intent_id: str, facts: dict[str, Any], *, now: dt.datetime, replace: bool = False
    ) -> None:
        """Merge JSON-safe ``facts`` into an intent's evidence (``replace``: they become all of
        it); KeyError for an unknown intent."""
        ...

    def save_held_position(self, position: HeldPosition, *, now: dt.datetime) -> None:
        """Insert or update a held position under its key."""
        ...

    def save_controller_state(
        self, controller_id: str, *, kind: str, state: dict[str, Any], now: dt.datetime
    ) -> None:
        """Insert or replace a controller's JSON-safe state."""
        ...


class Store(Protocol):
    """Executors, their journal, intents, held positions and controller state."""

    def transaction(self) -> AbstractContextManager[UnitOfWork]:
        """Open a unit of work: all its writes are kept when the block ends without error."""
        ...

    def has_executor(self, executor_id: str) -> bool:
        """True when an executor with this id was ever saved."""
        ...

    def get_executor(self, executor_id: str) -> StoredExecutor | None:
        """Return one executor, or None."""
        ...

    def unfinished_executors(
        self, *, executor_ids: Collection[str] | None = None
    ) -> list[StoredExecutor]:
        """Return every executor that has not terminated (of ``executor_ids`` when given),
        oldest first."""
        ...

    def list_executors(
        self,
        *,
        controller_id: str | None = None,
        status: Sequence[str] | None = None,
        executor_type: str | None = None,
        stranded: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[StoredExecutor]:
        """Return executors matching every filter given, newest first, one page at a time."""
        ...

    def journal(self, executor_id: str) -> list[JournalEntry]:
        """Return an executor's journal in order."""
        ...

    def last_journal_seq(self, *, executor_ids: Collection[str] | None = None) -> dict[str, int]:
        """Return the highest journal seq per executor (of ``executor_ids`` when given)."""
        ...

    def intent(self, intent_id: str) -> StoredIntent | None:
        """Return one intent, or None."""
        ...

    def intents_for(self, executor_id: str) -> list[StoredIntent]:
        """Return every intent of one executor, whatever its status, oldest first."""
        ...

    def open_intents(self, *, executor_ids: Collection[str] | None = None) -> list[StoredIntent]:
        """Return every intent that is PENDING, SENT or UNKNOWN (of ``executor_ids`` when
        given), oldest first."""
        ...

    def held_positions(self) -> list[HeldPosition]:
        """Return every held position (new objects the caller may keep)."""
        ...

    def controller_state(self, controller_id: str) -> dict[str, Any] | None:
        """Return a controller's saved state, or None."""
        ...


class SearchableStore(Store, Protocol):
    """A store the service layer can search and edit (:class:`~core.store.sql.SqlStore`)."""

    def search_executors(
        self, query: ExecutorQuery, *, after: SearchAnchor | None = None, limit: int = 100
    ) -> tuple[list[StoredExecutor], int]:
        """One page of executors matching ``query`` (newest first, after ``after``), and how
        many match in all."""
        ...

    def report_rows(self, query: ExecutorQuery) -> list[ReportRow]:
        """The report figures of every executor matching ``query``."""
        ...

    def executor_logs(
        self, executor_id: str, *, level: str | None = None, limit: int = 100
    ) -> tuple[list[ExecutorLogEntry], int]:
        """The last ``limit`` log entries of an executor (at ``level``), and how many match."""
        ...

    def append_log(self, executor_id: str, level: str, message: str, *, now: dt.datetime) -> None:
        """Add an entry to an executor's log (an ERROR also counts in its ``error_count``)."""
        ...

    def set_account_name(self, executor_id: str, account_name: str) -> None:
        """Record the account an executor was created for (KeyError for an unknown id)."""
        ...

    def delete_held_position(self, key: HeldPositionKey) -> bool:
        """Forget one held position; False when none is stored at ``key``."""
        ...

    def secret(self, name: str) -> bytes:
        """A random secret kept in the store under ``name``, the same for every process."""
        ...
