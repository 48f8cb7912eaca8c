"""Stops asked for across processes: an API server that runs no executors (they run on the
workers) records a stop; the worker holding the executor's lease carries it out at its next
heartbeat, then deletes the request. A second request for one executor replaces the first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, select

from lpexec.core.store.database import Database
from lpexec.core.store.tables import stop_requests_table

__all__ = ["StopRequest", "StopRequests"]

_TABLE = stop_requests_table


@dataclass(frozen=True, slots=True)
class StopRequest:
    """One pending stop: how to stop (``keep_position`` None: the config's default), who asked
    and when."""

    executor_id: str
    keep_position: bool | None
    requested_by: str
    requested_at: dt.datetime


class StopRequests:
    """The pending stop requests of one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def request(
        self,
        executor_id: str,
        *,
        keep_position: bool | None,
        requested_by: str,
        now: dt.datetime,
    ) -> None:
        """Record (or replace) the stop request of ``executor_id``."""
        with self.database.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.executor_id == executor_id))
            connection.execute(
                _TABLE.insert().values(
                    executor_id=executor_id,
                    keep_position=keep_position,
                    requested_by=requested_by[:128],
                    requested_at=now,
                )
            )

    def pending(self, executor_ids: Collection[str]) -> list[StopRequest]:
        """The requests for these executors, oldest first. The table holds only requests not
        carried out yet (a handful), so it is read whole and filtered here: a worker asking for
        its 10,000 executors sends no 10,000-id query."""
        wanted = executor_ids if isinstance(executor_ids, set | frozenset) else set(executor_ids)
        if not wanted:
            return []
        with self.database.connect() as connection:
            rows = connection.execute(
                select(_TABLE).order_by(_TABLE.c.requested_at, _TABLE.c.executor_id)
            ).all()
        return [
            StopRequest(
                executor_id=row.executor_id,
                keep_position=row.keep_position,
                requested_by=row.requested_by,
                requested_at=row.requested_at,
            )
            for row in rows
            if row.executor_id in wanted
        ]

    def clear(self, executor_ids: Collection[str]) -> None:
        """Forget these executors' requests (carried out, or the executor has ended)."""
        if not executor_ids:
            return
        with self.database.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.executor_id.in_(list(executor_ids))))
