"""Carrying out commands: the queues of commands to send, their intents, evidence and outcomes.

A write command's **intent** is stored (by the engine, with the state change that asked for it)
before the :class:`Outbox` sends it. Sending marks the intent SENT and counts the attempt; the
venue port gets an :class:`~core.evidence.Evidence` on the intent, so what the adapter learns while
sending (a pending signature, balances before) is durable before the outcome is known. The
outcome settles the intent:

- events: DONE, and the events go to the executor in the same transaction as the intent update;
- rejected or unavailable: FAILED, and the executor gets ``CommandFailed``;
- unknown (a timeout, a venue that raised on a write): UNKNOWN. :meth:`Outbox.reconcile` asks the
  venue's ``reconcile(command, evidence)``: a write that landed gets its outcome; one that
  certainly did not is sent again under the same intent with fresh evidence (at most
  ``max_sends`` sends in all; then the executor gets ``CommandFailed(code="not_carried_out")``
  and decides whether to try again with a new command: a cancel must, or its order stays
  open); one still unknown waits. An outcome still unknown
  ``unknown_budget`` after it became unknown EXPIRES: the executor gets
  ``CommandFailed(code="outcome_unknown")``, and :meth:`Outbox.retry` reopens it.

Reads (``is_write`` False) have no intent: their failures are retryable ``CommandFailed`` events.
The outbox never touches an executor: outcomes go through the ``apply`` callback it is given.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lpexec.core.clock import Clock
from lpexec.core.errors import OutcomeUnknownError, VenueRejectedError, VenueUnavailableError
from lpexec.core.evidence import Evidence
from lpexec.core.messages import Command, CommandFailed, Event
from lpexec.core.ports import Reconciler
from lpexec.core.store.leases import LeaseLostError
from lpexec.core.store.port import Store, StoredIntent
from lpexec.core.store.tables import IntentStatus

__all__ = ["ApplyOutcome", "IntentUpdate", "Outbox"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IntentUpdate:
    """An intent's new status, written in the transaction that applies its outcome."""

    intent_id: str
    status: str
    outcome: dict[str, Any] | None = None
    events: tuple[Event, ...] | None = None
    """Outcome events (the store records them as the outcome)."""
    error: str | None = None


NOT_CARRIED_OUT = "not_carried_out"
"""The code of a write proven not carried out after every send it was allowed."""

ApplyOutcome = Callable[[str, Sequence[Event], IntentUpdate | None], bool]
"""``apply(executor_id, events, intent)``: apply a command's outcome events to its executor and
write the intent update with them; False when the executor is not here (nothing applied)."""


