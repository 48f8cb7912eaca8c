"""PaperMarketFeed: pool prices straight from a PaperChain, exact, with the active bin or tick."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.core import Engine, MemoryStore
from lpexec.core.clock import SimulatedClock
from lpexec.core.market import MarketPoller
from lpexec.lp import LPExecutor, LPExecutorConfig
from lpexec.lp.messages import PoolPriceUpdated
from lpexec.paper.chain import PaperChain
from lpexec.paper.gateway.demo import build_demo_chain, demo_pool_address
from lpexec.paper.venues.market_feed import PaperMarketFeed

DLMM = demo_pool_address("meteora", "SOL", "USDC", 10)
JUP_DLMM = demo_pool_address("meteora", "JUP", "USDC", 20)
CLMM = demo_pool_address("raydium", "SOL", "USDC", 10)
MISSING = "NoSuchPooL1111111111111111111111111111111111"


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def chain(clock) -> PaperChain:
    chain, _wallet = build_demo_chain(seed=3, clock=clock)
    return chain


async def test_a_dlmm_pool_is_answered_with_its_exact_price_and_active_bin(chain, clock):
    # Arrange
    chain.move_pool_to_price(DLMM, Decimal("183.4"), 10**9)
    clock.advance(60)
    pool = chain.pool(DLMM)
    # Act
    (event,) = await PaperMarketFeed(chain, clock=clock).snapshot([DLMM])
    # Assert
    assert event == PoolPriceUpdated(
        ts_event=clock.now(),
        trading_pair="SOL-USDC",
        price=pool.price,
        pool_address=DLMM,
        active_bin_id=pool.active_bin_id,
    )
    assert event.keys() == ("SOL-USDC", DLMM)


async def test_a_clmm_pool_is_answered_with_its_current_tick(chain, clock):
    pool = chain.pool(CLMM)

    (event,) = await PaperMarketFeed(chain, clock=clock).snapshot([CLMM])

    assert isinstance(event, PoolPriceUpdated)
    assert (event.trading_pair, event.price) == ("SOL-USDC", pool.price)
    assert event.active_bin_id == pool.tick_current


async def test_keys_that_are_no_pool_are_left_out_and_the_order_is_kept(chain, clock):
    feed = PaperMarketFeed(chain, clock=clock)

    events = await feed.snapshot([JUP_DLMM, "SOL-USDC", MISSING, DLMM, JUP_DLMM])

    assert [(event.trading_pair, event.pool_address) for event in events] == [
        ("JUP-USDC", JUP_DLMM),
        ("SOL-USDC", DLMM),
    ]


async def test_a_tracked_pool_is_priced_as_the_pair_it_was_given(chain, clock):
    feed = PaperMarketFeed(chain, clock=clock)
    feed.track(DLMM, trading_pair="WSOL-USDC")

    (event,) = await feed.snapshot([DLMM])

    assert event.keys() == ("WSOL-USDC", DLMM)


async def test_a_poller_over_the_feed_keeps_an_lp_executor_on_the_chain_s_price(chain, clock):
    # Arrange: an LP executor subscribes to its pool (nothing is sent: no venue, no drain)
    engine = Engine(store=MemoryStore(), clock=clock, executor_types=[LPExecutor], venues={})
    await engine.start()
    config = LPExecutorConfig(
        pool_address=DLMM,
        trading_pair="SOL-USDC",
        lower_price=Decimal(170),
        upper_price=Decimal(190),
        base_amount=Decimal(1),
        quote_amount=Decimal(180),
    )
    await engine.create(config)
    poller = MarketPoller(engine, PaperMarketFeed(chain, clock=clock))
    chain.move_pool_to_price(DLMM, Decimal(185), 10**9)
    # Act
    published = await poller.poll()
    # Assert: only the subscribed pool was read; the executor holds its price and bin
    assert [event.keys() for event in published] == [("SOL-USDC", DLMM)]
    details = engine.info(config.id).details
    assert details.price == chain.pool(DLMM).price
    assert details.active_bin_id == chain.pool(DLMM).active_bin_id
