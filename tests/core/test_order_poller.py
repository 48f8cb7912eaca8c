"""Venue records of orders reaching executors: ``OrderReport.events``, ``Engine.observe`` (a
record read again journals nothing) and the ``OrderPoller`` (one bad read never stops it)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.events import T0, at
from lpexec.cex import OrderExecutor, OrderExecutorConfig
from lpexec.core import (
    Engine,
    Evidence,
    OrderCanceled,
    OrderCreated,
    OrderFailed,
    OrderFilled,
    OrderPoller,
    OrderReport,
    PlaceOrder,
    SimulatedClock,
    VenueUnavailableError,
)

D = Decimal
PAIR = "SOL-USDC"


def fill(fill_id: str, base: str = "1", price: str = "100", final: bool = False, **fields):
    values = {
        "ts_event": at(int(fill_id)),
        "command_id": "",
        "client_order_id": "c-1",
        "fill_id": fill_id,
        "side": "BUY",
        "base_amount": D(base),
        "price": D(price),
        "fee_quote": D("0.1"),
        "is_final": final,
    }
    values.update(fields)
    return OrderFilled(**values)


def report(status: str, *fills: OrderFilled, reason: str = "") -> OrderReport:
    return OrderReport(
        client_order_id="c-1",
        trading_pair=PAIR,
        status=status,
        venue_order_id="v-1",
        fills=fills,
        reason=reason,
    )


def kinds(events) -> list[str]:
    return [type(event).__name__ for event in events]


# --- OrderReport.events ---------------------------------------------------------------------


def test_an_open_order_without_fills_implies_only_its_creation():
    (created,) = report("OPEN").events(at(9), command_id="cmd-1")

    assert created == OrderCreated(
        ts_event=at(9), command_id="cmd-1", client_order_id="c-1", venue_order_id="v-1"
    )


def test_an_open_order_implies_its_fills_as_recorded_and_none_final():
    fills = (fill("1"), fill("2"))

    events = report("OPEN", *fills).events(at(9))

    assert kinds(events) == ["OrderCreated", "OrderFilled", "OrderFilled"]
    assert tuple(events[1:]) == fills
    assert events[0].command_id == ""  # read by the poller: it answers no command


def test_a_filled_order_makes_its_last_fill_final_and_leaves_the_others():
    first, last = fill("1"), fill("2", command_id="cmd-7")

    events = report("FILLED", first, last).events(at(9))

    assert events[1] is first
    final = events[2]
    assert final.is_final and not last.is_final
    assert (final.fill_id, final.base_amount, final.price, final.fee_quote) == (
        "2",
        D(1),
        D(100),
        D("0.1"),
    )
    assert (final.ts_event, final.command_id) == (last.ts_event, "cmd-7")


def test_a_fill_already_final_is_passed_on_unchanged():
    last = fill("1", final=True)

    assert report("FILLED", last).events(at(9))[1] is last


def test_a_canceled_order_implies_its_fills_then_the_cancel():
    events = report("CANCELED", fill("1")).events(at(9), command_id="cmd-2")

    assert kinds(events) == ["OrderCreated", "OrderFilled", "OrderCanceled"]
    assert not events[1].is_final
    assert events[2] == OrderCanceled(ts_event=at(9), command_id="cmd-2", client_order_id="c-1")


def test_a_failed_order_without_fills_implies_only_its_failure():
    events = report("FAILED", reason="too small").events(at(9), command_id="cmd-1")

    assert events == [
        OrderFailed(ts_event=at(9), command_id="cmd-1", client_order_id="c-1", reason="too small")
    ]


def test_a_failed_order_with_fills_implies_creation_fills_then_failure():
    events = report("FAILED", fill("1"), reason="liquidated").events(at(9))

    assert kinds(events) == ["OrderCreated", "OrderFilled", "OrderFailed"]
    assert events[-1].reason == "liquidated"


def test_the_filled_amount_sums_the_fills():
    assert report("OPEN", fill("1", "0.25"), fill("2", "0.5")).filled_amount == D("0.75")
    assert report("OPEN").filled_amount == 0


# --- Engine.observe and the poller ----------------------------------------------------------


class RecordsVenue:
    """A venue that holds its order records in a dict (what a test sets) and confirms places."""

    def __init__(self) -> None:
        self.records: dict[str, OrderReport] = {}
        self.unreadable: set[str] = set()
        self.reads = 0

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> list[OrderCreated]:
        return [
            OrderCreated(
                ts_event=T0,
                command_id=command.command_id,
                client_order_id=command.client_order_id,
            )
        ]

    async def reconcile(self, command, evidence):
        return None

    async def order_status(self, trading_pair: str, client_order_id: str) -> OrderReport | None:
        self.reads += 1
        if client_order_id in self.unreadable:
            raise VenueUnavailableError("HTTP 503")
        return self.records.get(client_order_id)


def record(executor: OrderExecutor, status: str, *amounts: str) -> OrderReport:
    """The venue's record of ``executor``'s order with a fill of each amount."""
    client_order_id = executor.order_refs()[0].client_order_id
    fills = tuple(
        OrderFilled(
            ts_event=at(index + 1),
            command_id="",
            client_order_id=client_order_id,
            fill_id=f"{client_order_id}-{index}",
            side="BUY",
            base_amount=D(amount),
            price=D(100),
            fee_quote=D("0.1"),
        )
        for index, amount in enumerate(amounts)
    )
    return OrderReport(
        client_order_id=client_order_id, trading_pair=PAIR, status=status, fills=fills
    )


@pytest.fixture
def engine(store):
    return Engine(
        store=store,
        clock=SimulatedClock(T0),
        executor_types=[OrderExecutor],
        venues={"venue": RecordsVenue()},
    )


async def placed(engine: Engine, executor_id: str = "ord-1") -> OrderExecutor:
    config = OrderExecutorConfig(
        id=executor_id,
        trading_pair=PAIR,
        connector_name="venue",
        side="BUY",
        amount=D(2),
        execution_strategy="LIMIT",
        price=D(100),
    )
    executor = engine.add(config)
    await engine.drain()
    return executor


async def test_observing_the_same_fills_again_journals_nothing(engine):
    executor = await placed(engine)
    events = record(executor, "OPEN", "0.5").events(engine.clock.now())
    assert engine.observe(executor.id, events)
    journal = engine.store.journal(executor.id)
    revision = executor.revision

    delivered = engine.observe(executor.id, events)

    assert delivered
    assert engine.store.journal(executor.id) == journal
    assert executor.revision == revision
    assert executor.state.filled_base == D("0.5")
    assert [entry.kind for entry in journal][-1] == "OrderFilled"


async def test_a_new_fill_in_a_record_read_again_is_journaled_once(engine):
    executor = await placed(engine)
    engine.observe(executor.id, record(executor, "OPEN", "0.5").events(engine.clock.now()))
    before = len(engine.store.journal(executor.id))

    engine.observe(executor.id, record(executor, "OPEN", "0.5", "0.5").events(engine.clock.now()))

    assert executor.state.filled_base == D(1)
    assert len(engine.store.journal(executor.id)) > before
    after = len(engine.store.journal(executor.id))
    engine.observe(executor.id, record(executor, "OPEN", "0.5", "0.5").events(engine.clock.now()))
    assert len(engine.store.journal(executor.id)) == after


async def test_observe_refuses_unknown_ended_executors_and_empty_events(engine):
    executor = await placed(engine)
    full = record(executor, "FILLED", "2").events(engine.clock.now())

    assert engine.observe(executor.id, full)
    assert executor.is_terminated
    assert not engine.observe(executor.id, full)
    assert not engine.observe("nobody", full)
    assert not engine.observe(executor.id, [])


async def test_the_poller_delivers_each_record_once_and_counts_what_changed(engine):
    venue = engine.venue("venue")
    executor = await placed(engine)
    poller = OrderPoller(engine)

    assert await poller.poll_once() == 0  # no record yet
    venue.records[executor.order_refs()[0].client_order_id] = record(executor, "OPEN", "1")
    assert await poller.poll_once() == 1
    assert await poller.poll_once() == 0
    venue.records[executor.order_refs()[0].client_order_id] = record(executor, "FILLED", "1", "1")
    assert await poller.poll_once() == 1

    assert executor.is_terminated
    reads = venue.reads
    assert await poller.poll_once() == 0
    assert venue.reads == reads  # an ended executor has no orders to read


async def test_the_poller_skips_an_order_it_cannot_read_and_delivers_the_others(engine):
    venue = engine.venue("venue")
    unreadable, readable = await placed(engine, "ord-1"), await placed(engine, "ord-2")
    venue.unreadable.add(unreadable.order_refs()[0].client_order_id)
    venue.records[readable.order_refs()[0].client_order_id] = record(readable, "OPEN", "1")
    venue.records[unreadable.order_refs()[0].client_order_id] = record(unreadable, "OPEN", "1")

    changed = await OrderPoller(engine).poll_once()

    assert changed == 1
    assert readable.state.filled_base == D(1)
    assert unreadable.state.filled_base == 0
    venue.unreadable.clear()
    assert await OrderPoller(engine).poll_once() == 1
    assert unreadable.state.filled_base == D(1)
