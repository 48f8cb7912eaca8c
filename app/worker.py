"""A worker: one of N processes running the executors of one shared database.

Each worker claims a fair share of the unfinished executors (``core.store.leases``: ``FOR UPDATE
SKIP LOCKED``, a TTL, a fencing token), runs them on its engine, and on every heartbeat

- renews its leases, and drops at once every executor whose lease it lost (another worker took
  it over after this one was paused past its TTL: nothing more is sent or written for it);
- counts the live workers and the unfinished executors: with more than its share it releases
  the excess (a worker joined), with less it claims executors nobody holds: new ones created by
  the API, the CLI or a controller, and those of a worker that left or died (their leases expired);
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from lpexec.core import ConfigError, Database, Engine
from lpexec.core.clock import Clock, LiveClock
from lpexec.core.store import Leases, SqlStore

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
    slack: int = 1
    """How many executors above its fair share a worker keeps before releasing any."""

    def __post_init__(self) -> None:
        for name in ("ttl_seconds", "heartbeat_seconds", "interval_seconds"):
            value = getattr(self, name)
            if not value > 0:
                raise ConfigError(
                    f"{name}: expected a positive number of seconds, received {value}"
                )
        if self.heartbeat_seconds * 2 > self.ttl_seconds:
            raise ConfigError(
                f"heartbeat_seconds: expected at most half of ttl_seconds ({self.ttl_seconds}), "
                f"received {self.heartbeat_seconds}"
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


class Worker:
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
        store.fence = self.leases.fence
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

    @property
    def held(self) -> int:
        """How many executors this worker holds now."""
        return len(self.leases.fence.tokens)

    async def heartbeat(self) -> None:
        """Renew, drop what was lost, release what ended or is above the fair share, claim up
        to the fair share (see the module docstring)."""
        leases, engine = self.leases, self.engine
        started = leases.clock.monotonic()
        leases.beat()
        lost = leases.renew()
        if lost:
            self.lost += engine.drop(lost)
            engine.leases_lost += len(lost)
            logger.warning(
                "worker %s lost %d lease(s): %s", self.worker_id, len(lost), sorted(lost)
            )
        ended = [
            executor_id for executor_id in leases.fence.tokens if _has_ended(engine, executor_id)
        ]
        if ended:
            engine.drop(ended)
            leases.release(ended)
        ownership = leases.ownership()
        workers = max(1, len(ownership.live_workers))
        share = math.ceil(ownership.unfinished / workers)
        held = self.held
        if held > share + self.settings.slack:
            excess = self._idle_first(held - share)
            engine.drop(excess)
            leases.release(excess)
            self.released += len(excess)
            logger.info(
                "worker %s released %d executor(s) to rebalance", self.worker_id, len(excess)
            )
        elif held < share:
            claimed = leases.claim(share - held)
            if claimed:
                report = await engine.adopt(list(claimed))
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
                )
        self.ready = True
        self.heartbeats += 1
        self.last_heartbeat = leases.clock.monotonic()
        self.observe("heartbeat", self.last_heartbeat - started)

    def _idle_first(self, count: int) -> list[str]:
        """``count`` held executors to hand over, those with no work in flight first."""
        busy = set(self.engine.busy_executors())
        held = sorted(self.leases.fence.tokens)
        ordered = [e for e in held if e not in busy] + [e for e in held if e in busy]
        return ordered[:count]

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
        """Heartbeat and tick until ``stop`` is set, then stop cleanly (:meth:`stop`)."""
        heartbeat = asyncio.create_task(self._heartbeats(stop))
        try:
            while not stop.is_set():
                if self.ready:
                    await self.tick()
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.interval_seconds)
                except TimeoutError:
                    pass
                if heartbeat.done():  # it raised: the worker cannot keep its leases
                    heartbeat.result()
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await self.stop()

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.heartbeat()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.heartbeat_seconds)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        """Let writes in flight be answered, then release every lease and leave."""
        await self.engine.wait_inflight()
        held = list(self.leases.fence.tokens)
        self.engine.drop(held)
        self.leases.leave()
        logger.info("worker %s stopped; released %d executor(s)", self.worker_id, len(held))


def _has_ended(engine: Engine, executor_id: str) -> bool:
    """Terminated in memory (a stranded one, not in memory, stays held: listed, not re-run)."""
    try:
        return engine.executor(executor_id).is_terminated
    except KeyError:
        return False
