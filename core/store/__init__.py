"""The store: executors, their journal and logs, intents and held positions.

The port (:class:`Store`, :class:`UnitOfWork`) has two adapters: :class:`SqlStore` (SQLite or
PostgreSQL, durable) and :class:`MemoryStore` (process memory, not durable: backtests and tests).
"""

from __future__ import annotations

from lpexec.core.store.database import Database, redact_url
from lpexec.core.store.leases import Fence, LeaseLostError, Leases, Ownership
from lpexec.core.store.memory import MemoryStore
from lpexec.core.store.migrations import catalog_fields
from lpexec.core.store.port import (
    JournalEntry,
    SearchableStore,
    Store,
    StoredExecutor,
    StoredIntent,
    UnitOfWork,
)
from lpexec.core.store.repository import LogLevel
from lpexec.core.store.search import ExecutorLogEntry, ExecutorQuery, ReportRow, SearchAnchor
from lpexec.core.store.sql import SqlStore
from lpexec.core.store.stop_requests import StopRequest, StopRequests
from lpexec.core.store.tables import (
    DEFAULT_ACCOUNT,
    SCHEMA_VERSION,
    IntentStatus,
    controllers_table,
    executor_logs_table,
    executors_table,
    held_positions_table,
    intents_table,
    journal_table,
    meta_table,
    stop_requests_table,
    workers_table,
)
from lpexec.core.store.types import Money, UtcDateTime

__all__ = [
    "DEFAULT_ACCOUNT",
    "SCHEMA_VERSION",
    "Database",
    "ExecutorLogEntry",
    "ExecutorQuery",
    "Fence",
    "IntentStatus",
    "JournalEntry",
    "LeaseLostError",
    "Leases",
    "LogLevel",
    "MemoryStore",
    "Money",
    "Ownership",
    "ReportRow",
    "SearchAnchor",
    "SearchableStore",
    "SqlStore",
    "StopRequest",
    "StopRequests",
    "Store",
    "StoredExecutor",
    "StoredIntent",
    "UnitOfWork",
    "UtcDateTime",
    "catalog_fields",
    "controllers_table",
    "executor_logs_table",
    "executors_table",
    "held_positions_table",
    "intents_table",
    "journal_table",
    "meta_table",
    "redact_url",
    "stop_requests_table",
    "workers_table",
]