class Outbox:
    """Sends queued commands through the venue ports and settles their intents.

    Args:
        store: where intent statuses and evidence are written.
        clock: the only source of time.
        venues: port adapters by venue key (the ``venue`` field of commands).
        apply: hands outcome events to the executor (see :data:`ApplyOutcome`).
        is_live: whether an executor is live (in memory and not terminated): a write proven
            not carried out is never sent again for an executor that has ended (a place
            re-sent after its executor stopped would leave an order nobody tracks).
        max_sends: how many times one intent may be sent.
        unknown_budget_seconds: how long an outcome may stay unknown before it expires.
        may_send: whether this process may still send a write for an executor (a worker's
            lease not past due); a write it may not send stays PENDING for the next holder.
        on_lost: called with the executors whose lease this worker lost (a fenced store
            refused a write); they must be dropped, nothing more is done for them here.

    Attributes:
        unresolved: the commands whose outcome is unknown, by intent id.
        reconciliations: how many reconciliations ended each way (``landed``, ``not_landed``,
            ``unknown``: still unknown, ``error``: the venue raised).
        on_venue_call: called with ``(venue, command kind, seconds)`` after each venue call.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        venues: Mapping[str, object],
        apply: ApplyOutcome,
        is_live: Callable[[str], bool] = lambda _executor_id: True,
        max_sends: int,
        unknown_budget_seconds: float,
        may_send: Callable[[str], bool] = lambda _executor_id: True,
        on_lost: Callable[[frozenset[str]], None] = lambda _executor_ids: None,
    ) -> None:
        self._store = store
        self._may_send = may_send
        self._on_lost = on_lost
        self._clock = clock
        self._venues = venues
        self._apply = apply
        self._is_live = is_live
        self._max_sends = max_sends
        self._unknown_budget = dt.timedelta(seconds=unknown_budget_seconds)
        # Only executors with work keep a queue, so has_work and a drain never scan the many
        # executors a long run has finished.
        self._queues: dict[str, deque[Command]] = defaultdict(deque)
        self.unresolved: dict[str, Command] = {}
        self._sends: dict[str, int] = {}
        self._evidence: dict[str, dict[str, Any]] = {}
        """Evidence of the intents not settled yet, as stored (written through to the store)."""
        self.reconciliations: Counter[str] = Counter()
        self._calls: asyncio.Semaphore | None = None
        self.on_venue_call: Callable[[str, str, float], None] | None = None
        # A store's one-call units of work for the two writes of every send, where it has them
        # (see MemoryStore.save_intent_status and save_intent_evidence).
        self._save_status = getattr(store, "save_intent_status", None)
        self._save_evidence = getattr(store, "save_intent_evidence", None)

    def set_apply(self, apply: ApplyOutcome) -> None:
        """Hand outcomes to ``apply`` from now on (the same callback without a layer)."""
        self._apply = apply

    # --- queues ------------------------------------------------------------------------------

    @property
    def has_work(self) -> bool:
        """True while commands wait to be sent or outcomes to be reconciled."""
        return any(self._queues.values()) or bool(self.unresolved)

    @property
    def queued_count(self) -> int:
        """How many commands wait to be sent."""
        return sum(len(queue) for queue in self._queues.values())

    def enqueue(self, executor_id: str, commands: Iterable[Command]) -> None:
        """Queue commands to send after the executor's earlier ones."""
        self._queues[executor_id].extend(commands)

    def discard(self, executor_id: str) -> None:
        """Drop the commands queued for an executor (it stranded)."""
        self._queues.pop(executor_id, None)

    def forget(self, executor_ids: set[str]) -> None:
        """Drop everything held for these executors (another worker runs them now): queued
        commands, unknown outcomes, send counts and evidence. Their intents stay in the store
        as they are, for the next holder to send or reconcile."""
        for executor_id in executor_ids:
            self._queues.pop(executor_id, None)
        for intent_id, command in list(self.unresolved.items()):
            if command.executor_id in executor_ids:
                del self.unresolved[intent_id]
                self._sends.pop(intent_id, None)
                self._evidence.pop(intent_id, None)

    def ready(self) -> list[str]:
        """The executors with commands waiting to be sent."""
        return [executor_id for executor_id, queue in self._queues.items() if queue]

    async def send_queued(self, executor_id: str) -> None:
        """Send an executor's queued commands one after the other."""
        queue = self._queues[executor_id]
        while queue and self._queues.get(executor_id) is queue:  # not forgotten meanwhile
            if self._calls is None:  # what execute does, without its own coroutine
                await self._execute(queue.popleft())
            else:
                await self.execute(queue.popleft())
        if self._queues.get(executor_id) is queue:
            del self._queues[executor_id]

    def resume(self, intents: Iterable[StoredIntent]) -> tuple[int, int]:
        """Take over open intents from the store: PENDING ones are queued to send, SENT and
        UNKNOWN ones to reconcile; return how many of each."""
        to_send = to_reconcile = 0
        for intent in intents:
            command = intent.command
            self._sends[command.command_id] = intent.attempts
            if intent.evidence:
                self._evidence[command.command_id] = dict(intent.evidence)
            if intent.status == IntentStatus.PENDING:
                self._queues[command.executor_id].append(command)
                to_send += 1
            else:
                self.unresolved[command.command_id] = command
                to_reconcile += 1
        return to_send, to_reconcile

    # --- sending -----------------------------------------------------------------------------

    def limit_calls(self, limit: int | None) -> None:
        """Let at most ``limit`` venue calls run at once (None: no limit); the others wait
        their turn before their intent is marked SENT."""
        self._calls = asyncio.Semaphore(limit) if limit else None

    async def execute(self, command: Command) -> None:
        """Send one command through its venue port and settle its outcome."""
        if self._calls is None:
            await self._execute(command)
            return
        async with self._calls:
            await self._execute(command)

    async def _execute(self, command: Command) -> None:
        method_name = command.port_method
        venue = self._venues.get(command.venue)
        method = getattr(venue, method_name, None) if venue is not None else None
        if method is None:
            reason = f"venue: no venue {command.venue!r} that can {method_name} is configured"
            self._fail(command, reason, retryable=False)
            return
        if command.is_write and not self._mark_sent(command):
            return
        on_venue_call = self.on_venue_call
        started = self._clock.monotonic() if on_venue_call is not None else 0.0
        try:
            try:
                if command.is_write:
                    result = await method(command, self.evidence_for(command.command_id))
                else:
                    result = await method(command)
            finally:
                if on_venue_call is not None:
                    elapsed = self._clock.monotonic() - started
                    on_venue_call(command.venue, type(command).__name__, elapsed)
        except LeaseLostError as e:  # evidence refused: the next holder reconciles
            self._on_lost(e.executor_ids)
            return
        except OutcomeUnknownError as e:
            if command.is_write:
                self._mark_unknown(command, str(e))
            else:  # a read that cannot tell yet: the executor asks again later
                self._fail(command, str(e), retryable=True, code=e.code)
            return
        except VenueRejectedError as e:
            self._fail(
                command,
                str(e),
                retryable=False,
                code=e.code,
                tx_fee=e.tx_fee,
                signature=e.signature,
            )
            return
        except VenueUnavailableError as e:
            self._fail(command, str(e), retryable=True, code=e.code)
            return
        except Exception as e:
            logger.exception("venue %s raised on %s", command.venue, type(command).__name__)
            if command.is_write:
                self._mark_unknown(command, f"{type(e).__name__}: {e}")
            else:
                self._fail(command, f"{type(e).__name__}: {e}", retryable=True)
            return
        self._deliver(command, result)

    def _mark_sent(self, command: Command) -> bool:
        """Record a write as SENT before it goes; False when this worker may not send it (its
        lease is past due or was taken: the next holder sends it)."""
        if not self._may_send(command.executor_id):
            self._on_lost(frozenset((command.executor_id,)))
            return False
        try:
            if self._save_status is not None:
                self._save_status(
                    command.command_id, IntentStatus.SENT, now=self._clock.now(), count_attempt=True
                )
            else:
                with self._store.transaction() as unit:
                    unit.set_intent_status(
                        command.command_id,
                        IntentStatus.SENT,
                        now=self._clock.now(),
                        count_attempt=True,
                    )
        except LeaseLostError as e:
            self._on_lost(e.executor_ids)
            return False
        self._sends[command.command_id] = self._sends.get(command.command_id, 0) + 1
        return True

    def evidence_for(self, intent_id: str) -> Evidence:
        """The evidence of an open intent; what an adapter records is stored at once."""
        facts = self._evidence.setdefault(intent_id, {})

        def store(new: dict[str, Any]) -> None:
            facts.update(new)
            if self._save_evidence is not None:
                self._save_evidence(intent_id, new, now=self._clock.now())
                return
            with self._store.transaction() as unit:
                unit.add_intent_evidence(intent_id, new, now=self._clock.now())

        return Evidence(facts, on_record=store)

    # --- settling ----------------------------------------------------------------------------

    def _deliver(self, command: Command, result: Event | Sequence[Event]) -> None:
        events: list[Event] = [result] if isinstance(result, Event) else list(result)
        update = None
        if command.is_write:
            self._evidence.pop(command.command_id, None)
            update = IntentUpdate(command.command_id, IntentStatus.DONE, events=tuple(events))
        if not events or not self._apply(command.executor_id, events, update):
            self._record_intent(update)

    def _fail(
        self,
        command: Command,
        reason: str,
        *,
        retryable: bool,
        code: str = "",
        tx_fee: Decimal = Decimal(0),
        signature: str = "",
        status: str = IntentStatus.FAILED,
    ) -> None:
        event = CommandFailed(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            reason=reason,
            retryable=retryable,
            code=code,
            tx_fee=tx_fee,
            signature=signature,
        )
        update = None
        if command.is_write:
            self._evidence.pop(command.command_id, None)
            update = IntentUpdate(command.command_id, status, error=reason)
        if not self._apply(command.executor_id, [event], update):
            self._record_intent(update)

    def _record_intent(self, update: IntentUpdate | None) -> None:
        if update is None:
            return
        try:
            with self._store.transaction() as unit:
                unit.set_intent_status(
                    update.intent_id,
                    update.status,
                    now=self._clock.now(),
                    outcome=update.outcome,
                    events=update.events,
                    error=update.error,
                )
        except LeaseLostError as e:
            self._on_lost(e.executor_ids)

    # --- unknown outcomes --------------------------------------------------------------------

    def _mark_unknown(self, command: Command, reason: str) -> None:
        logger.warning("outcome of %s is unknown (%s); reconciling", command.command_id, reason)
        self.unresolved[command.command_id] = command
        now = self._clock.now()
        try:
            with self._store.transaction() as unit:
                unit.set_intent_status(
                    command.command_id, IntentStatus.UNKNOWN, now=now, error=reason
                )
            self._unknown_since(command.command_id)
        except LeaseLostError as e:
            self._on_lost(e.executor_ids)

    def _unknown_since(self, intent_id: str) -> dt.datetime:
        """When the intent's outcome became unknown (recorded on first call)."""
        evidence = self.evidence_for(intent_id)
        since = evidence.time("unknown_since")
        if since is None:
            since = self._clock.now()
            evidence.record(unknown_since=since)
        return since

    def _expire_if_spent(self, command: Command, reason: str) -> bool:
        """End an outcome unknown for longer than its budget; True when it was ended."""
        try:
            since = self._unknown_since(command.command_id)
        except LeaseLostError as e:
            self._on_lost(e.executor_ids)
            return False
        waited = self._clock.now() - since
        if waited < self._unknown_budget:
            return False
        del self.unresolved[command.command_id]
        logger.error("outcome of %s still unknown after %s: %s", command.command_id, waited, reason)
        self._fail(
            command,
            f"outcome still unknown after {int(waited.total_seconds())} s ({reason}); it may "
            "have landed: check the venue, then retry the executor to reconcile again",
            retryable=False,
            code="outcome_unknown",
            status=IntentStatus.EXPIRED,
        )
        return True

    def retry(self, executor_id: str) -> int:
        """Reopen an executor's expired intents for reconciliation (their budget starts over);
        return how many were reopened."""
        reopened = 0
        now = self._clock.now()
        for intent in self._store.intents_for(executor_id):
            if intent.status != IntentStatus.EXPIRED:
                continue
            command = intent.command
            facts = {key: value for key, value in intent.evidence.items() if key != "unknown_since"}
            self._evidence[command.command_id] = dict(facts)
            with self._store.transaction() as unit:
                unit.set_intent_status(command.command_id, IntentStatus.UNKNOWN, now=now)
                unit.add_intent_evidence(command.command_id, facts, now=now, replace=True)
            self._sends.setdefault(command.command_id, intent.attempts)
            self.unresolved[command.command_id] = command
            reopened += 1
        return reopened

    async def reconcile(self) -> int:
        """Ask the ports what became of every unknown outcome; return how many were settled."""
        settled = 0
        for command_id, command in list(self.unresolved.items()):
            if command_id not in self.unresolved:  # its executor was dropped meanwhile
                continue
            venue = self._venues.get(command.venue)
            try:
                if not isinstance(venue, Reconciler):
                    raise VenueUnavailableError(f"venue {command.venue!r} cannot reconcile")
                outcome = await venue.reconcile(command, self.evidence_for(command_id))
            except LeaseLostError as e:
                self._on_lost(e.executor_ids)
                continue
            except (OutcomeUnknownError, VenueUnavailableError) as e:
                logger.info("still unknown: %s (%s)", command_id, e)
                self.reconciliations["unknown"] += 1
                self._expire_if_spent(command, str(e))
                continue
            except Exception as e:
                logger.exception("reconciling %s raised", command_id)
                self.reconciliations["error"] += 1
                self._expire_if_spent(command, f"{type(e).__name__}: {e}")
                continue
            if self.unresolved.pop(command_id, None) is None:
                continue
            settled += 1
            self.reconciliations["landed" if outcome is not None else "not_landed"] += 1
            if outcome is not None:
                logger.info("reconciled %s: it landed", command_id)
                self._deliver(command, outcome)
                continue
            sends = self._sends.get(command_id, 0)
            if not self._is_live(command.executor_id):
                reason = "not carried out, and not sent again: its executor has ended"
                self._fail(command, reason, retryable=False, code="executor_ended")
                continue
            if sends >= self._max_sends:
                # Certainly not carried out: the code lets an executor that must try again (a
                # cancel, or its order stays open) tell this apart from a refusal.
                reason = f"not carried out after {sends} sends"
                self._fail(command, reason, retryable=False, code=NOT_CARRIED_OUT)
                continue
            logger.info("reconciled %s: it did not land; sending again", command_id)
            # The earlier send's evidence is spent (it certainly did not land): start afresh.
            self._evidence[command_id] = {}
            try:
                with self._store.transaction() as unit:
                    now = self._clock.now()
                    unit.set_intent_status(command_id, IntentStatus.PENDING, now=now)
                    unit.add_intent_evidence(command_id, {}, now=now, replace=True)
            except LeaseLostError as e:
                self._on_lost(e.executor_ids)
                continue
            self._queues[command.executor_id].append(command)
        return settled
