"""GatewayMarketFeed against the paper Gateway in process (and respx for a failing Gateway):
pool prices with the active bin (Meteora DLMM) or current tick (CLMM through the unified routes),
tracked or resolved pools, and keys it cannot read left out."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
import respx

from fixtures.gateway import response
from gateway_client import GatewayClient
from lpexec.core.clock import SimulatedClock
from lpexec.lp.messages import PoolPriceUpdated
from lpexec.paper.gateway import PaperGateway, build_paper_gateway
from lpexec.paper.gateway.demo import demo_pool_address
from lpexec.venues.gateway import GatewayMarketFeed, PoolSource

BASE_URL = "http://paper-gateway.invalid"
DLMM = demo_pool_address("meteora", "SOL", "USDC", 10)
JUP_DLMM = demo_pool_address("meteora", "JUP", "USDC", 20)
CLMM = demo_pool_address("raydium", "SOL", "USDC", 10)
MISSING = "NoSuchPooL1111111111111111111111111111111111"


@dataclass
class Paper:
    gateway: PaperGateway
    client: GatewayClient
    clock: SimulatedClock


@pytest.fixture
async def paper() -> AsyncIterator[Paper]:
    clock = SimulatedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    gateway = build_paper_gateway(seed=4, clock=clock)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.app), base_url=BASE_URL)
    client = GatewayClient(BASE_URL, http_client=http, clock=clock, rate_limit_per_minute=None)
    async with client:
        yield Paper(gateway, client, clock)


async def test_a_dlmm_pool_is_read_through_meteora_with_its_active_bin(paper):
    # Arrange
    paper.gateway.chain.move_pool_to_price(DLMM, Decimal("182.5"), 10**9)
    paper.clock.advance(30)
    feed = GatewayMarketFeed(paper.client, clock=paper.clock)
    feed.track(DLMM, trading_pair="SOL-USDC", provider="meteora/clmm")
    info = await paper.client.meteora.pool_info(DLMM)
    # Act
    (event,) = await feed.snapshot([DLMM])
    # Assert
    assert event == PoolPriceUpdated(
        ts_event=paper.clock.now(),
        trading_pair="SOL-USDC",
        price=info.price,
        pool_address=DLMM,
        active_bin_id=paper.gateway.chain.pool(DLMM).active_bin_id,
    )
    assert abs(event.price - Decimal("182.5")) < Decimal("0.2")


async def test_a_clmm_pool_is_read_through_the_unified_routes_with_its_current_tick(paper):
    feed = GatewayMarketFeed(paper.client, clock=paper.clock)
    feed.track(CLMM, trading_pair="SOL-USDC", provider="raydium/clmm")
    info = await paper.client.trading_clmm.pool_info(CLMM, connector="raydium/clmm")

    (event,) = await feed.snapshot([CLMM])

    assert isinstance(event, PoolPriceUpdated)
    assert (event.price, event.pool_address) == (info.price, CLMM)
    assert event.active_bin_id == paper.gateway.chain.pool(CLMM).tick_current


async def test_pools_come_from_the_resolver_and_a_tracked_pool_wins(paper):
    # Arrange: the wiring's resolver knows two pools; one is also tracked under another pair
    resolved = {
        DLMM: PoolSource(trading_pair="SOL-USDC", provider="meteora/clmm"),
        JUP_DLMM: PoolSource(trading_pair="JUP-USDC", provider="meteora/clmm"),
    }
    feed = GatewayMarketFeed(paper.client, clock=paper.clock, resolve_pools=lambda: resolved)
    feed.track(JUP_DLMM, trading_pair="JUP-USDT", provider="meteora/clmm")
    # Act
    events = await feed.snapshot([JUP_DLMM, DLMM])
    # Assert
    assert [event.keys() for event in events] == [("JUP-USDT", JUP_DLMM), ("SOL-USDC", DLMM)]


async def test_keys_it_cannot_read_are_left_out_and_the_others_answered_in_order(paper, caplog):
    # Arrange: a pool Gateway does not have, a pair key, a pool nobody named
    feed = GatewayMarketFeed(paper.client, clock=paper.clock)
    feed.track(MISSING, trading_pair="SOL-USDC", provider="meteora/clmm")
    feed.track(CLMM, trading_pair="SOL-USDC", provider="raydium/clmm")
    feed.track(DLMM, trading_pair="SOL-USDC", provider="meteora/clmm")
    # Act
    with caplog.at_level(logging.WARNING):
        events = await feed.snapshot([CLMM, MISSING, "SOL-USDC", JUP_DLMM, DLMM])
    # Assert
    assert [event.pool_address for event in events if isinstance(event, PoolPriceUpdated)] == [
        CLMM,
        DLMM,
    ]
    assert f"could not read pool {MISSING}" in caplog.text


def test_tracking_a_provider_the_feed_cannot_read_is_refused(paper):
    feed = GatewayMarketFeed(paper.client, clock=paper.clock)

    with pytest.raises(ValueError, match=r"provider: expected one of .*, received 'raydium/amm'"):
        feed.track(DLMM, trading_pair="SOL-USDC", provider="raydium/amm")


async def test_a_pool_the_gateway_fails_to_serve_is_left_out_and_asked_again_next_time():
    # Arrange: Gateway answers one pool, fails the other once (503), then answers it
    body = response("meteora-clmm-pool-info")
    good, flaky = body["address"], "F1akyPoo11111111111111111111111111111111111"
    served: list[str] = []

    def pool_info(request: httpx.Request) -> httpx.Response:
        address = request.url.params["poolAddress"]
        served.append(address)
        if address == flaky and served.count(flaky) == 1:
            return httpx.Response(503, json={"statusCode": 503, "message": "RPC unavailable"})
        return httpx.Response(200, json={**body, "address": address})

    clock = SimulatedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with respx.mock(base_url="http://gateway.test", assert_all_called=True) as gateway:
        gateway.get("/connectors/meteora/clmm/pool-info").mock(side_effect=pool_info)
        async with GatewayClient(
            "http://gateway.test", max_retries=0, rate_limit_per_minute=None, clock=clock
        ) as client:
            feed = GatewayMarketFeed(client, clock=clock)
            for address in (flaky, good):
                feed.track(address, trading_pair="SOL-USDC", provider="meteora/clmm")
            # Act
            first = await feed.snapshot([flaky, good])
            second = await feed.snapshot([flaky, good])
    # Assert
    assert [event.keys()[1] for event in first] == [good]
    assert [event.keys()[1] for event in second] == [flaky, good]
    assert {(event.price, event.active_bin_id) for event in second} == {
        (Decimal(str(body["price"])), body["activeBinId"])
    }
    assert served == [flaky, good, flaky, good]
