"""Leases: which worker runs which executor, when several processes share one database.

Each unfinished executor is leased to at most one worker: its row names the owner
(``lease_owner``), when the lease ends (``lease_expires_at``) and a **fencing token**
(``lease_token``) raised by one at every claim. A worker

- claims executors nobody holds (or whose lease expired) with ``SELECT ... FOR UPDATE SKIP
  LOCKED``, so two workers claiming at once never take the same row (:meth:`Leases.claim`);
- renews its leases on each heartbeat (:meth:`Leases.renew`); a lease it did not renew in time
  is lost, even when nobody has claimed it yet;
- releases them when it stops cleanly, or hands some over when a worker joins
  (:meth:`Leases.release`).

Every write a fenced :class:`~core.store.sql.SqlStore` makes for an executor (state, journal,
intents, evidence) is checked in the same transaction against the owner, the token and the expiry
(:class:`Fence`): a worker paused past its lease (a GC pause, SIGSTOP, a partition) writes nothing
when it wakes, and learns it lost the executor (:class:`LeaseLostError`).

Times are the database's own clock on PostgreSQL (``clock_timestamp()``), so the workers' clocks
need not agree; SQLite is single-process (the injected clock of that process). Give the leases a
live clock even when executors run on simulated time: leases measure real pauses.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from lpexec.core.clock import Clock
from lpexec.core.errors import StoreError
from lpexec.core.lifecycle import ExecutorStatus
from lpexec.core.store.claims import (
    EXECUTOR_LEASE,
    WORKER_HOST,
    beat_host,
    claim_free,
    database_later,
    database_now,
    drop_lost,
    lock_if_held,
    release_held,
    renew_held,
)
from lpexec.core.store.database import Database
from lpexec.core.store.tables import controller_leases_table, executors_table, workers_table

__all__ = ["Fence", "LeaseLostError", "Leases", "Ownership", "database_later", "database_now"]

_TERMINATED = ExecutorStatus.TERMINATED.value
_CONTROLLERS = controller_leases_table
_ROW = executors_table
_WORKERS = workers_table


class LeaseLostError(StoreError):
    """Raised when a write is refused because this worker no longer holds the executor's lease
    (another worker claimed it, or the lease expired): the worker must stop running it."""

    def __init__(self, executor_ids: Collection[str]) -> None:
        self.executor_ids = frozenset(executor_ids)
        names = ", ".join(sorted(self.executor_ids))
        super().__init__(f"lease lost on executor(s) {names}; nothing was written")


@dataclass(slots=True)
class Fence:
    """What one worker holds: the token of each executor it leased, and until when (on this
    process's monotonic clock) it may still act on them without renewing.

    A fenced store checks every executor a unit of work writes against the database; the
    local deadline (``valid_until``) lets the engine refuse to *send* a venue write on a lease
    that may have run out while the process was paused.
    """

    owner: str
    ttl_seconds: float
    clock: Clock
    tokens: dict[str, int] = field(default_factory=dict)
    valid_until: float = 0.0
    margin_seconds: float = 0.0
    """Sends stop this long before the lease ends (time for the send to leave)."""
    creating: set[str] = field(default_factory=set)
    """Executors this process is creating: leased in a transaction not committed yet, so a
    renewal (on another thread) that does not see them yet has not lost them."""
    controllers: dict[str, int] = field(default_factory=dict)
    """The token of each controller this process holds (a daemon sharing its policies:
    :mod:`lpexec.core.store.controller_leases`)."""
    controllers_fenced: bool = False
    """True in such a daemon: a controller's state, and a new executor of a registered
    controller, are written only under the controller's lease."""
    controllers_valid_until: float = 0.0
    """Until when (monotonic) the controllers' leases hold without a renewal."""

    def holds(self, executor_id: str) -> bool:
        """True when this worker holds the executor and its leases are not past due locally."""
        deadline = self.valid_until - self.margin_seconds
        return executor_id in self.tokens and self.clock.monotonic() < deadline

    def renewed(self, at: float) -> None:
        """Record a renewal that started at monotonic time ``at``."""
        self.valid_until = at + self.ttl_seconds


@dataclass(frozen=True, slots=True)
class Ownership:
    """Who holds what, read in one query (for the worker's balancing, metrics and tests)."""

    live_workers: tuple[str, ...]
    unfinished: int
    held: dict[str, int]
    """How many unfinished executors each worker holds (live or not)."""


class Leases:
    """Claiming, renewing and releasing executors' leases for one worker.

    Args:
        database: the shared database.
        owner: this worker's id (unique among the workers; e.g. ``host:pid:random``).
        ttl_seconds: how long a lease lasts without renewal.
        clock: a live clock (its monotonic time measures pauses; its wall time is SQLite's).
        types: the executor types this worker runs (None: every type).
    """

    def __init__(
        self,
        database: Database,
        *,
        owner: str,
        ttl_seconds: float,
        clock: Clock,
        types: Iterable[str] | None = None,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds: expected a positive number, received {ttl_seconds}")
        self.database = database
        self.owner = owner
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self.types = frozenset(types) if types is not None else None
        self.clock = clock
        self.fence = Fence(owner=owner, ttl_seconds=ttl_seconds, clock=clock)
        # Claims, renewals and releases may run on different threads (a worker renews on its
        # own thread, so a busy event loop does not lose its leases): one at a time.
        self._lock = threading.Lock()

    # --- workers -------------------------------------------------------------------------------

    def beat(self) -> None:
        """Say this worker is alive for one more TTL (inserting its row the first time)."""
        with self.database.begin() as connection:
            beat_host(connection, WORKER_HOST, owner=self.owner, clock=self.clock, ttl=self.ttl)

    def leave(self) -> None:
        """Release every lease and remove this worker's row (a clean stop)."""
        self.release(list(self.fence.tokens))
        with self.database.begin() as connection:
            connection.execute(delete(_WORKERS).where(_WORKERS.c.worker_id == self.owner))
            # Workers long dead are forgotten by whoever leaves next.
            connection.execute(
                delete(_WORKERS).where(
                    _WORKERS.c.expires_at < database_later(connection, self.clock, -10 * self.ttl)
                )
            )

    def ownership(self) -> Ownership:
        """The live workers, how many executors are unfinished, and how many each worker holds."""
        with self.database.connect() as connection:
            now = database_now(connection, self.clock)
            live = connection.execute(
                select(_WORKERS.c.worker_id)
                .where(_WORKERS.c.expires_at > now)
                .order_by(_WORKERS.c.worker_id)
            ).scalars()
            live_workers = tuple(live)
            rows = connection.execute(
                select(_ROW.c.lease_owner, func.count())
                .where(*self._runnable())
                .group_by(_ROW.c.lease_owner)
            ).all()
        held = {owner: count for owner, count in rows if owner is not None}
        return Ownership(live_workers, sum(count for _, count in rows), held)

    # --- leases --------------------------------------------------------------------------------

    def claim(self, limit: int) -> dict[str, int]:
        """Claim up to ``limit`` unfinished executors nobody holds (or whose lease expired),
        oldest first; return their new tokens (also kept in :attr:`fence`)."""
        if limit <= 0:
            return {}
        with self._lock:
            return self._claim(limit)

    def _claim(self, limit: int) -> dict[str, int]:
        started = self.clock.monotonic()
        first = not self.fence.tokens
        with self.database.begin() as connection:
            claimed = claim_free(
                connection,
                EXECUTOR_LEASE,
                where=self._runnable(),
                order_by=(_ROW.c.created_at, _ROW.c.executor_id),
                limit=limit,
                owner=self.owner,
                clock=self.clock,
                ttl=self.ttl,
            )
        self.fence.tokens.update(claimed)
        if first:  # leases held before are renewed by renew(); these are as fresh
            self.fence.renewed(started)
        return claimed

    def renew(self) -> set[str]:
        """Extend every lease this worker still holds; return the ids it lost (claimed by
        another worker, expired, or gone), which are dropped from :attr:`fence`."""
        with self._lock:
            return self._renew()

    def _renew(self) -> set[str]:
        started = self.clock.monotonic()
        before = dict(self.fence.tokens)  # (a claim on another thread may add to it meanwhile)
        with self.database.begin() as connection:
            still = renew_held(
                connection,
                EXECUTOR_LEASE,
                before,
                owner=self.owner,
                clock=self.clock,
                ttl=self.ttl,
            )
        lost = drop_lost(self.fence.tokens, still, before=before, keep=self.fence.creating)
        self.fence.renewed(started)
        return lost

    def release(self, executor_ids: Collection[str]) -> None:
        """Give up these leases (only those this worker holds at the token it knows)."""
        with self._lock:
            self._release(executor_ids)

    def _release(self, executor_ids: Collection[str]) -> None:
        tokens = self.fence.tokens
        mine = [
            (executor_id, tokens[executor_id])
            for executor_id in executor_ids
            if executor_id in tokens
        ]
        with self.database.begin() as connection:
            release_held(connection, EXECUTOR_LEASE, mine, owner=self.owner)
        for executor_id, _token in mine:
            tokens.pop(executor_id, None)

    def _runnable(self) -> list[ColumnElement[bool]]:
        # The executors of a controller daemons share run with it, never on a worker.
        conditions: list[ColumnElement[bool]] = [
            _ROW.c.status != _TERMINATED,
            _ROW.c.controller_id.not_in(select(_CONTROLLERS.c.controller_id)),
        ]
        if self.types is not None:
            conditions.append(_ROW.c.type.in_(sorted(self.types)))
        return conditions


def check_fence(connection: Connection, fence: Fence, executor_ids: Collection[str]) -> None:
    """Refuse the unit of work unless this worker holds every executor it writes, at its token,
    with an unexpired lease (the rows stay locked until the commit, so no claim slips between).

    Raises:
        LeaseLostError: naming the executors this worker no longer holds (dropped from the
            fence).
    """
    lost: set[str] = set()
    now = database_now(connection, fence.clock)
    for executor_id in sorted(executor_ids):
        token = fence.tokens.get(executor_id)
        if token is None:
            lost.add(executor_id)
            continue
        if not lock_if_held(
            connection, EXECUTOR_LEASE, executor_id, token, owner=fence.owner, now=now
        ):
            lost.add(executor_id)
    if lost:
        for executor_id in lost:
            fence.tokens.pop(executor_id, None)
        raise LeaseLostError(lost)


def lease_new_executor(connection: Connection, fence: Fence, executor_id: str) -> None:
    """Lease an executor this worker has just created to itself."""
    if not fence.tokens:
        fence.renewed(fence.clock.monotonic())
    connection.execute(
        update(_ROW)
        .where(_ROW.c.executor_id == executor_id)
        .values(
            lease_owner=fence.owner,
            lease_token=_ROW.c.lease_token + 1,
            lease_expires_at=database_later(
                connection, fence.clock, dt.timedelta(seconds=fence.ttl_seconds)
            ),
        )
    )
    token = connection.execute(
        select(_ROW.c.lease_token).where(_ROW.c.executor_id == executor_id)
    ).scalar_one()
    fence.creating.add(executor_id)  # until the creating transaction ends (SqlStore)
    fence.tokens[executor_id] = int(token)
