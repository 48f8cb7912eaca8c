"""Claims: leasing the free rows of a table (executors, controllers) in one statement.

Executors (:mod:`lpexec.core.store.leases`) and controllers
(:mod:`lpexec.core.store.controller_leases`) are leased alike: a row names its holder, when its
lease ends and a **fencing token** raised by one at every claim (:class:`LeaseColumns`). A row is
free when nobody holds it or its lease has ended; :func:`claim_free` locks free rows with
``SELECT ... FOR UPDATE SKIP LOCKED`` (so two processes claiming at once never take the same row)
and leases them.

Times are the database's own clock on PostgreSQL (``clock_timestamp()``); SQLite is
single-process (the injected clock of that process, :func:`database_now`), and SQLAlchemy leaves
``FOR UPDATE SKIP LOCKED`` out of its statements (SQLite writes one transaction at a time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, func, literal, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from lpexec.core.clock import Clock
from lpexec.core.store.tables import controller_leases_table, executors_table
from lpexec.core.store.types import UtcDateTime

__all__ = [
    "CONTROLLER_LEASE",
    "EXECUTOR_LEASE",
    "LeaseColumns",
    "claim_free",
    "database_later",
    "database_now",
]


@dataclass(frozen=True, slots=True)
class LeaseColumns:
    """A table whose rows are leased, and its lease columns."""

    table: Table
    key: Column[Any]
    """The row's id (returned with its token by a claim)."""
    owner: Column[Any]
    """Who holds the row (NULL: nobody)."""
    token: Column[Any]
    """The fencing token, raised by one at every claim."""
    expires_at: Column[Any]
    """When the lease ends (NULL once released)."""


_EXECUTORS, _CONTROLLERS = executors_table.c, controller_leases_table.c
EXECUTOR_LEASE = LeaseColumns(
    executors_table,
    _EXECUTORS.executor_id,
    _EXECUTORS.lease_owner,
    _EXECUTORS.lease_token,
    _EXECUTORS.lease_expires_at,
)
"""An executor's lease: the worker (or daemon) that runs it."""
CONTROLLER_LEASE = LeaseColumns(
    controller_leases_table,
    _CONTROLLERS.controller_id,
    _CONTROLLERS.owner,
    _CONTROLLERS.token,
    _CONTROLLERS.expires_at,
)
"""A controller's lease: the daemon that runs it."""


def claim_free(
    connection: Connection,
    leased: LeaseColumns,
    *,
    where: Iterable[ColumnElement[bool]],
    order_by: Iterable[ColumnElement[Any]],
    limit: int | None,
    owner: str,
    clock: Clock,
    ttl: dt.timedelta,
) -> dict[str, int]:
    """Lease to ``owner`` for ``ttl`` the free rows that also meet ``where``: the first ``limit``
    of them (None: all) in ``order_by`` order, skipping rows another transaction has locked;
    return their keys with their new tokens.

    One statement on ``connection``'s transaction: the rows stay locked until it ends.
    """
    now = database_now(connection, clock)
    free = or_(leased.owner.is_(None), leased.expires_at <= now)
    free_rows = (
        select(leased.key)
        .where(*where, free)
        .order_by(*order_by)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = connection.execute(
        update(leased.table)
        .where(leased.key.in_(free_rows))
        .values(
            {
                leased.owner: owner,
                leased.token: leased.token + 1,
                leased.expires_at: database_later(connection, clock, ttl),
            }
        )
        .returning(leased.key, leased.token)
    ).all()
    return {key: int(token) for key, token in rows}


def database_now(connection: Connection, clock: Clock) -> Any:
    """The database's clock (PostgreSQL) or this process's (SQLite), as a SQL expression."""
    if connection.dialect.name == "postgresql":
        return func.clock_timestamp()
    return literal(clock.now(), UtcDateTime())


def database_later(connection: Connection, clock: Clock, delta: dt.timedelta) -> Any:
    """``delta`` after :func:`database_now`."""
    if connection.dialect.name == "postgresql":
        return func.clock_timestamp() + literal(delta)
    return literal(clock.now() + delta, UtcDateTime())
