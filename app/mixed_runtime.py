"""Wiring a two-venue runtime: one engine over an order book and a DEX, for the cross-venue
executors (XEMM and arbitrage, :data:`~lpexec.app.registry.CROSS_VENUE_TYPES`).

One executor issues commands to two venues: each command names its venue key (an order's
``PlaceOrder.venue`` is the market's ``connector_name``, a swap's ``Swap.venue`` too), and the
engine routes every command to the port registered under that key. So the runtime only has to
register both venues in one engine:

- ``paper``: the paper exchange (:class:`~lpexec.paper.venues.exchange.PaperExchangeVenue`), by
  default one ``SOL-USDC`` market at the paper Gateway's SOL price (180), maker fee 0.08 %,
  taker fee 0.1 %, 10 SOL and 10,000 USDC;
- ``jupiter/router`` and ``meteora/clmm``: swaps on the in-process paper Gateway
  (:class:`~lpexec.venues.gateway.GatewaySwapVenue`, the demo wallet), on the same simulated
  clock, with the chain's signature history: a swap whose answer was lost is found on chain
  (never sent twice).

Market data: :meth:`MixedRuntime.quote` gives each live cross-venue executor what both its
markets offer **for its own amount** (:class:`~lpexec.cex.cross_market.LegQuoteUpdated`,
delivered to that executor through ``Engine.observe``): the paper exchange's touch, fees and
available balances; a swap venue's BUY and SELL quotes for the amount, the network fee of a swap
(Gateway's ``estimate-gas``, valued in quote) and the wallet's balances. The order poller
delivers fills of resting (maker) orders. :meth:`MixedRuntime.step` is one round: quotes, a tick,
the poller and the commands, until nothing is left to do.

Paper only for now: a live exchange and Gateway pair is not wired here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from gateway_client import ChainHistory, GatewayClient, GatewayError
from lpexec.app.paper_market import MarketSpec
from lpexec.app.registry import CROSS_VENUE_TYPES, EXECUTOR_TYPES
from lpexec.cex.cross_executor import CrossVenueExecutor
from lpexec.cex.cross_market import ConnectorPair, LegQuoteUpdated
from lpexec.core import Database, Engine, ExecutorConfig, ExecutorInfo, OrderPoller, RiskEngine
from lpexec.core.clock import SimulatedClock
from lpexec.paper.exchange import PaperExchange
from lpexec.paper.exchange.driver import touch_around
from lpexec.paper.gateway import PaperGateway, build_paper_gateway
from lpexec.paper.venues.exchange import PaperExchangeVenue
from lpexec.venues.gateway import GatewaySwapVenue, SwapRequest, provider_for

__all__ = [
    "MIXED_PAPER_EXCHANGE",
    "MixedRuntime",
    "new_paper_exchange",
    "open_mixed_runtime",
]

MIXED_PAPER_EXCHANGE = "paper"
"""The venue key of the paper exchange in a two-venue runtime."""
_PAPER_URL = "http://paper-gateway.invalid"
_SWAP_VENUES = ("jupiter/router", "meteora/clmm")
_T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_SOL_USDC = MarketSpec("SOL-USDC", Decimal(180), Decimal("0.01"), Decimal("0.001"))


def new_paper_exchange(
    clock: SimulatedClock,
    *,
    mid: Decimal = Decimal(180),
    balances: dict[str, Decimal] | None = None,
    maker_fee: Decimal = Decimal("0.0008"),
    taker_fee: Decimal = Decimal("0.001"),
) -> PaperExchange:
    """A paper exchange with one ``SOL-USDC`` market quoted around ``mid`` at the clock's time."""
    if balances is None:
        balances = {"SOL": Decimal(10), "USDC": Decimal(10_000)}
    exchange = PaperExchange(
        [_SOL_USDC.market()],
        balances=balances,
        maker_fee=maker_fee,
        taker_fee=taker_fee,
    )
    bid, ask = touch_around(mid, spread=_SOL_USDC.spread, price_tick=_SOL_USDC.price_tick)
    exchange.step("SOL-USDC", bid=bid, ask=ask, last=mid, now=clock.now())
    return exchange


