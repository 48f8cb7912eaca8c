"""Funding payments split among the executors holding the position the venue charged: by the
venue's position size when it gives one (exact whichever process runs the other holders), net of
the other side in one-way mode, only the charged side in hedge mode, never to a holder created
after the payment; delivered once to live perpetual executors on a paper perpetual venue, and
read before the fills (a payment made in the step that filled a position's exit is its own)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from lpexec.cex import PositionExecutor, PositionExecutorConfig, TripleBarrierConfig
from lpexec.cex.funding import FundingHolder, FundingPoller, funding_shares
from lpexec.core import (
    UTC,
    CloseType,
    Engine,
    MemoryStore,
    OrderPoller,
    SimulatedClock,
    TradingRules,
)
from lpexec.core.exchange import FundingPayment
from lpexec.paper.exchange import Market, PaperExchange, PerpetualSpec
from lpexec.paper.venues.exchange import PaperExchangeVenue

T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)
PAIR = "SOL-USDT"


def payment(
    amount: str, *, side: str | None = "LONG", size: str | None = None, hours: int = 1
) -> FundingPayment:
    return FundingPayment(
        trading_pair=PAIR,
        payment_id=f"funding-{hours}",
        amount=D(amount),
        rate=D("0.0001"),
        ts=T0 + dt.timedelta(hours=hours),
        position_side=side,  # type: ignore[arg-type]
        position_amount=None if size is None else D(size),
    )


def holder(executor_id: str, side: str, held: str, *, hedge: bool = False, hours: int = 0):
    return FundingHolder(
        executor_id=executor_id,
        side=side,  # type: ignore[arg-type]
        held=D(held),
        since=T0 + dt.timedelta(hours=hours),
        hedge=hedge,
    )


def amounts(shares) -> dict[str, D]:
    return {eid: sum((e.amount for e in events), D(0)) for eid, events in shares.items()}


def test_holders_of_the_charged_side_share_by_what_they_hold():
    shares = funding_shares(
        [payment("-0.4", size="4")], [holder("a", "LONG", "1"), holder("b", "LONG", "3")]
    )
    assert amounts(shares) == {"a": D("-0.1"), "b": D("-0.3")}
    assert {e.position_side for events in shares.values() for e in events} == {"LONG"}


def test_a_worker_holding_part_of_the_position_hands_out_only_its_parts():
    # The venue's position is 4; this process runs the holder of 1 (another runs the rest)
    shares = funding_shares([payment("-0.4", size="4")], [holder("a", "LONG", "1")])
    assert amounts(shares) == {"a": D("-0.1")}


def test_one_way_a_short_beside_a_larger_long_receives_what_longs_pay_on_its_size():
    # Long 3 and short 1 net to a long of 2 on the venue, which pays 0.2
    shares = funding_shares(
        [payment("-0.2", size="2")], [holder("long", "LONG", "3"), holder("short", "SHORT", "1")]
    )
    assert amounts(shares) == {"long": D("-0.3"), "short": D("0.1")}
    assert sum(amounts(shares).values()) == D("-0.2")  # what the venue charged
    assert [e.position_side for e in shares["short"]] == ["SHORT"]  # the short counts it


def test_hedge_mode_only_the_charged_side_shares_it():
    shares = funding_shares(
        [payment("-0.3", size="3")],
        [holder("long", "LONG", "3", hedge=True), holder("short", "SHORT", "1", hedge=True)],
    )
    assert amounts(shares) == {"long": D("-0.3")}


def test_without_the_venue_s_size_the_holders_given_are_the_position():
    shares = funding_shares(
        [payment("-0.4", side=None)], [holder("a", "LONG", "1"), holder("b", "LONG", "3")]
    )
    assert amounts(shares) == {"a": D("-0.1"), "b": D("-0.3")}


def test_a_payment_before_a_holder_was_created_is_not_its_own():
    shares = funding_shares(
        [payment("-0.1", size="1", hours=1), payment("-0.4", size="4", hours=3)],
        [holder("old", "LONG", "1"), holder("new", "LONG", "3", hours=2)],
    )
    assert {eid: [e.payment_id for e in events] for eid, events in shares.items()} == {
        "old": ["funding-1", "funding-3"],
        "new": ["funding-3"],
    }
    assert amounts(shares) == {"old": D("-0.2"), "new": D("-0.3")}


def test_a_payment_that_names_no_side_is_on_the_side_the_holders_net_to():
    # Short 3 and long 1 net to a short of 2, which receives 0.2
    shares = funding_shares(
        [payment("0.2", side=None)], [holder("long", "LONG", "1"), holder("short", "SHORT", "3")]
    )
    assert amounts(shares) == {"long": D("-0.1"), "short": D("0.3")}


def test_nothing_held_on_the_charged_position_gets_nothing():
    # Hedge: only a short here, the long side was charged; one-way: holders net to nothing
    hedge = funding_shares([payment("-1", size="2")], [holder("s", "SHORT", "1", hedge=True)])
    flat = funding_shares(
        [payment("-1", side=None)], [holder("l", "LONG", "1"), holder("s", "SHORT", "1")]
    )
    assert hedge == {} and flat == {}


@settings(max_examples=200, deadline=None)
@given(
    held=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8),
    amount=st.integers(min_value=-(10**9), max_value=10**9),
    workers=st.integers(min_value=1, max_value=4),
)
def test_parts_handed_out_by_any_split_over_workers_add_up_to_the_payment(held, amount, workers):
    # Arrange: holders of one long position spread round-robin over workers
    holders = [holder(f"e{i}", "LONG", str(D(h) / 1000)) for i, h in enumerate(held)]
    size = sum((h.held for h in holders), D(0))
    paid = payment(str(D(amount) / 10**6), size=str(size))
    # Act: each worker hands out the parts of its own holders
    parts: dict[str, D] = {}
    for worker in range(workers):
        parts |= amounts(funding_shares([paid], holders[worker::workers]))
    # Assert: every holder got its part once and the parts make the payment
    assert sorted(parts) == sorted(h.executor_id for h in holders)
    assert abs(sum(parts.values()) - paid.amount) <= D("1e-20")


async def test_the_poller_delivers_each_payment_once_to_the_live_perpetual_holders():
    # Arrange: two longs opened on a paper perpetual market with hourly funding
    clock, exchange, engine = perpetual_engine()
    for executor_id, amount in (("a", "1"), ("b", "3")):
        await engine.create(long_config(executor_id, amount))
    await engine.drain()
    # Act: an hour passes (one funding time); the poller runs twice
    clock.advance(dt.timedelta(hours=1))
    exchange.step(PAIR, bid=D(100), ask=D(100), last=D(100), now=clock.now())
    poller = FundingPoller(engine)
    first = await poller.poll_once()
    await poller.poll_once()
    # Assert: each holds its part of the one payment, counted once
    (paid,) = exchange.funding_payments()
    funding = {eid: engine.executor(eid).state.funding_quote for eid in ("a", "b")}
    assert first == 2 and paid.position_amount == D(4) and paid.amount == D("-0.4")
    assert funding == {"a": D("-0.1"), "b": D("-0.3")}


def perpetual_engine() -> tuple[SimulatedClock, PaperExchange, Engine]:
    """An engine of position executors on :func:`perpetual_exchange` (``paper_perpetual``)."""
    clock = SimulatedClock(T0)
    exchange = perpetual_exchange()
    engine = Engine(
        store=MemoryStore(),
        clock=clock,
        executor_types=[PositionExecutor],
        venues={"paper_perpetual": PaperExchangeVenue(exchange, clock=clock)},
    )
    return clock, exchange, engine


def perpetual_exchange() -> PaperExchange:
    """A perpetual SOL-USDT at 100 with 0.1 % funding every hour, no fees, stepped at T0."""
    spec = PerpetualSpec(max_leverage=10, funding_rate=D("0.001"), funding_interval_seconds=3600)
    rules = TradingRules(price_tick=D("0.01"), amount_step=D("0.01"))
    exchange = PaperExchange(
        [Market(trading_pair=PAIR, rules=rules, perpetual=spec)],
        balances={"USDT": D(10_000)},
        maker_fee=D(0),
        taker_fee=D(0),
    )
    exchange.step(PAIR, bid=D(100), ask=D(100), last=D(100), now=T0)
    return exchange


def long_config(executor_id: str, amount: str) -> PositionExecutorConfig:
    return PositionExecutorConfig.model_validate(
        {
            "id": executor_id,
            "connector_name": "paper_perpetual",
            "trading_pair": PAIR,
            "side": "BUY",
            "amount": amount,
            "leverage": 2,
            "triple_barrier_config": {"open_order_type": "MARKET"},
        }
    )


async def test_a_payment_made_in_the_step_that_fills_the_exit_is_the_position_s_when_read_first():
    # Arrange: a long of 1 with a resting take profit 1 % up; the step at the funding time
    # charges it, then reaches its take profit (the exchange funds before it fills)
    async def run(funding_first: bool) -> tuple[PositionExecutor, PaperExchange]:
        clock, exchange, engine = perpetual_engine()
        config = long_config("a", "1").model_copy(
            update={
                "triple_barrier_config": TripleBarrierConfig(
                    open_order_type="MARKET",
                    take_profit=D("0.01"),
                    take_profit_order_type="LIMIT",
                )
            }
        )
        await engine.create(config)
        await engine.drain()
        clock.advance(dt.timedelta(hours=1))
        exchange.step(PAIR, bid=D(102), ask=D(102), last=D(102), now=clock.now())
        pollers = [FundingPoller(engine), OrderPoller(engine)]
        for poller in pollers if funding_first else reversed(pollers):
            await poller.poll_once()
        await engine.drain()
        return engine.executor("a"), exchange

    # Act
    read_first, exchange = await run(funding_first=True)
    read_after, _ = await run(funding_first=False)
    # Assert: read first, the closed position keeps the payment; read after its fill, it had
    # nothing left to be charged on and the payment is lost to its P&L
    (paid,) = exchange.funding_payments()
    assert read_first.close_type is CloseType.TAKE_PROFIT and paid.amount == D("-0.102")
    assert read_first.state.funding_quote == paid.amount
    assert read_after.close_type is CloseType.TAKE_PROFIT and read_after.state.funding_quote == 0
