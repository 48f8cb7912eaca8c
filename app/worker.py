"""A worker: one of N processes running the executors of one shared database.

Each worker claims a fair share of the unfinished executors (``core.store.leases``: ``FOR UPDATE
SKIP LOCKED``, a TTL, a fencing token), runs them on its engine, and on every heartbeat

- renews its leases (on a thread of its own, so a busy event loop keeps them), and drops every
  executor whose lease it lost (another worker took it over after this one was paused past its
  TTL: nothing more is sent or written for it);
- counts the live workers and the unfinished executors: with more than its share (plus a slack)
  it hands idle executors over (a worker joined), with less it claims executors nobody holds:
  new ones created by the API, the CLI or a controller, and those of a worker that left or died
  (their leases expired);
- releases the leases of executors that ended.

A clean stop lets writes in flight be answered, then releases every lease and leaves, so the
other workers take its executors over at their next heartbeat. SQLite is single-process: a
second worker (or daemon) on one SQLite file is refused with one line (:func:`single_process`).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import math
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lpexec.app.heartbeat import Heartbeat
from lpexec.app.lease_holder import LeaseHolder, check_lease_timing
from lpexec.core import ConfigError, Database, Engine, UnknownExecutorError
from lpexec.core.clock import Clock, LiveClock
from lpexec.core.store import Leases, SqlStore, StopRequests

__all__ = ["Worker", "WorkerSettings", "new_worker_id", "single_process"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How a worker keeps its leases and runs its executors.

    ``heartbeat_seconds`` must be well under ``ttl_seconds`` (a third or less): a lease is
    lost when two heartbeats in a row are late.
    """

    ttl_seconds: float = 10.0
    heartbeat_seconds: float = 3.0
    interval_seconds: float = 1.0
    """How often executors get market data and ticks."""
    max_write_wait_seconds: float = 15.0
    max_concurrent_calls: int | None = 16
    """How many venue calls the worker makes at once (None: no limit)."""
    slack: int = 1
    """How many executors above its fair share a worker keeps before releasing any (at least a
    tenth of the share, so executors ending one by one do not move the others around)."""

    def __post_init__(self) -> None:
        check_lease_timing(
            self.ttl_seconds, self.heartbeat_seconds, interval_seconds=self.interval_seconds
        )