@dataclass
class MixedRuntime:
    """An engine over the paper exchange and the paper Gateway; close it with :meth:`aclose`."""

    engine: Engine
    database: Database
    clock: SimulatedClock
    exchange: PaperExchange
    gateway: PaperGateway
    client: GatewayClient
    wallet: str
    orders: OrderPoller
    network: str = "mainnet-beta"
    http: httpx.AsyncClient | None = None
    """The in-process transport's client (closed with the runtime)."""
    _closed: list[bool] = field(default_factory=list)

    async def create(self, config: ExecutorConfig) -> ExecutorInfo:
        """Create an executor, give it its quotes, carry out what it asks; return its report."""
        await self.engine.create(config)
        await self.quote()
        await self.settle()
        return self.engine.info(config.id)

    async def step(self, seconds: float = 1.0) -> None:
        """Let ``seconds`` of paper time pass, then one round: quotes, a tick, the order
        poller and the commands (see the module docstring)."""
        self.clock.advance(seconds)
        await self.quote()
        self.engine.tick()
        await self.settle()

    async def settle(self, rounds: int = 20) -> None:
        """Deliver the venues' records and carry out queued commands until nothing is left."""
        for _ in range(rounds):
            await self.orders.poll_once()
            await self.engine.drain()
            if not self.engine.has_work:
                await self.orders.poll_once()
                return
            await asyncio.sleep(0)

    async def quote(self) -> int:
        """Deliver to each live cross-venue executor both its markets' quotes for its amount;
        return how many executors received them."""
        delivered = 0
        for executor in self.engine.live_executors():
            if not isinstance(executor, CrossVenueExecutor):
                continue
            config = executor.config
            events = []
            for market in (config.buying_market, config.selling_market):
                event = await self.market_quote(market, config.order_amount)
                if event is not None:
                    events.append(event)
            if events and self.engine.observe(executor.id, events):
                delivered += 1
        return delivered

    async def market_quote(self, market: ConnectorPair, amount: Decimal) -> LegQuoteUpdated | None:
        """What ``market`` offers for ``amount`` base now (None when it cannot say)."""
        if market.is_swap:
            return await self._swap_quote(market, amount)
        if market.connector_name != MIXED_PAPER_EXCHANGE:
            return None
        touch = self.exchange.market(market.trading_pair).quote
        if touch is None:
            return None
        balances = self.exchange.balances()
        base, quote = balances.get(market.base_token), balances.get(market.quote_token)
        return LegQuoteUpdated(
            ts_event=self.clock.now(),
            trading_pair=market.trading_pair,
            price=(touch.bid + touch.ask) / 2,
            venue=market.connector_name,
            buy_price=touch.ask,
            sell_price=touch.bid,
            taker_fee=self.exchange.taker_fee,
            maker_fee=self.exchange.maker_fee,
            base_available=base.available if base is not None else Decimal(0),
            quote_available=quote.available if quote is not None else Decimal(0),
        )

    async def _swap_quote(self, market: ConnectorPair, amount: Decimal) -> LegQuoteUpdated | None:
        provider = provider_for(self.client, market.connector_name, network=self.network)
        now = self.clock.now()
        base, quote = market.base_token, market.quote_token
        slippage = Decimal("0.01")  # a quote's price does not depend on it
        try:
            buy = await provider.quote(
                SwapRequest(base_token=base, quote_token=quote, side="BUY", amount=amount),
                slippage=slippage,
                now=now,
            )
            sell = await provider.quote(
                SwapRequest(base_token=base, quote_token=quote, side="SELL", amount=amount),
                slippage=slippage,
                now=now,
            )
            gas = await self.client.solana.estimate_gas(network=self.network)
            balances = await self.client.solana.balances(
                self.wallet, tokens=[base, quote], network=self.network
            )
        except GatewayError:
            return None  # the next round asks again
        mid = (buy.price + sell.price) / 2
        native = gas.fee_asset
        native_price = mid if native == base else Decimal(1) if native == quote else None
        fee_quote = gas.fee * native_price if native_price is not None else Decimal(0)
        return LegQuoteUpdated(
            ts_event=now,
            trading_pair=market.trading_pair,
            price=mid,
            venue=market.connector_name,
            buy_price=buy.price,
            sell_price=sell.price,
            network_fee_quote=fee_quote,
            native_price=native_price,
            base_available=balances.balances.get(base),
            quote_available=balances.balances.get(quote),
        )

    async def aclose(self) -> None:
        """Close the client and the store (venue calls still running are abandoned: their
        intents are reconciled at the next start)."""
        if self._closed:
            return
        self._closed.append(True)
        await self.engine.cancel_inflight()
        await self.client.aclose()
        if self.http is not None:
            await self.http.aclose()
        self.database.close()

    async def __aenter__(self) -> MixedRuntime:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def open_mixed_runtime(
    *,
    database_url: str,
    clock: SimulatedClock | None = None,
    exchange: PaperExchange | None = None,
    gateway: PaperGateway | None = None,
    seed: int = 0,
    faults: str | None = None,
    exchange_faults: str | None = None,
    risk: RiskEngine | None = None,
    unknown_budget_seconds: float = 900.0,
) -> MixedRuntime:
    """Build and start a two-venue runtime on the paper exchange and the paper Gateway.

    Args:
        database_url: the store.
        clock: the one simulated clock (default: 2026-01-01 UTC); ``exchange`` and
            ``gateway``, when given, must run on it.
        exchange: the paper exchange (default: :func:`new_paper_exchange`); pass the same one
            again to restart on it.
        gateway: the paper Gateway (default: the demo chain, seeded); pass the same one again
            to restart on it.
        seed, faults: the paper Gateway's seed and fault spec (when it is built here).
        exchange_faults: a fault spec for the paper exchange's port (see
            :mod:`lpexec.paper.venues.exchange_faults`), seeded by ``seed``.
        risk: the risk engine checking every create.
        unknown_budget_seconds: how long an outcome may stay unknown.
    """
    clock = clock or SimulatedClock(_T0)
    exchange = exchange or new_paper_exchange(clock)
    gateway = gateway or build_paper_gateway(seed=seed, faults=faults, clock=clock)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway.app), base_url=_PAPER_URL)
    client = GatewayClient(_PAPER_URL, http_client=http, clock=clock, rate_limit_per_minute=None)
    database = Database.open(database_url)
    try:
        venues: dict[str, Any] = {
            MIXED_PAPER_EXCHANGE: PaperExchangeVenue(
                exchange, clock=clock, faults=exchange_faults, seed=seed
            ),
            **{
                provider: GatewaySwapVenue(
                    client,
                    wallet_address=gateway.wallet,
                    clock=clock,
                    provider=provider,
                    settle_seconds=2.0,
                    history=ChainHistory(http, f"{_PAPER_URL}/rpc"),
                )
                for provider in _SWAP_VENUES
            },
        }
        engine = Engine(
            database=database,
            clock=clock,
            executor_types=EXECUTOR_TYPES,
            runs=CROSS_VENUE_TYPES,
            venues=venues,
            risk=risk,
            unknown_budget_seconds=unknown_budget_seconds,
        )
        await engine.start()
    except BaseException:
        database.close()
        await client.aclose()
        await http.aclose()
        raise
    runtime = MixedRuntime(
        engine=engine,
        database=database,
        clock=clock,
        exchange=exchange,
        gateway=gateway,
        client=client,
        wallet=gateway.wallet,
        orders=OrderPoller(engine),
        http=http,
    )
    await runtime.settle()
    return runtime
