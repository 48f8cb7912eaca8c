"""Reading executors for the service layer: filtered, paged searches, report figures and logs.

Every filter runs in the SQL query: the values of one field are alternatives (``IN``), the fields
are all required (``AND``). Pages are in a stable newest-first order (``created_at``, then
``executor_id``, both descending) and continue from a keyset :class:`SearchAnchor` (the last row
of the page before), so executors created while a caller pages never shift or repeat a page.

Speed: the index ``ix_executors_search`` holds the order and every filtered column, so a page is
read in two steps (the ids of the page from the index, then their rows) and a count reads the
index alone. SQLite's planner would rather seek a one-column index on a filtered column and
fetch every matching row to sort or count them (a few ms per thousand rows); on SQLite the
filters are written ``+column`` (the same value, no index), which leaves it the search index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, func, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from lpexec.core.store.tables import executor_logs_table, executors_table

__all__ = [
    "ExecutorLogEntry",
    "ExecutorQuery",
    "ReportRow",
    "SearchAnchor",
    "count_executors",
    "executor_logs",
    "report_rows",
    "search_executors",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorQuery:
    """Which executors: each field's values are alternatives, the fields are all required; an
    empty field matches any value. ``statuses`` and ``executor_types`` are our own names
    (``ACTIVE``, ``lp``)."""

    controller_ids: tuple[str, ...] = ()
    connector_names: tuple[str, ...] = ()
    trading_pairs: tuple[str, ...] = ()
    executor_types: tuple[str, ...] = ()
    account_names: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    stranded: bool | None = None
    """True: only stranded executors; False: only those that are not; None: either."""

    def where(self) -> list[Any]:
        """The SQL conditions of this query."""
        conditions: list[Any] = []
        columns = executors_table.c
        for column, values in (
            (columns.controller_id, self.controller_ids),
            (columns.connector_name, self.connector_names),
            (columns.trading_pair, self.trading_pairs),
            (columns.type, self.executor_types),
            (columns.account_name, self.account_names),
            (columns.status, self.statuses),
        ):
            if values:
                conditions.append(_unindexed(column).in_(list(dict.fromkeys(values))))
        if self.stranded is not None:
            reason = columns.stranded_reason
            conditions.append(reason.is_not(None) if self.stranded else reason.is_(None))
        return conditions


class _unindexed(FunctionElement[str]):  # noqa: N801 - reads as the SQL it writes
    """A column read as a value: ``+column`` on SQLite (no index chosen for it), else itself."""

    type = String()
    inherit_cache = True


@compiles(_unindexed)
def _column_itself(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_unindexed, "sqlite")
def _column_as_value(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + str(compiler.process(element.clauses, **kw))


@dataclass(frozen=True, slots=True)
class SearchAnchor:
    """The last row of a page: the next page starts after it in newest-first order."""

    created_at: dt.datetime
    executor_id: str


@dataclass(frozen=True, slots=True)
class ReportRow:
    """The figures of one executor that summaries and performance reports add up."""

    executor_id: str
    type: str
    controller_id: str
    connector_name: str
    status: str
    close_type: str | None
    net_pnl_quote: Decimal
    net_pnl_pct: Decimal
    fees_paid_quote: Decimal
    volume_quote: Decimal


@dataclass(frozen=True, slots=True)
class ExecutorLogEntry:
    """One entry of an executor's log."""

    executor_id: str
    ts: dt.datetime
    level: str
    message: str
    exc_info: str | None = None


def search_executors(
    connection: Connection, query: ExecutorQuery, *, after: SearchAnchor | None, limit: int
) -> Sequence[Row[Any]]:
    """Return up to ``limit`` rows matching ``query``, newest first, after ``after``, without
    their config and state (not read: a search row never needs them)."""
    table = executors_table
    conditions = query.where()
    if after is not None:
        created = table.c.created_at
        conditions.append(
            or_(
                created < after.created_at,
                and_(created == after.created_at, table.c.executor_id < after.executor_id),
            )
        )
    newest_first = (table.c.created_at.desc(), table.c.executor_id.desc())
    page = (
        select(table.c.executor_id)
        .where(*conditions)
        .order_by(*newest_first)
        .limit(limit)
        .scalar_subquery()
    )
    statement = select(*_SEARCHED).where(table.c.executor_id.in_(page)).order_by(*newest_first)
    return connection.execute(statement).all()


_SEARCHED = tuple(
    column for column in executors_table.c if column.name not in ("config_json", "state_json")
)
"""Every column of an executor but its config and state (a search row never reads them)."""


def count_executors(connection: Connection, query: ExecutorQuery) -> int:
    """Return how many executors match ``query``."""
    statement = select(func.count()).select_from(executors_table).where(*query.where())
    return int(connection.execute(statement).scalar_one())


def report_rows(connection: Connection, query: ExecutorQuery) -> list[ReportRow]:
    """Return the report figures of every executor matching ``query`` (no config or state)."""
    columns = executors_table.c
    statement = select(
        columns.executor_id,
        columns.type,
        columns.controller_id,
        columns.connector_name,
        columns.status,
        columns.close_type,
        columns.net_pnl_quote,
        columns.net_pnl_pct,
        columns.fees_paid_quote,
        columns.volume_quote,
    ).where(*query.where())
    return [ReportRow(*tuple(row)) for row in connection.execute(statement).all()]


def executor_logs(
    connection: Connection, executor_id: str, *, level: str | None, limit: int
) -> tuple[list[ExecutorLogEntry], int]:
    """Return the last ``limit`` entries of an executor's log (oldest of them first) at
    ``level`` (any when None), and how many entries match in all."""
    table = executor_logs_table
    conditions = [table.c.executor_id == executor_id]
    if level is not None:
        conditions.append(table.c.level == level)
    total = connection.execute(
        select(func.count()).select_from(table).where(*conditions)
    ).scalar_one()
    statement = select(table).where(*conditions).order_by(table.c.id.desc()).limit(limit)
    rows = list(connection.execute(statement).all())
    rows.reverse()
    entries = [
        ExecutorLogEntry(row.executor_id, row.ts, row.level, row.message, row.exc_info)
        for row in rows
    ]
    return entries, int(total)
