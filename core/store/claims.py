"""Claims: leasing the free rows of a table (executors, controllers), renewing and releasing them.

Executors (:mod:`lpexec.core.store.leases`) and controllers
(:mod:`lpexec.core.store.controller_leases`) are leased alike: a row names its holder, when its
lease ends and a **fencing token** raised by one at every claim (:class:`LeaseColumns`). A row is
free when nobody holds it or its lease has ended; :func:`claim_free` locks free rows with
``SELECT ... FOR UPDATE SKIP LOCKED`` (so two processes claiming at once never take the same row)
and leases them. The holder extends its unexpired leases (:func:`renew_held`), learns which it
lost (:func:`drop_lost`), gives them up (:func:`release_held`), and says it is alive in a table
of hosts (:func:`beat_host`, :class:`HostColumns`: workers, daemons).

Times are the database's own clock on PostgreSQL (``clock_timestamp()``); SQLite is
single-process (the injected clock of that process, :func:`database_now`), and SQLAlchemy leaves
``FOR UPDATE SKIP LOCKED`` out of its statements (SQLite writes one transaction at a time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    Integer,
    String,
    Table,
    any_,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from lpexec.core.clock import Clock
from lpexec.core.store.tables import (
    controller_hosts_table,
    controller_leases_table,
    executors_table,
    workers_table,
)
from lpexec.core.store.types import UtcDateTime

__all__ = [
    "CONTROLLER_HOST",
    "CONTROLLER_LEASE",
    "EXECUTOR_LEASE",
    "WORKER_HOST",
    "HostColumns",
    "LeaseColumns",
    "beat_host",
    "claim_free",
    "database_later",
    "database_now",
    "drop_lost",
    "lock_if_held",
    "release_held",
    "renew_held",
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


@dataclass(frozen=True, slots=True)
class HostColumns:
    """A table of the processes alive (their heartbeat), and its columns."""

    table: Table
    key: Column[Any]
    """The process's id."""
    expires_at: Column[Any]
    """Until when it is alive without another beat."""
    started_at: Column[Any] | None = None
    """When it first beat (None: the table does not keep it)."""


WORKER_HOST = HostColumns(
    workers_table,
    workers_table.c.worker_id,
    workers_table.c.expires_at,
    workers_table.c.started_at,
)
"""A worker (or a daemon running executors) alive."""
CONTROLLER_HOST = HostColumns(
    controller_hosts_table, controller_hosts_table.c.host_id, controller_hosts_table.c.expires_at
)
"""A daemon sharing controllers alive."""


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


def renew_held(
    connection: Connection,
    leased: LeaseColumns,
    keys: Collection[str],
    *,
    owner: str,
    clock: Clock,
    ttl: dt.timedelta,
) -> dict[str, int]:
    """Extend by ``ttl`` the leases of these ``keys`` (those the holder runs) that ``owner``
    still holds and that have not ended; return those keys with their tokens (as the database
    has them).

    Only the keys named: a row the holder let go of in memory without releasing it (a write
    that failed when the database went away) must run out, so that it is claimed again, by this
    holder or another, and run; renewing every row of ``owner`` would keep it leased to a
    holder that does not run it for as long as that holder lives.
    """
    if not keys:
        return {}
    rows = connection.execute(
        update(leased.table)
        .where(
            _one_of(connection, leased.key, keys),
            leased.owner == owner,
            leased.expires_at > database_now(connection, clock),
        )
        .values({leased.expires_at: database_later(connection, clock, ttl)})
        .returning(leased.key, leased.token)
    ).all()
    return {key: int(token) for key, token in rows}


def _one_of(connection: Connection, column: Column[Any], keys: Collection[str]) -> Any:
    """``column`` is one of ``keys``: on PostgreSQL one array parameter (a holder may renew ten
    thousand keys every heartbeat; as many parameters would cost more than the update)."""
    if connection.dialect.name == "postgresql":
        return column == any_(literal(sorted(keys), ARRAY(String)))
    return column.in_(sorted(keys))


def lock_if_held(
    connection: Connection,
    leased: LeaseColumns,
    key: str,
    token: int,
    *,
    owner: str,
    now: Any,
) -> bool:
    """True when ``owner`` holds ``key`` at ``token`` with a lease unexpired at ``now``; the row
    is then locked until ``connection``'s transaction ends, so no claim slips in before the
    write it fences commits."""
    done = connection.execute(
        update(leased.table)
        .where(
            leased.key == key,
            leased.owner == owner,
            leased.token == token,
            leased.expires_at > now,
        )
        .values({leased.owner: owner})
    )
    return bool(done.rowcount)


def drop_lost(
    held: MutableMapping[str, int],
    still: Mapping[str, int],
    *,
    before: Mapping[str, int],
    keep: Collection[str] = (),
) -> set[str]:
    """Drop from ``held`` the keys held at ``before`` (its copy taken before :func:`renew_held`
    read the rows) that the renewal no longer found at that token (except those in ``keep``);
    return them.

    A key claimed while the renewal ran is judged at the next one: it is not in ``before``, and
    its claim may have committed after the renewal read the rows (a claim on another thread: a
    daemon claims a policy's executors beside the executor renewal). A key whose token moved
    since the copy (claimed again) is kept too.
    """
    lost: set[str] = set()
    for key, token in before.items():
        if still.get(key) == token or key in keep or held.get(key) != token:
            continue
        held.pop(key, None)
        lost.add(key)
    return lost


def release_held(
    connection: Connection, leased: LeaseColumns, tokens: Iterable[tuple[str, int]], *, owner: str
) -> None:
    """Give up the leases of these ``(key, token)``, only where ``owner`` still holds it at that
    token (a row claimed since at a higher token is left alone).

    One statement on PostgreSQL (the pairs as two array parameters): a worker handing over
    thousands of executors holds its lease lock meanwhile, and a release one row at a time
    (5,000 rows: about 2.5 s) kept its renewal waiting until its other leases nearly ran out.
    SQLite (one process, no round trips) updates one row at a time.
    """
    pairs = sorted(tokens)
    if not pairs:
        return
    released = {leased.owner: None, leased.expires_at: None}
    if connection.dialect.name == "postgresql":
        keys = literal([key for key, _ in pairs], ARRAY(String))
        numbers = literal([token for _, token in pairs], ARRAY(Integer))
        given = select(func.unnest(keys), func.unnest(numbers))  # zipped, row by row
        connection.execute(
            update(leased.table)
            .where(leased.owner == owner, tuple_(leased.key, leased.token).in_(given))
            .values(released)
        )
        return
    for key, token in pairs:
        connection.execute(
            update(leased.table)
            .where(leased.key == key, leased.owner == owner, leased.token == token)
            .values(released)
        )


def beat_host(
    connection: Connection, hosts: HostColumns, *, owner: str, clock: Clock, ttl: dt.timedelta
) -> None:
    """Say ``owner`` is alive for one more ``ttl``: move its row's expiry on, or insert its row
    the first time (with the database's time as its start, where the table keeps one)."""
    now = database_now(connection, clock) if hosts.started_at is not None else None
    expires = database_later(connection, clock, ttl)
    done = connection.execute(
        update(hosts.table).where(hosts.key == owner).values({hosts.expires_at: expires})
    )
    if not done.rowcount:
        first: dict[Column[Any], Any] = {hosts.key: owner, hosts.expires_at: expires}
        if hosts.started_at is not None:
            first[hosts.started_at] = now
        connection.execute(hosts.table.insert().values(first))


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