def new_worker_id() -> str:
    """A worker id unique among the workers: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@contextmanager
def single_process(database: Database, *, what: str = "worker") -> Iterator[None]:
    """Hold the one-process lock of a SQLite store while the block runs; PostgreSQL needs none.

    Raises:
        ConfigError: another worker or daemon holds the SQLite store (one line, what to do).
    """
    url = make_url(str(database.engine.url))
    if database.dialect != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    path = Path(url.database).resolve()
    handle = open(f"{path}.lock", "a+")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"database sqlite:///{path}: another lpexec worker or daemon is running on it; "
                f"expected one {what} per SQLite store (use PostgreSQL to run several workers)"
            ) from None
        yield
    finally:
        handle.close()


class Worker(LeaseHolder):
    """Runs a fair share of the executors of a shared database on one engine.

    Args:
        engine: the engine that runs what this worker claims; its store must be a
            :class:`SqlStore` (it is fenced by this worker's leases).
        poll: reads market data and publishes it to the engine (``MarketPoller.poll``).
        settings: TTL, heartbeat and tick intervals.
        worker_id: this worker's id (default: :func:`new_worker_id`).
        types: the executor types it runs (None: every type).
        clock: the live clock the leases measure (a paper engine may run on simulated time).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        poll: Callable[[], Any] | None = None,
        settings: WorkerSettings | None = None,
        worker_id: str | None = None,
        types: frozenset[str] | None = None,
        clock: Clock | None = None,
    ) -> None:
        store = engine.store
        if not isinstance(store, SqlStore):
            raise ConfigError("store: expected a SQL store for a worker (SQLite or PostgreSQL)")
        self.engine = engine
        self.settings = settings or WorkerSettings()
        self.worker_id = worker_id or new_worker_id()
        self.leases = Leases(
            store.database,
            owner=self.worker_id,
            ttl_seconds=self.settings.ttl_seconds,
            clock=clock or LiveClock(),
            types=types,
        )
        self.fence = self.leases.fence
        store.fence = self.fence
        self.stops = StopRequests(store.database)
        """Stops asked for by processes that run no executors (an API beside the workers)."""
        engine.limit_concurrent_calls(self.settings.max_concurrent_calls)
        store.database.end_abandoned_transactions(after_seconds=self.settings.ttl_seconds)
        self._poll = poll
        self.observe: Callable[[str, float], None] = lambda _what, _seconds: None
        """Called with ``("tick" | "heartbeat", seconds)`` after each (metrics)."""
        self.claimed = 0
        """Executors claimed since the start (adopted from the store)."""
        self.released = 0
        self.lost = 0
        self.ready = False
        """True after the first heartbeat (its leases claimed and its executors resumed)."""
        self.last_heartbeat = 0.0
        self.heartbeats = 0
        self.ticks = 0
        self._lock = threading.Lock()
        self._lost: set[str] = set()
        """Leases the renewal thread found lost, for the event loop to drop."""
        self._loop_seen = 0.0
        """When the event loop last showed it runs (the renewal thread stops renewing for a
        loop stuck longer than three TTLs: its leases then move to a worker that runs)."""

    def renew(self) -> None:
        """Say this worker is alive and extend its leases (on the renewal thread while
        :meth:`run` runs); what was lost is dropped at the next :meth:`balance`."""
        leases = self.leases
        started = leases.clock.monotonic()
        leases.beat()
        lost = leases.renew()
        if lost:
            with self._lock:
                self._lost.update(lost)
            logger.warning(
                "worker %s lost %d lease(s): %s",
                self.worker_id,
                len(lost),
                _some(lost),
                extra={"worker_id": self.worker_id, "executor_ids": sorted(lost)},
            )
        self.heartbeats += 1
        self.last_heartbeat = leases.clock.monotonic()
        self.observe("heartbeat", self.last_heartbeat - started)

    async def heartbeat(self) -> None:
        """:meth:`renew`, then :meth:`balance` (both at once, on the calling thread)."""
        self.renew()
        await self.balance()

    async def balance(self) -> None:
        """Drop what was lost, release what ended or is above the fair share, claim up to the
        fair share (see the module docstring)."""
        leases, engine = self.leases, self.engine
        self._loop_seen = leases.clock.monotonic()
        with self._lock:
            lost, self._lost = self._lost, set()
        if lost:
            dropped = engine.drop(lost)
            self.lost += dropped
            engine.leases_lost += dropped
        ended = [
            executor_id
            for executor_id in list(leases.fence.tokens)
            if _has_ended(engine, executor_id)
        ]
        if ended:
            engine.drop(ended)
            leases.release(ended)
        ownership = leases.ownership()
        workers = max(1, len(ownership.live_workers))
        share = math.ceil(ownership.unfinished / workers)
        held = self.held
        if held > share + max(self.settings.slack, share // 10):
            excess = self._idle(held - share)
            engine.drop(excess)
            leases.release(excess)
            self.released += len(excess)
            logger.info(
                "worker %s released %d executor(s) to rebalance",
                self.worker_id,
                len(excess),
                extra={"worker_id": self.worker_id, "executor_ids": excess},
            )
        elif held < share:
            claimed = leases.claim(share - held)
            if claimed:
                try:
                    report = await engine.adopt(list(claimed))
                except SQLAlchemyError:  # not resumed: let the leases go for a later claim
                    engine.drop(claimed)
                    for executor_id in claimed:
                        leases.fence.tokens.pop(executor_id, None)
                    raise
                self.claimed += len(claimed)
                logger.info(
                    "worker %s claimed %d executor(s): %d resumed, %d stranded, %d intents to "
                    "send, %d to reconcile",
                    self.worker_id,
                    len(claimed),
                    len(report.resumed),
                    len(report.stranded),
                    report.intents_to_send,
                    report.intents_to_reconcile,
                    extra={"worker_id": self.worker_id, "executor_ids": sorted(claimed)},
                )
        await self._carry_out_stops()
        self.ready = True
        self._loop_seen = leases.clock.monotonic()

    async def _carry_out_stops(self) -> None:
        """Stop the held executors someone asked to stop (and forget requests of ended ones)."""
        done = []
        for request in self.stops.pending(list(self.leases.fence.tokens)):
            executor_id = request.executor_id
            if not _has_ended(self.engine, executor_id):
                try:
                    await self.engine.stop(executor_id, keep_position=request.keep_position)
                except UnknownExecutorError:  # not here (dropped meanwhile, or stranded)
                    continue
                logger.info(
                    "worker %s stopped %s as %s asked (keep_position=%s)",
                    self.worker_id,
                    executor_id,
                    request.requested_by or "someone",
                    request.keep_position,
                    extra={"worker_id": self.worker_id, "executor_ids": [executor_id]},
                )
            done.append(executor_id)
        self.stops.clear(done)

    def _idle(self, count: int) -> list[str]:
        """Up to ``count`` held executors to hand over: only those with no work under way (a
        write in flight handed over would wait for its settle window to be reconciled)."""
        busy = self.engine.busy_executors()
        return [e for e in sorted(list(self.leases.fence.tokens)) if e not in busy][:count]

    async def tick(self) -> None:
        """One round: market data, timers, then the commands that follow (bounded wait)."""
        clock = self.leases.clock
        started = clock.monotonic()
        if self._poll is not None:
            await self._poll()
        self.engine.tick()
        await self.engine.drain(max_wait=self.settings.max_write_wait_seconds)
        self.ticks += 1
        self.observe("tick", clock.monotonic() - started)

    async def run(self, stop: asyncio.Event) -> None:
        """Renew leases on a thread of their own, balance every heartbeat and tick every
        interval on the event loop, until ``stop`` is set; then stop cleanly (:meth:`stop`)."""
        await self.heartbeat()  # claim a share before the first tick
        beats = Heartbeat(
            renew=self._renew_unless_stuck,
            balance=self.balance,
            seconds=self.settings.heartbeat_seconds,
            thread_name="lease-renewal",
            logger=logger,
            who=f"worker {self.worker_id}",
        )
        beats.start()
        balancer = asyncio.create_task(beats.balance_until(stop))
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except SQLAlchemyError:  # the database did not answer: the next tick tries again
                    logger.exception("worker %s: a tick failed on the database", self.worker_id)
                self._loop_seen = self.leases.clock.monotonic()
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.interval_seconds)
                except TimeoutError:
                    pass
                if balancer.done():  # it raised: the worker cannot keep its share
                    balancer.result()
        finally:
            balancer.cancel()
            await asyncio.gather(balancer, return_exceptions=True)
            # The writes in flight are answered under leases still renewed (they may outlast a
            # TTL); none is extended once they are released.
            await self._wait_inflight_renewing()
            await beats.halt()
            await self.stop()

    async def _wait_inflight_renewing(self) -> None:
        """Wait for the writes in flight, showing the renewal thread the event loop runs."""
        waiting = asyncio.ensure_future(self.engine.wait_inflight())
        while not waiting.done():
            self._loop_seen = self.leases.clock.monotonic()
            await asyncio.wait({waiting}, timeout=self.settings.heartbeat_seconds)
        waiting.result()

    def _renew_unless_stuck(self) -> None:
        """:meth:`renew`, unless the event loop has not shown it runs for over three TTLs."""
        stuck = 3 * self.settings.ttl_seconds
        if self.leases.clock.monotonic() - self._loop_seen > stuck:
            logger.error(
                "worker %s: event loop stuck for over %s s; not renewing", self.worker_id, stuck
            )
            return
        self.renew()

    async def stop(self) -> None:
        """Let writes in flight be answered, then release every lease and leave."""
        await self.engine.wait_inflight()
        held = list(self.leases.fence.tokens)
        self.engine.drop(held)
        self.engine.drop(self._lost)
        self.leases.leave()
        logger.info("worker %s stopped; released %d executor(s)", self.worker_id, len(held))


def _some(ids: set[str], shown: int = 10) -> str:
    """Up to ``shown`` of these ids for a log line (all of them go in its structured fields)."""
    names = sorted(ids)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _has_ended(engine: Engine, executor_id: str) -> bool:
    """Terminated in memory (a stranded one, not in memory, stays held: listed, not re-run)."""
    try:
        return engine.executor(executor_id).is_terminated
    except KeyError:
        return False
