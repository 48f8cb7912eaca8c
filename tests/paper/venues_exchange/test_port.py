"""The paper exchange venue as a port, called directly: outcome events, refusals, idempotent
writes, reconciliation by client order id, reads, and each injected fault."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fixtures.paper_exchange import (
    MAKER_FEE,
    PAIR,
    TAKER_FEE,
    VENUE,
    make_exchange,
    make_exchange_venue,
    make_perpetual_exchange,
    step,
)
from fixtures.paper_runtime import T0
from lpexec.cex import client_order_id_for
from lpexec.core import (
    Balance,
    CancelOrder,
    Evidence,
    ExchangeVenue,
    OrderFilled,
    OutcomeUnknownError,
    PerpetualVenue,
    PlaceOrder,
    Swap,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.paper.exchange import OrderStatus, PaperExchange

D = Decimal


def place(
    order_type: str = "LIMIT",
    side: str = "BUY",
    amount: str = "2",
    price: str | None = "100",
    command_id: str = "cmd-1",
    **fields,
) -> PlaceOrder:
    return PlaceOrder(
        command_id=command_id,
        executor_id="ex-1",
        venue=VENUE,
        trading_pair=PAIR,
        side=side,
        order_type=order_type,
        amount=D(amount),
        client_order_id=client_order_id_for(command_id),
        price=None if price is None else D(price),
        **fields,
    )


def cancel(command: PlaceOrder, command_id: str = "cmd-2") -> CancelOrder:
    return CancelOrder(
        command_id=command_id,
        executor_id=command.executor_id,
        venue=VENUE,
        trading_pair=PAIR,
        client_order_id=command.client_order_id,
    )


def kinds(events) -> list[str]:
    return [type(event).__name__ for event in events]


@pytest.fixture
def exchange(clock) -> PaperExchange:
    return make_exchange(clock)


@pytest.fixture
def venue(exchange, clock):
    return make_exchange_venue(exchange, clock)


# --- the port -------------------------------------------------------------------------------


def test_the_venue_is_an_exchange_and_a_perpetual_port(venue):
    assert isinstance(venue, ExchangeVenue)
    assert isinstance(venue, PerpetualVenue)


# --- placing --------------------------------------------------------------------------------


async def test_a_market_buy_answers_created_and_one_final_taker_fill(venue, exchange):
    command = place("MARKET", price=None)

    events = await venue.place_order(command, Evidence())

    assert kinds(events) == ["OrderCreated", "OrderFilled"]
    assert all(event.command_id == command.command_id for event in events)
    created, filled = events
    assert created.client_order_id == command.client_order_id
    (ledger_fill,) = exchange.fills_since(0)
    assert filled.fill_id == str(ledger_fill.fill_id)
    assert (filled.side, filled.base_amount, filled.price) == ("BUY", D(2), D(101))
    assert filled.fee_quote == D(2) * D(101) * TAKER_FEE
    assert filled.is_final


async def test_a_market_order_capped_answers_its_fill_then_the_cancel_of_the_rest(clock):
    venue = make_exchange_venue(make_exchange(clock, fill_cap=D("0.5")), clock)

    events = await venue.place_order(place("MARKET", price=None), Evidence())

    assert kinds(events) == ["OrderCreated", "OrderFilled", "OrderCanceled"]
    assert events[1].base_amount == D("0.5") and not events[1].is_final


async def test_a_limit_that_does_not_cross_rests_and_answers_only_its_creation(venue, exchange):
    command = place("LIMIT", price="100")

    events = await venue.place_order(command, Evidence())

    assert kinds(events) == ["OrderCreated"]
    assert exchange.order(command.client_order_id).status is OrderStatus.OPEN


async def test_the_place_records_its_client_order_id_as_evidence(venue):
    recorded: list[dict] = []
    command = place()

    await venue.place_order(command, Evidence(on_record=recorded.append))

    assert recorded == [{"client_order_id": command.client_order_id}]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (place("LIMIT_MAKER", price="101.5"), "would cross"),
        (place("LIMIT", amount="500", price="100"), "insufficient balance"),
        (place("LIMIT", amount="0.01", price="100"), "below the minimum amount"),
    ],
    ids=["maker-crossing", "not-funded", "too-small"],
)
async def test_an_order_the_exchange_refuses_raises_rejected_with_its_reason(
    venue, exchange, command, reason
):
    with pytest.raises(VenueRejectedError, match=reason) as caught:
        await venue.place_order(command, Evidence())

    assert caught.value.code == "order_rejected"
    assert exchange.order(command.client_order_id).status is OrderStatus.REJECTED
    assert exchange.balances()["USDC"].reserved == 0


async def test_a_place_on_an_unknown_pair_or_with_a_position_action_is_refused(venue):
    other = PlaceOrder(
        command_id="c",
        executor_id="e",
        venue=VENUE,
        trading_pair="BTC-USDC",
        side="BUY",
        order_type="MARKET",
        amount=D(1),
        client_order_id="x",
    )
    with pytest.raises(VenueRejectedError) as unknown_pair:
        await venue.place_order(other, Evidence())
    with pytest.raises(VenueRejectedError, match="position_action") as perp_only:
        await venue.place_order(place(position_action="OPEN"), Evidence())

    assert unknown_pair.value.code == "market_not_found"
    assert perp_only.value.code == "bad_request"


async def test_the_same_place_sent_twice_makes_one_order_and_answers_the_same(
    venue, exchange, caplog
):
    command = place("MARKET", price=None)

    first = await venue.place_order(command, Evidence())
    balances = exchange.balances()
    second = await venue.place_order(command, Evidence())

    assert [e.fill_id for e in second if isinstance(e, OrderFilled)] == [
        e.fill_id for e in first if isinstance(e, OrderFilled)
    ]
    assert kinds(second) == kinds(first)
    assert len(exchange.fills_since(0)) == 1
    assert exchange.balances() == balances
    assert [r.message for r in caplog.records if "sent again" in r.message] == [
        f"place of {command.client_order_id} sent again: the exchange already holds it; "
        "answering its record"
    ]


async def test_a_place_sent_again_after_a_rejection_is_rejected_again(venue):
    command = place("LIMIT_MAKER", price="102")
    with pytest.raises(VenueRejectedError):
        await venue.place_order(command, Evidence())

    with pytest.raises(VenueRejectedError, match="would cross"):
        await venue.place_order(command, Evidence())


# --- canceling ------------------------------------------------------------------------------


async def test_a_cancel_answers_the_record_ending_canceled_and_is_idempotent(venue, exchange):
    command = place()
    await venue.place_order(command, Evidence())

    first = await venue.cancel_order(cancel(command), Evidence())
    again = await venue.cancel_order(cancel(command, "cmd-3"), Evidence())

    assert kinds(first) == ["OrderCreated", "OrderCanceled"] == kinds(again)
    assert first[-1].command_id == "cmd-2" and again[-1].command_id == "cmd-3"
    assert exchange.order(command.client_order_id).status is OrderStatus.CANCELED
    assert exchange.balances()["USDC"].reserved == 0


async def test_a_cancel_carries_the_fills_made_since_the_last_read(venue, exchange, clock):
    venue.exchange.market(PAIR).fill_cap = D("0.5")
    command = place(price="100")
    await venue.place_order(command, Evidence())
    step(exchange, clock, bid="99", ask="100")  # fills 0.5 of 2 as maker

    events = await venue.cancel_order(cancel(command), Evidence())

    assert kinds(events) == ["OrderCreated", "OrderFilled", "OrderCanceled"]
    assert events[1].base_amount == D("0.5")
    assert events[1].fee_quote == D("0.5") * D(100) * MAKER_FEE


async def test_a_cancel_of_an_order_that_filled_first_answers_its_final_fill(
    venue, exchange, clock
):
    command = place(price="100")
    await venue.place_order(command, Evidence())
    step(exchange, clock, bid="99", ask="100")

    events = await venue.cancel_order(cancel(command), Evidence())

    assert kinds(events) == ["OrderCreated", "OrderFilled"]
    assert events[-1].is_final
    assert exchange.order(command.client_order_id).status is OrderStatus.FILLED


async def test_a_cancel_of_an_unknown_order_is_refused(venue):
    with pytest.raises(VenueRejectedError) as caught:
        await venue.cancel_order(cancel(place()), Evidence())

    assert caught.value.code == "order_not_found"


# --- reconciling ----------------------------------------------------------------------------


async def test_reconcile_of_a_place_that_landed_answers_its_record_for_the_command(
    venue, exchange, clock
):
    command = place(price="100")
    await venue.place_order(command, Evidence())
    step(exchange, clock, bid="99", ask="100")

    events = await venue.reconcile(command, Evidence())

    assert kinds(events) == ["OrderCreated", "OrderFilled"]
    assert {event.command_id for event in events} == {command.command_id}
    assert events[-1].is_final


async def test_reconcile_of_a_place_that_did_not_land_is_none(venue):
    assert await venue.reconcile(place(), Evidence()) is None


async def test_reconcile_of_a_rejected_place_answers_order_failed(venue):
    command = place("LIMIT_MAKER", price="102")
    with pytest.raises(VenueRejectedError):
        await venue.place_order(command, Evidence())

    events = await venue.reconcile(command, Evidence())

    assert kinds(events) == ["OrderFailed"]
    assert "would cross" in events[0].reason


async def test_reconcile_of_a_cancel_is_none_while_the_order_is_open_then_its_record(venue):
    command = place()
    await venue.place_order(command, Evidence())
    cancel_command = cancel(command)

    before = await venue.reconcile(cancel_command, Evidence())
    await venue.cancel_order(cancel_command, Evidence())
    after = await venue.reconcile(cancel_command, Evidence())

    assert before is None
    assert kinds(after) == ["OrderCreated", "OrderCanceled"]
    assert after[-1].command_id == cancel_command.command_id


async def test_reconcile_of_a_command_it_does_not_write_stays_unknown(venue):
    swap = Swap(
        command_id="s", executor_id="e", venue=VENUE, trading_pair=PAIR, side="BUY",
        amount=D(1), slippage=D("0.01"),
    )  # fmt: skip
    with pytest.raises(OutcomeUnknownError, match="expected a PlaceOrder or CancelOrder"):
        await venue.reconcile(swap, Evidence())


# --- reads ----------------------------------------------------------------------------------


async def test_order_status_reports_fills_with_stable_ids_and_none_for_unknown(
    clock,
):
    exchange = make_exchange(clock, fill_cap=D(1))
    venue = make_exchange_venue(exchange, clock)
    command = place(price="100")
    await venue.place_order(command, Evidence())
    step(exchange, clock, bid="99", ask="100")
    partly = await venue.order_status(PAIR, command.client_order_id)
    step(exchange, clock, bid="99", ask="100")
    done = await venue.order_status(PAIR, command.client_order_id)

    assert partly.status == "OPEN" and len(partly.fills) == 1
    assert done.status == "FILLED" and done.filled_amount == D(2)
    assert done.fills[0] == partly.fills[0]  # the same fill read again is the same event
    assert [fill.fill_id for fill in done.fills] == [
        str(fill.fill_id) for fill in exchange.fills_since(0)
    ]
    assert [fill.ts_event for fill in done.fills] == [
        fill.filled_at for fill in exchange.fills_since(0)
    ]
    assert done.fills[-1].is_final and not done.fills[0].is_final
    assert await venue.order_status(PAIR, "nobody") is None
    assert await venue.order_status("BTC-USDC", command.client_order_id) is None


async def test_order_records_follow_the_ledger_and_a_replaced_exchange(clock):
    exchange = make_exchange(clock, fill_cap=D("0.5"))
    venue = make_exchange_venue(exchange, clock)
    commands = [place(price="100", command_id=f"c{index}", amount="1") for index in range(3)]
    for command in commands:
        await venue.place_order(command, Evidence())
    reads = []
    for _ in range(6):
        step(exchange, clock, bid="99", ask="100")
        for command in commands:  # read between steps: each record grows as the ledger does
            reads.append(await venue.order_status(PAIR, command.client_order_id))

    for command in commands:
        record = await venue.order_status(PAIR, command.client_order_id)
        assert [(f.fill_id, f.base_amount) for f in record.fills] == [
            (str(fill.fill_id), fill.amount)
            for fill in exchange.fills_since(0)
            if fill.client_order_id == command.client_order_id
        ]
        assert record.status == "FILLED"
    assert len(reads) == 18
    venue.exchange = make_exchange(clock)  # a fresh exchange (a loaded state, say)
    assert await venue.order_status(PAIR, commands[0].client_order_id) is None
    await venue.place_order(commands[0], Evidence())
    assert (await venue.order_status(PAIR, commands[0].client_order_id)).fills == ()


async def test_fills_since_lists_the_pairs_fills_from_a_time_oldest_first(clock):
    exchange = make_exchange(clock, fill_cap=D(1))
    venue = make_exchange_venue(exchange, clock)
    buy, sell = place(price="100"), place(side="SELL", price="102", command_id="cmd-9")
    await venue.place_order(buy, Evidence())
    await venue.place_order(sell, Evidence())
    step(exchange, clock, bid="99", ask="100")
    second = clock.now() + dt.timedelta(seconds=1)
    step(exchange, clock, bid="102", ask="103")
    step(exchange, clock, bid="99", ask="100")

    every = await venue.fills_since(PAIR, clock.now() - dt.timedelta(days=1))
    later = await venue.fills_since(PAIR, second)

    assert [fill.fill_id for fill in every] == ["1", "2", "3"]
    assert [fill.client_order_id for fill in every] == [
        buy.client_order_id,
        sell.client_order_id,
        buy.client_order_id,
    ]
    assert [fill.fill_id for fill in later] == ["2", "3"]
    assert every[2].is_final and not every[1].is_final


async def test_balances_and_trading_rules_come_from_the_exchange(venue, exchange):
    await venue.place_order(place(price="100"), Evidence())

    balances = await venue.balances()
    rules = await venue.trading_rules(PAIR)

    reserved = D(2) * D(100) * (1 + max(MAKER_FEE, TAKER_FEE))
    assert balances["USDC"] == Balance("USDC", total=D(10_000), available=D(10_000) - reserved)
    assert balances["SOL"] == Balance("SOL", total=D(100), available=D(100))
    assert rules is exchange.market(PAIR).rules
    with pytest.raises(VenueRejectedError) as caught:
        await venue.trading_rules("BTC-USDC")
    assert caught.value.code == "market_not_found"


# --- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "error", "code", "landed"),
    [
        ("place:504", OutcomeUnknownError, "timeout", True),
        ("place:drop", OutcomeUnknownError, "timeout", False),
        ("place:500", VenueUnavailableError, "server_error", False),
        ("place:429=7", VenueUnavailableError, "rate_limited", False),
        ("place:reject", VenueRejectedError, "rejected", False),
    ],
)
async def test_each_place_fault_raises_per_the_port_contract_and_lands_or_not(
    clock, exchange, spec, error, code, landed
):
    venue = make_exchange_venue(exchange, clock, faults=spec)
    command = place("MARKET", price=None)

    with pytest.raises(error) as caught:
        await venue.place_order(command, Evidence())

    assert type(caught.value) is error and caught.value.code == code
    assert caught.value.retry_after == (7 if code == "rate_limited" else None)
    assert (len(exchange.fills_since(0)) == 1) is landed
    venue.faults = make_exchange_venue(exchange, clock).faults  # the exchange answers again
    outcome = await venue.reconcile(command, Evidence())
    assert (outcome is not None) is landed
    if landed:
        assert kinds(outcome) == ["OrderCreated", "OrderFilled"]


@pytest.mark.parametrize(
    ("spec", "error", "canceled"),
    [
        ("cancel:504", OutcomeUnknownError, True),
        ("cancel:drop", OutcomeUnknownError, False),
        ("cancel:500", VenueUnavailableError, False),
        ("cancel:429", VenueUnavailableError, False),
        ("write:reject#2", VenueRejectedError, False),
    ],
)
async def test_each_cancel_fault_raises_per_the_port_contract_and_lands_or_not(
    clock, exchange, spec, error, canceled
):
    venue = make_exchange_venue(exchange, clock, faults=spec)
    command = place()
    await venue.place_order(command, Evidence())  # the place is not faulted

    with pytest.raises(error):
        await venue.cancel_order(cancel(command), Evidence())

    status = exchange.order(command.client_order_id).status
    assert status is (OrderStatus.CANCELED if canceled else OrderStatus.OPEN)
    outcome = await venue.reconcile(cancel(command), Evidence())
    assert (outcome is not None) is canceled


@pytest.mark.parametrize("spec", ["status:500", "read:429", "*:500"])
async def test_a_read_fault_makes_reads_and_reconcile_unavailable(clock, exchange, spec):
    venue = make_exchange_venue(exchange, clock)
    command = place()
    await venue.place_order(command, Evidence())
    venue.faults = make_exchange_venue(exchange, clock, faults=spec).faults

    with pytest.raises(VenueUnavailableError):
        await venue.order_status(PAIR, command.client_order_id)
    with pytest.raises(VenueUnavailableError):
        await venue.reconcile(command, Evidence())


async def test_faults_follow_the_seeded_plan_call_by_call(clock):
    spec = "place:504@0.3,place:drop@0.3,place:500@0.3"

    async def run(seed: int) -> tuple[list[str], list[str]]:
        exchange = make_exchange(clock)
        venue = make_exchange_venue(exchange, clock, faults=spec, seed=seed)
        answers = []
        for index in range(30):
            try:
                await venue.place_order(place("LIMIT", command_id=f"c{index}"), Evidence())
                answers.append("ok")
            except (OutcomeUnknownError, VenueUnavailableError) as e:
                answers.append(type(e).__name__)
        return answers, [order.client_order_id for order in exchange.open_orders()]

    first, again, other = await run(1), await run(1), await run(2)

    assert first == again
    assert first != other
    assert {"ok", "OutcomeUnknownError", "VenueUnavailableError"} <= set(first[0])


# --- perpetuals -----------------------------------------------------------------------------


async def test_a_spot_exchange_has_no_positions_and_refuses_leverage(venue):
    with pytest.raises(VenueRejectedError, match="spot") as leverage:
        await venue.set_leverage(PAIR, 3)

    assert await venue.positions() == []
    assert await venue.funding_payments(PAIR, T0) == []
    assert leverage.value.code == "bad_request"


async def test_perpetual_orders_positions_leverage_and_funding_go_through_the_port(clock):
    exchange = make_perpetual_exchange(clock, funding_rate=D("0.001"))
    venue = make_exchange_venue(exchange, clock)
    await venue.set_position_mode("HEDGE")
    await venue.set_leverage(PAIR, 5)

    events = await venue.place_order(
        place("MARKET", price=None, position_action="OPEN"), Evidence()
    )
    step(exchange, clock, bid="99", ask="101", seconds=3600)  # one funding interval
    positions = await venue.positions()
    funding = await venue.funding_payments(PAIR, T0)
    with pytest.raises(VenueRejectedError) as busy:
        await venue.set_leverage(PAIR, 2)

    assert kinds(events) == ["OrderCreated", "OrderFilled"]
    assert exchange.position_mode == "HEDGE"
    (position,) = positions
    assert (position.side, position.amount, position.entry_price, position.leverage) == (
        "LONG",
        D(2),
        D(101),
        5,
    )
    assert funding == exchange.funding_payments(PAIR, T0)
    (payment,) = funding
    assert payment.amount == -D(2) * D(100) * D("0.001")  # the long pays at the mark
    assert await venue.funding_payments(PAIR, clock.now() + dt.timedelta(seconds=1)) == []
    assert busy.value.code == "position_state"


async def test_a_close_with_nothing_to_close_is_rejected(clock):
    venue = make_exchange_venue(make_perpetual_exchange(clock), clock)

    with pytest.raises(VenueRejectedError, match="close") as caught:
        await venue.place_order(
            place("MARKET", side="SELL", price=None, position_action="CLOSE"), Evidence()
        )

    assert caught.value.code == "order_rejected"
