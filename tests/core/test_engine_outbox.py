"""The outbox: intents written before sends, evidence on the intent, unknown outcomes decided
from it in whichever process runs next, re-sends under one intent, failures.

The ticket venue here keeps nothing between calls: what it learns while sending goes into the
evidence, and its reconcile reads only that evidence and its own records (as the Gateway adapters
do with a signature and the chain). A budget bounds "unknown": past it the executor is told and
the intent EXPIRES, listed; ``Engine.retry`` reconciles it again. Every test runs on both stores.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.engine_builders import TYPES, intents, make_engine, make_venue
from fixtures.executors import BarrierOrderConfig, BarrierOrderExecutor
from fixtures.venues import LedgerVenue
from lpexec.core import (
    CloseType,
    Command,
    Database,
    Engine,
    Evidence,
    ExecutorStatus,
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
    # Arrange: the order lands, its answer is lost, and the process ends without finding it
    database = Database.open(sqlite_url)
    venue = TicketVenue(tmp_path / "venue.db", clock=clock, price=Decimal(100))
    first = engine_on(SqlStore(database), clock, venue)
    await first.start()
    config = BarrierOrderConfig(amount=Decimal(2))
    await first.create(config)
    venue.visible = False  # this process cannot find the order again: it stays unknown
    await first.drain()
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


async def test_a_write_that_landed_but_timed_out_is_reconciled_not_resent(store, clock, tmp_path):
    # Arrange: the first order lands but the venue answers "unknown"
    seen: list[str] = []

    def fault(command: Command):
        seen.append(command.command_id)
        return "land_unknown" if len(seen) == 1 else None

    venue = make_venue(tmp_path, clock, fault)
    engine = make_engine(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    # Act
    await engine.create(config)
    await engine.drain()
    # Assert: adopted from the venue's records, sent once
    executor = engine.executor(config.id)
    assert executor.state.open_base == Decimal(1)
    assert venue.executions() == {f"{config.id}-1": 1}
    assert seen == [f"{config.id}-1"]
    assert intents(store, config.id)[f"{config.id}-1"].status == IntentStatus.DONE


async def test_a_dropped_write_is_sent_again_under_the_same_intent(store, clock, tmp_path):
    calls: list[str] = []

    def fault(command: Command):
        calls.append(command.command_id)
        return "drop" if len(calls) == 1 else None

    venue = make_venue(tmp_path, clock, fault)
    engine = make_engine(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1))
    await engine.create(config)
    await engine.drain()
    command_id = f"{config.id}-1"
    assert calls == [command_id, command_id]
    assert venue.executions() == {command_id: 1}
    row = intents(store, config.id)[command_id]
    assert (row.status, row.attempts) == (IntentStatus.DONE, 2)


async def test_a_write_dropped_every_time_fails_after_max_sends(store, clock, tmp_path):
    venue = make_venue(tmp_path, clock, lambda command: "drop")
    engine = make_engine(store, clock, venue, max_sends=2)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=0)
    await engine.create(config)
    rounds = 0
    while engine.has_work and rounds < 10:  # one reconciliation pass per drain
        await engine.drain()
        rounds += 1
    info = engine.info(config.id)
    assert rounds == 2
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.FAILED)
    assert venue.executions() == {}
    row = intents(store, config.id)[f"{config.id}-1"]
    assert (row.status, row.attempts, row.error) == (
        IntentStatus.FAILED,
        2,
        "not carried out after 2 sends",
    )


@pytest.mark.parametrize(("fault", "retryable"), [("reject", False), ("unavailable", True)])
async def test_refusals_become_command_failed(store, clock, tmp_path, fault, retryable):
    venue = make_venue(tmp_path, clock, lambda command: fault)
    engine = make_engine(store, clock, venue)
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=0)
    await engine.create(config)
    await engine.drain()
    assert engine.info(config.id).close_type is CloseType.FAILED
    (failed,) = [entry for entry in store.journal(config.id) if entry.kind == "CommandFailed"]
    assert failed.event.retryable is retryable
    assert intents(store, config.id)[f"{config.id}-1"].status == IntentStatus.FAILED


async def test_a_command_for_a_missing_venue_fails_cleanly(store, clock, tmp_path):
    engine = Engine(store=store, clock=clock, executor_types=TYPES, venues={})
    await engine.start()
    config = BarrierOrderConfig(amount=Decimal(1), max_retries=0)
    await engine.create(config)
    await engine.drain()
    assert engine.info(config.id).close_type is CloseType.FAILED
    assert intents(store, config.id)[f"{config.id}-1"].error == (
        "venue: no venue 'exchange' that can place_order is configured"
    )
