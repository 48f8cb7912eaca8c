"""Unknown outcomes decided from the evidence on the intent, in whichever process runs next.

The venue here keeps nothing between calls: what it learns while sending goes into the evidence,
and its reconcile reads only that evidence and its own records (as the Gateway adapters do with a
signature and the chain). A budget bounds "unknown": past it the executor is told and the intent
EXPIRES, listed; ``Engine.retry`` reconciles it again.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from fixtures.venues import LedgerVenue
from lpexec.core import (
    Command,
    Database,
    Engine,
    Evidence,
    MemoryStore,
    OutcomeEvent,
    OutcomeUnknownError,
    PlaceOrder,
    SqlStore,
)
from lpexec.core.store import IntentStatus

BUDGET = 600.0


class TicketVenue(LedgerVenue):
    """Carries an order out, records its ticket as evidence, then loses the answer; finds the
    order again only through the ticket (no ticket: it cannot tell)."""

    def __init__(self, *args, answer_lost: bool = True, visible: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.answer_lost = answer_lost
        self.visible = visible

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> list[OutcomeEvent]:
        evidence.record(ticket=f"t-{command.command_id}", amount=command.amount)
        events = await super().place_order(command, evidence)
        if self.answer_lost:
            raise OutcomeUnknownError("answer lost after sending")
        return events

    async def reconcile(self, command: Command, evidence: Evidence) -> OutcomeEvent | None:
        if "ticket" not in evidence or not self.visible:
            raise OutcomeUnknownError("nothing to look the order up by")
        assert evidence.decimal("amount") == command.amount  # type: ignore[attr-defined]
        return await super().reconcile(command, evidence)


@pytest.fixture(params=["sql", "memory"])
def store(request, sqlite_url):
    if request.param == "memory":
        yield MemoryStore()
        return
    database = Database.open(sqlite_url)
    yield SqlStore(database)
    database.close()


def engine_on(store, clock, venue) -> Engine:
    return Engine(
        store=store,
        clock=clock,
        executor_types=[BarrierOrderExecutor],
        venues={"exchange": venue},
        unknown_budget_seconds=BUDGET,
    )


async def test_evidence_is_durable_before_the_outcome_and_decides_it_after_a_restart(
    sqlite_url, clock, tmp_path
):
    # Arrange: the order lands, its answer is lost, and the process ends before reconciling
    database = Database.open(sqlite_url)
    venue = TicketVenue(tmp_path / "venue.db", clock=clock, price=Decimal(100))
    first = engine_on(SqlStore(database), clock, venue)
    await first.start()
    config = BarrierOrderConfig(amount=Decimal(2))
    await first.create(config)
    await first._run_ready()  # sent, answer lost; no reconcile in this process
    database.close()
    # Act: a new process with a new venue object (no memory) reconciles from the stored evidence
    database = Database.open(sqlite_url)
    store = SqlStore(database)
    (intent,) = store.open_intents()
    assert intent.evidence["ticket"] == f"t-{config.id}-1"
    second = engine_on(store, clock, TicketVenue(tmp_path / "venue.db", clock=clock))
    report = await second.start()
    await second.drain()
    # Assert: adopted once, never sent twice
    assert report.intents_to_reconcile == 1
    assert second.executor(config.id).state.open_base == Decimal(2)
    assert venue.executions() == {f"{config.id}-1": 1}
    assert store.intent(f"{config.id}-1").status == IntentStatus.DONE
    database.close()


async def test_an_outcome_unknown_past_its_budget_is_expired_and_the_executor_told(
    store, clock, tmp_path
):
    # Arrange: the venue can never tell what became of the order
    venue = TicketVenue(tmp_path / "venue.db", clock=clock, visible=False)
    engine = engine_on(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=0)
    await engine.create(config)
    await engine.drain()
    intent_id = f"{config.id}-1"
    # Act: within the budget it waits; past it the intent expires
    clock.advance(seconds=BUDGET - 1)
    await engine.drain()
    waiting = store.intent(intent_id).status
    clock.advance(seconds=1)
    await engine.drain()
    # Assert
    assert waiting == IntentStatus.UNKNOWN
    intent = store.intent(intent_id)
    assert intent.status == IntentStatus.EXPIRED
    assert "still unknown after 600 s" in intent.error
    executor = engine.executor(config.id)
    assert "outcome still unknown after 600 s" in executor.state.failure
    assert not engine.has_work


async def test_retry_reconciles_an_expired_intent_again_and_applies_what_it_finds(
    store, clock, tmp_path
):
    # Arrange: expired while the venue could not tell
    venue = TicketVenue(tmp_path / "venue.db", clock=clock, visible=False)
    engine = engine_on(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=1)
    await engine.create(config)
    await engine.drain()
    clock.advance(seconds=BUDGET)
    await engine.drain()
    intent_id = f"{config.id}-1"
    assert store.intent(intent_id).status == IntentStatus.EXPIRED
    # Act: the venue can tell now; the operator retries
    venue.visible = True
    reopened = engine.retry(config.id)
    await engine.drain()
    # Assert: the order that landed is found, not sent again
    assert reopened == 1
    assert store.intent(intent_id).status == IntentStatus.DONE
    assert venue.executions()[intent_id] == 1


async def test_a_resend_after_a_certain_miss_starts_with_fresh_evidence(store, clock, tmp_path):
    # Arrange: the first send is dropped (never lands), the second lands and answers
    calls: list[str] = []

    def fault(command: Command):
        calls.append(command.command_id)
        return "drop" if len(calls) == 1 else None

    venue = TicketVenue(tmp_path / "venue.db", clock=clock, fault=fault, answer_lost=False)
    engine = engine_on(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    # Act
    await engine.create(config)
    await engine.drain()
    # Assert
    intent_id = f"{config.id}-1"
    assert calls == [intent_id, intent_id]
    assert venue.executions() == {intent_id: 1}
    assert store.intent(intent_id).status == IntentStatus.DONE


class HangingVenue(LedgerVenue):
    """Never answers orders of one executor (a write whose answer does not come)."""

    def __init__(self, *args, hang_for: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.hang_for = hang_for

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> list[OutcomeEvent]:
        if command.executor_id == self.hang_for:
            await asyncio.Event().wait()
        return await super().place_order(command, evidence)


async def test_a_bounded_drain_leaves_a_hung_write_behind_and_serves_the_others(
    store, clock, tmp_path
):
    # Arrange: the first executor's order never gets an answer
    slow = BarrierOrderConfig(amount=Decimal(1))
    other = BarrierOrderConfig(amount=Decimal(2))
    venue = HangingVenue(tmp_path / "venue.db", clock=clock, hang_for=slow.id)
    engine = engine_on(store, clock, venue)
    await engine.start()
    await engine.create(slow)
    await engine.create(other)
    # Act
    await engine.drain(max_wait=0.05)
    # Assert: the other executor went on; the hung one is in flight, its intent SENT
    assert engine.executor(other.id).state.open_base == Decimal(2)
    assert engine.has_work
    assert store.intent(f"{slow.id}-1").status == IntentStatus.SENT
    # a second pass does not send the hung executor's command again
    await engine.drain(max_wait=0.05)
    assert venue.executions() == {f"{other.id}-1": 1}
    await engine.cancel_inflight()
    assert not engine.has_work
    assert store.intent(f"{slow.id}-1").status == IntentStatus.SENT  # reconciled at next start
