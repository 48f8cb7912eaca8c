"""Several daemons on one PostgreSQL database: each runs a fair share of the policies.

Every daemon started with a config registers its policies
(:mod:`lpexec.core.store.controller_leases`) and, on every heartbeat,

- renews its policies' leases and those of their executors (on a thread of its own, so a slow
  tick does not lose them); a policy whose lease it lost stops here at once: its executors are
  dropped from the engine (nothing more is sent or written for them) and the daemon that claimed
  it runs them;
- counts the live daemons: with more than its share of the policies it hands idle ones over (a
  daemon joined), with less it claims policies nobody holds (a daemon stopped or died: once
  their leases expire);
- claims the unfinished executors of the policies it holds and resumes them (the last holder's
  state and intents, as the store has them), and reloads each newly claimed policy's state.

A policy's executors run where the policy runs; ``lpexec worker`` processes never take them.
Writes are fenced: a daemon paused past its leases (GC pause, SIGSTOP, partition) writes no
executor state, no intent and no policy state when it wakes, and acts for none of its policies
until a renewal shows which it still holds.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from lpexec.app.heartbeat import Heartbeat
from lpexec.app.lease_holder import LeaseHolder, check_lease_timing
from lpexec.app.worker import new_worker_id
from lpexec.core import ConfigError, Engine
from lpexec.core.clock import Clock, LiveClock
from lpexec.core.store import Leases, SqlStore
from lpexec.core.store.controller_leases import ControllerLeases, holds_controller

__all__ = ["DaemonLeaseSettings", "DaemonLeases"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DaemonLeaseSettings:
    """How long a daemon's leases last and how often it renews them (at most half the TTL)."""

    ttl_seconds: float = 10.0
    heartbeat_seconds: float = 3.0

    def __post_init__(self) -> None:
        check_lease_timing(self.ttl_seconds, self.heartbeat_seconds)


