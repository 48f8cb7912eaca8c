"""Controller leases: which daemon runs which controller when several share one database.

A controller (a rebalance policy, an executor handler) and its executors run in one process.
Daemons sharing a PostgreSQL database each list the controllers of their config
(:meth:`ControllerLeases.register`); each controller is then leased to at most one daemon at a
time, with an owner, an expiry and a **fencing token** raised at every claim, exactly as
executors are (:mod:`lpexec.core.store.leases`). A daemon

- says it is alive on each heartbeat (:meth:`ControllerLeases.beat`) and claims up to its fair
  share of the controllers nobody holds (or whose lease expired), ``FOR UPDATE SKIP LOCKED``
  (:meth:`ControllerLeases.claim`), handing some over when a daemon joins;
- renews its leases (:meth:`ControllerLeases.renew`): one it did not renew in time is lost;
- claims the leases of the unfinished executors of the controllers it holds
  (:meth:`ControllerLeases.claim_executors`), into the fence its engine's store checks; workers
  never claim the executors of a registered controller (they run the others);
- writes a controller's state only while it holds the controller's lease, checked in the
  writing transaction (:func:`check_controller_fence`): a daemon paused past its lease writes
  nothing when it wakes, and creates no executor for a controller it lost.

Times are PostgreSQL's own clock (``clock_timestamp()``); on SQLite (one process) the injected
clock's.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Collection, Iterable

from sqlalchemy import Connection, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from lpexec.core.errors import StoreError
from lpexec.core.lifecycle import ExecutorStatus
from lpexec.core.store.claims import (
    CONTROLLER_HOST,
    CONTROLLER_LEASE,
    EXECUTOR_LEASE,
    beat_host,
    claim_free,
    drop_lost,
    lock_if_held,
    release_held,
    renew_held,
)
from lpexec.core.store.database import Database
from lpexec.core.store.leases import Fence, database_now
from lpexec.core.store.tables import (
    controller_hosts_table,
    controller_leases_table,
    executors_table,
)

__all__ = [
    "CONTROLLER_HOSTS",
    "CONTROLLER_LEASES",
    "ControllerLeaseLostError",
    "ControllerLeases",
    "check_controller_fence",
    "holds_controller",
]

CONTROLLER_LEASES = controller_leases_table
"""One row per controller a daemon registered: who holds it, until when, at which token."""
CONTROLLER_HOSTS = controller_hosts_table
"""The daemons alive (their heartbeat), among which the controllers are shared."""
_EXECUTORS = executors_table
_TERMINATED = ExecutorStatus.TERMINATED.value
CONTROLLER_MARGIN_SECONDS = 0.5
"""A daemon stops acting for a controller this long before its lease may have run out."""


class ControllerLeaseLostError(StoreError):
    """Raised when a controller's state or a new executor of it is written by a daemon that no
    longer holds the controller's lease: nothing was written; the daemon must stop running it."""

    def __init__(self, controller_id: str, *, reason: str = "lease lost") -> None:
        self.controller_id = controller_id
        super().__init__(f"{reason} on controller {controller_id}; nothing was written")