class DaemonLeases(LeaseHolder):
    """The leases of one daemon: its share of ``policy_ids`` and their executors.

    Args:
        engine: the engine that runs the policies' executors (not started: it resumes only
            what is claimed); its store must be a :class:`SqlStore`, which gets this daemon's
            fence.
        policy_ids: every policy of the config (each daemon of the config lists the same).
        settings: TTL and heartbeat.
        daemon_id: this daemon's id (default ``host:pid:random``).
        on_claimed: called with the ids of policies newly claimed (reload their state).
        clock: the live clock the leases measure.
    """

    def __init__(
        self,
        engine: Engine,
        policy_ids: Collection[str],
        *,
        settings: DaemonLeaseSettings | None = None,
        daemon_id: str | None = None,
        on_claimed: Callable[[list[str]], None] = lambda _ids: None,
        clock: Clock | None = None,
    ) -> None:
        store = engine.store
        if not isinstance(store, SqlStore):
            raise ConfigError("store: expected a SQL store for leases (PostgreSQL)")
        self.engine = engine
        self.settings = settings or DaemonLeaseSettings()
        self.daemon_id = daemon_id or new_worker_id()
        self.policy_ids = sorted(set(policy_ids))
        self.executors = Leases(
            store.database,
            owner=self.daemon_id,
            ttl_seconds=self.settings.ttl_seconds,
            clock=clock or LiveClock(),
        )
        self.fence = self.executors.fence
        store.fence = self.fence
        self.policies = ControllerLeases(store.database, self.fence)
        store.database.end_abandoned_transactions(after_seconds=self.settings.ttl_seconds)
        self.policies.register(self.policy_ids)
        self._on_claimed = on_claimed
        self._lock = threading.Lock()
        self._lost_policies: set[str] = set()
        self._lost_executors: set[str] = set()
        self._incomplete: set[str] = set()
        """Policies held whose executors are not all taken yet (acted for once they are)."""
        self.claimed = 0
        """Executors claimed since the start (those of the policies claimed)."""
        self.released = 0
        """Executors handed over with their policies."""
        self.policies_claimed = 0
        self.policies_released = 0
        self.policies_lost = 0
        self.heartbeats = 0
        self.last_heartbeat = 0.0
        self.ready = False
        """True after the first heartbeat (its share claimed and its executors resumed)."""
        self.observe: Callable[[str, float], None] = lambda _what, _seconds: None
        """Called with ``("heartbeat", seconds)`` after each (metrics)."""

    # --- what the metrics read ------------------------------------------------------------------

    def policy_counts(self) -> tuple[int, int, int, int]:
        """Policies held now, claimed, handed over and lost since the start."""
        return (
            len(self.policies.held),
            self.policies_claimed,
            self.policies_released,
            self.policies_lost,
        )

    # --- what this daemon may act for -----------------------------------------------------------

    def holds(self, policy_id: str) -> bool:
        """True while this daemon holds the policy's lease (and it cannot have run out) and
        every unfinished executor of it (one its last holder still held is not taken yet)."""
        return holds_controller(self.fence, policy_id) and policy_id not in self._incomplete

    def held_policies(self) -> list[str]:
        """The policies this daemon may act for now, in config order."""
        return [policy_id for policy_id in self.policy_ids if self.holds(policy_id)]

    # --- heartbeat ------------------------------------------------------------------------------

    def renew(self) -> None:
        """Say this daemon is alive and extend its leases; what was lost is dropped at the next
        :meth:`balance` (and acted for no more at once: it is no longer in the fence)."""
        started = self.clock.monotonic()
        self.policies.beat()
        lost_policies = self.policies.renew()
        lost_executors = self.executors.renew()
        if lost_policies or lost_executors:
            with self._lock:
                self._lost_policies.update(lost_policies)
                self._lost_executors.update(lost_executors)
            logger.warning(
                "daemon %s lost %d policy lease(s) %s and %d executor lease(s)",
                self.daemon_id,
                len(lost_policies),
                sorted(lost_policies),
                len(lost_executors),
                extra={
                    "worker_id": self.daemon_id,
                    "controller_ids": sorted(lost_policies),
                    "executor_ids": sorted(lost_executors),
                },
            )
        self.heartbeats += 1
        self.last_heartbeat = self.clock.monotonic()
        self.observe("heartbeat", self.last_heartbeat - started)

    async def heartbeat(self) -> None:
        """:meth:`renew`, then :meth:`balance`."""
        self.renew()
        await self.balance()

    async def balance(self) -> list[str]:
        """Drop what was lost, hand over policies above the fair share, claim up to it, and
        take the executors of every policy held; return the policies newly claimed."""
        engine, policies = self.engine, self.policies
        with self._lock:
            lost_policies, self._lost_policies = self._lost_policies, set()
            lost_executors, self._lost_executors = self._lost_executors, set()
        if lost_policies:
            self.policies_lost += len(lost_policies)
            self._let_go(lost_policies, release=False)
        if lost_executors:
            engine.leases_lost += engine.drop(lost_executors)
        self._release_ended()
        hosts = max(1, policies.live_hosts())
        share = math.ceil(len(self.policy_ids) / hosts)
        held = list(policies.held)
        claimed: list[str] = []
        if len(held) > share:
            excess = self._idle(held)[: len(held) - share]
            self.released += self._let_go(set(excess), release=True)
            self.policies_released += len(excess)
            if excess:
                logger.info(
                    "daemon %s handed over %d policy(ies) to rebalance: %s",
                    self.daemon_id,
                    len(excess),
                    excess,
                    extra={"worker_id": self.daemon_id, "controller_ids": excess},
                )
        elif len(held) < share:
            claimed = sorted(policies.claim(self.policy_ids, share - len(held)))
            if claimed:
                self.policies_claimed += len(claimed)
                logger.info(
                    "daemon %s claimed policies %s",
                    self.daemon_id,
                    claimed,
                    extra={"worker_id": self.daemon_id, "controller_ids": claimed},
                )
        executors = policies.claim_executors(list(policies.held), self.fence)
        self.claimed += len(executors)
        if executors:
            try:
                report = await engine.adopt(sorted(executors))
            except SQLAlchemyError:  # not resumed: let the leases go for a later claim
                engine.drop(executors)
                for executor_id in executors:
                    self.fence.tokens.pop(executor_id, None)
                raise
            logger.info(
                "daemon %s took %d executor(s) of its policies: %d resumed, %d stranded",
                self.daemon_id,
                len(executors),
                len(report.resumed),
                len(report.stranded),
                extra={"worker_id": self.daemon_id, "executor_ids": sorted(executors)},
            )
        # A policy is acted for once this daemon holds every unfinished executor of it; its
        # state and executors (resumed above) are read then.
        incomplete = policies.incomplete(list(policies.held))
        complete = (set(claimed) | self._incomplete) - incomplete
        self._incomplete = incomplete
        complete &= set(policies.held)
        if complete:
            self._on_claimed(sorted(complete))
        self.ready = True
        return claimed

    def _let_go(self, policy_ids: set[str], *, release: bool) -> int:
        """Stop running these policies' executors here and release their leases (and the
        policies' own when ``release``: they were not lost but handed over)."""
        theirs = [
            executor_id
            for executor_id in list(self.fence.tokens)
            if self._policy_of(executor_id) in policy_ids
        ]
        self.engine.drop(theirs)
        # Released either way: a lease this daemon still renews would never move (a release at
        # a token another daemon has raised changes nothing).
        self.executors.release(theirs)
        if release:
            self.policies.release(policy_ids)
        return len(theirs)

    def _policy_of(self, executor_id: str) -> str | None:
        try:
            return self.engine.executor(executor_id).config.controller_id
        except KeyError:
            return None

    def _release_ended(self) -> None:
        ended = []
        for executor_id in list(self.fence.tokens):
            try:
                if self.engine.executor(executor_id).is_terminated:
                    ended.append(executor_id)
            except KeyError:
                continue
        if ended:
            self.engine.drop(ended)
            self.executors.release(ended)

    def _idle(self, held: list[str]) -> list[str]:
        """Held policies none of whose executors has work under way, last ones first."""
        busy = {self._policy_of(executor_id) for executor_id in self.engine.busy_executors()}
        return [policy_id for policy_id in sorted(held, reverse=True) if policy_id not in busy]

    async def run_heartbeats(
        self, stop: asyncio.Event, *, renew_until: asyncio.Event | None = None
    ) -> None:
        """Renew on a thread every heartbeat and balance on the event loop, until ``stop``; with
        ``renew_until``, go on renewing (without balancing) until it is set too: a stop's
        closes act under the leases, and may outlast a TTL."""
        beats = Heartbeat(
            renew=self.renew,
            balance=self.balance,
            seconds=self.settings.heartbeat_seconds,
            thread_name="daemon-leases",
            logger=logger,
            who=f"daemon {self.daemon_id}",
        )
        beats.start()
        try:
            await beats.balance_until(stop)
            if renew_until is not None:
                await renew_until.wait()
        finally:
            await beats.halt()

    async def leave(self) -> None:
        """Let writes in flight be answered, then release every lease (a clean stop)."""
        await self.engine.wait_inflight()
        held = list(self.fence.tokens)
        self.engine.drop(held)
        self.executors.release(held)
        self.policies.leave()
        self.executors.leave()