class ControllerLeases:
    """Claiming, renewing and releasing controllers' leases for one daemon.

    Args:
        database: the shared database.
        fence: the fence of the daemon's engine store (its owner is this daemon's id, its TTL
            and live clock the leases'): :attr:`Fence.controllers` gets the tokens of the
            controllers held, which the store checks before writing their state or creating
            one of their executors.
    """

    def __init__(self, database: Database, fence: Fence) -> None:
        self.database = database
        self.owner = fence.owner
        self.ttl = dt.timedelta(seconds=fence.ttl_seconds)
        self.clock = fence.clock
        self.fence = fence
        fence.controllers_fenced = True
        self._lock = threading.Lock()

    @property
    def held(self) -> dict[str, int]:
        """The controllers this daemon holds, with their tokens."""
        return self.fence.controllers

    def register(self, controller_ids: Iterable[str]) -> None:
        """Make these controllers leasable (rows already there are left as they are)."""
        ids = sorted(set(controller_ids))
        with self.database.engine.begin() as connection:
            known = set(
                connection.execute(
                    select(CONTROLLER_LEASES.c.controller_id).where(
                        CONTROLLER_LEASES.c.controller_id.in_(ids)
                    )
                ).scalars()
            )
        for controller_id in ids:
            if controller_id in known:
                continue
            try:
                with self.database.engine.begin() as connection:
                    connection.execute(
                        CONTROLLER_LEASES.insert().values(controller_id=controller_id, token=0)
                    )
            except IntegrityError:  # another daemon registered it meanwhile
                pass

    # --- daemons ---------------------------------------------------------------------------------

    def beat(self) -> None:
        """Say this daemon is alive for one more TTL."""
        with self.database.engine.begin() as connection:
            beat_host(connection, CONTROLLER_HOST, owner=self.owner, clock=self.clock, ttl=self.ttl)

    def live_hosts(self) -> int:
        """How many daemons are alive (this one included once it has beaten)."""
        with self.database.engine.connect() as connection:
            now = database_now(connection, self.clock)
            return int(
                connection.execute(
                    select(func.count()).where(CONTROLLER_HOSTS.c.expires_at > now)
                ).scalar_one()
            )

    def leave(self) -> None:
        """Release every controller lease and remove this daemon's row (a clean stop)."""
        self.release(list(self.held))
        with self.database.engine.begin() as connection:
            connection.execute(
                delete(CONTROLLER_HOSTS).where(CONTROLLER_HOSTS.c.host_id == self.owner)
            )

    # --- leases ----------------------------------------------------------------------------------

    def claim(self, controller_ids: Collection[str], limit: int) -> dict[str, int]:
        """Claim up to ``limit`` of these controllers nobody holds (or whose lease expired);
        return their new tokens (also in :attr:`held`)."""
        if limit <= 0 or not controller_ids:
            return {}
        started, first = self.clock.monotonic(), not self.fence.controllers
        with self._lock, self.database.engine.begin() as connection:
            claimed = claim_free(
                connection,
                CONTROLLER_LEASE,
                where=[CONTROLLER_LEASES.c.controller_id.in_(sorted(controller_ids))],
                order_by=[CONTROLLER_LEASES.c.controller_id],
                limit=limit,
                owner=self.owner,
                clock=self.clock,
                ttl=self.ttl,
            )
        self.fence.controllers.update(claimed)
        if first and claimed:  # leases held before are renewed by renew(); these are as fresh
            self.fence.controllers_valid_until = started + self.ttl.total_seconds()
        return claimed

    def renew(self) -> set[str]:
        """Extend every controller lease still held; return those lost (dropped from
        :attr:`held`)."""
        with self._lock:
            started = self.clock.monotonic()
            before = dict(self.fence.controllers)
            with self.database.engine.begin() as connection:
                still = renew_held(
                    connection,
                    CONTROLLER_LEASE,
                    before,
                    owner=self.owner,
                    clock=self.clock,
                    ttl=self.ttl,
                )
            lost = drop_lost(self.fence.controllers, still, before=before)
            self.fence.controllers_valid_until = started + self.ttl.total_seconds()
        return lost

    def release(self, controller_ids: Collection[str]) -> None:
        """Give up these leases (only those held at the token this daemon knows)."""
        held = self.fence.controllers
        mine = [(cid, held[cid]) for cid in controller_ids if cid in held]
        with self._lock, self.database.engine.begin() as connection:
            release_held(connection, CONTROLLER_LEASE, mine, owner=self.owner)
        for controller_id, _token in mine:
            held.pop(controller_id, None)

    def ownership(self) -> dict[str, str | None]:
        """Who holds each registered controller now (None: nobody, or an expired lease)."""
        table = CONTROLLER_LEASES
        with self.database.engine.connect() as connection:
            now = database_now(connection, self.clock)
            rows = connection.execute(
                select(table.c.controller_id, table.c.owner, table.c.expires_at > now)
            ).all()
        return {cid: owner if live else None for cid, owner, live in rows}

    def claim_executors(self, controller_ids: Collection[str], fence: Fence) -> dict[str, int]:
        """Claim the unfinished executors of these controllers (held by this daemon) that
        nobody holds or whose lease expired, into ``fence`` (the engine's store fence that runs
        them); return their new tokens."""
        held = [cid for cid in controller_ids if cid in self.fence.controllers]
        if not held:
            return {}
        table = _EXECUTORS
        with self._lock, self.database.engine.begin() as connection:
            claimed = claim_free(
                connection,
                EXECUTOR_LEASE,
                where=[table.c.controller_id.in_(sorted(held)), table.c.status != _TERMINATED],
                order_by=[table.c.created_at, table.c.executor_id],
                limit=None,
                owner=fence.owner,
                clock=self.clock,
                ttl=self.ttl,
            )
        if claimed and not fence.tokens:
            fence.renewed(self.clock.monotonic())
        fence.tokens.update(claimed)
        return claimed

    def incomplete(self, controller_ids: Collection[str]) -> set[str]:
        """Those of these controllers with an unfinished executor this daemon does not hold
        (its last holder's lease has not run out yet): not to be acted for until it is taken,
        or the controller would see a level empty that an executor still quotes."""
        if not controller_ids:
            return set()
        table = _EXECUTORS
        with self.database.engine.connect() as connection:
            now = database_now(connection, self.clock)
            not_mine = or_(
                table.c.lease_owner.is_(None),
                table.c.lease_owner != self.owner,
                table.c.lease_expires_at.is_(None),
                table.c.lease_expires_at <= now,
            )
            rows = connection.execute(
                select(table.c.controller_id)
                .where(
                    table.c.controller_id.in_(sorted(controller_ids)),
                    table.c.status != _TERMINATED,
                    not_mine,
                )
                .distinct()
            ).scalars()
            return set(rows)


def holds_controller(fence: Fence, controller_id: str) -> bool:
    """True while ``fence``'s daemon holds the controller and its lease cannot have run out
    (by this process's monotonic clock): a daemon woken from a pause acts for none of its
    controllers until a renewal shows which it still holds."""
    deadline = fence.controllers_valid_until - CONTROLLER_MARGIN_SECONDS
    return controller_id in fence.controllers and fence.clock.monotonic() < deadline


def check_controller_fence(connection: Connection, fence: Fence, controller_id: str) -> None:
    """Refuse the write unless ``fence``'s daemon holds ``controller_id`` at its token with an
    unexpired lease (the row stays locked until the commit, so no claim slips between).

    Raises:
        LeaseLostError: naming the controller (dropped from the fence).
    """
    token = fence.controllers.get(controller_id)
    if token is not None:
        now = database_now(connection, fence.clock)
        if lock_if_held(
            connection, CONTROLLER_LEASE, controller_id, token, owner=fence.owner, now=now
        ):
            return
    fence.controllers.pop(controller_id, None)
    raise ControllerLeaseLostError(controller_id)
