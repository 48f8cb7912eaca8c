"""Wiring an LP runtime: store, engine, Gateway client and venues, on paper or a real Gateway.

``open_lp_runtime`` is the one place that decides paper or live: without a Gateway URL it builds
the paper Gateway in process (``httpx.ASGITransport``) on a seeded demo chain; with one it talks to
that Gateway over HTTP(S). Nothing below this module knows which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway_client import ChainHistory, GatewayClient
from lpexec.app.registry import EXECUTOR_TYPES, GATEWAY_TYPES
from lpexec.app.settings import Settings
from lpexec.core import Database, Engine, ExecutorStatus, RiskEngine
from lpexec.core.clock import LiveClock, SimulatedClock
from lpexec.core.market import MarketPoller
from lpexec.core.store import Store
from lpexec.core.store.signatures import named_in_store
from lpexec.lp import LP_PROVIDERS, LPExecutor, LPExecutorConfig
from lpexec.paper.gateway import PaperGateway, build_paper_gateway
from lpexec.swap import SWAP_VENUE
from lpexec.venues.gateway import (
    BestQuoteSwapVenue,
    GatewayMarketFeed,
    GatewaySwapVenue,
    PoolSource,
)
from lpexec.venues.gateway.liquidity import GatewayLiquidityVenue
from lpexec.venues.gateway.transactions import NamedSignatures

__all__ = ["PAPER_URL", "LPRuntime", "live_lp_pools", "open_lp_runtime"]

PAPER_URL = "http://paper-gateway.invalid"
"""Base URL of the in-process paper Gateway (never resolved: requests go to the ASGI app)."""


@dataclass
class LPRuntime:
    """Everything an LP session needs; close it with :meth:`aclose`."""

    engine: Engine
    database: Database
    client: GatewayClient
    clock: Any
    wallet: str
    liquidity: GatewayLiquidityVenue
    swaps: GatewaySwapVenue
    feed: GatewayMarketFeed
    """Pool prices through the same Gateway (pools of the live LP executors, and tracked ones)."""
    poller: MarketPoller
    """Publishes the feed's prices for the keys the engine has subscribers for."""
    gateway: PaperGateway | None = None
    _closers: list[Any] = field(default_factory=list)

    async def settle(self, rounds: int = 20) -> None:
        """Carry out queued commands until nothing is left to do (or ``rounds`` run out)."""
        for _ in range(rounds):
            await self.engine.drain()
            if not self.engine.has_work:
                return
            await self.clock.sleep(1.0)

    async def aclose(self) -> None:
        """Close the client and the store (and save the paper chain when it has a state file);
        venue calls still running are abandoned (their intents are reconciled at the next
        start)."""
        await self.engine.cancel_inflight()
        await self.client.aclose()
        for closer in self._closers:
            await closer()
        if self.gateway is not None:
            self.gateway.save()
        self.database.close()

    async def __aenter__(self) -> LPRuntime:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


async def open_lp_runtime(
    *,
    database_url: str,
    settings: Settings | None = None,
    clock: Any | None = None,
    seed: int = 0,
    faults: str | None = None,
    mode: str = "clean",
    paper_state_file: str | None = None,
    risk: RiskEngine | None = None,
    network: str = "mainnet-beta",
    settle_seconds: float | None = None,
    start_engine: bool = True,
    hand_off: bool = False,
) -> LPRuntime:
    """Build and start an LP runtime.

    Args:
        database_url: the store.
        settings: where a real Gateway is (``gateway_url`` and TLS files); None or no URL means
            the paper Gateway.
        clock: the one clock for everything; default: simulated time on paper, the wall clock
            on a real Gateway.
        seed, faults, mode, paper_state_file: options of the paper Gateway.
        risk: the risk engine checking every create.
        network: the Solana network.
        settle_seconds: how long "not on chain" stays "unknown" when reconciling (default 90 s on
            a real Gateway, 2 s on paper: past its confirmation, a transaction the paper chain
            does not have never lands).
        start_engine: False leaves the engine unstarted (a worker resumes only the executors
            it claims, see :mod:`lpexec.app.worker`).
    """
    settings = settings or Settings()
    gateway: PaperGateway | None = None
    if settings.gateway_url:
        clock = clock or LiveClock()
        token = settings.gateway_token.get_secret_value() if settings.gateway_token else None
        client = GatewayClient(
            settings.gateway_url,
            client_cert=settings.gateway_client_cert,
            client_key=settings.gateway_client_key,
            ca_bundle=settings.gateway_ca_cert,
            bearer_token=token,
            clock=clock,
            solana_network=network,
            rate_limit_per_minute=settings.gateway_rate_limit_per_minute or None,
        )
        if not settings.wallet_address:
            raise ValueError("LPEXEC_WALLET_ADDRESS: expected a wallet address for a real Gateway")
        wallet = settings.wallet_address
        settle = 90.0 if settle_seconds is None else settle_seconds
        history = (
            ChainHistory.from_url(settings.solana_rpc_url) if settings.solana_rpc_url else None
        )
    else:
        clock = clock or SimulatedClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        gateway = build_paper_gateway(
            seed=seed, faults=faults, mode=mode, clock=clock, state_file=paper_state_file
        )
        http = httpx.AsyncClient(transport=_SavedAfterWrites(gateway), base_url=PAPER_URL)
        client = GatewayClient(
            PAPER_URL,
            http_client=http,
            clock=clock,
            rate_limit_per_minute=None,
            solana_network=network,
        )
        wallet = gateway.wallet
        settle = 2.0 if settle_seconds is None else settle_seconds
        history = ChainHistory(http, f"{PAPER_URL}/rpc")
    database = Database.open(database_url)
    engine_holder: list[Engine] = []

    def claimed() -> set[str]:
        engine = engine_holder[0]
        live = {
            executor.state.position_address
            for executor in engine.live_executors()
            if isinstance(executor, LPExecutor) and executor.state.position_address
        }
        return live | positions_in_store(engine.store)

    # What every Gateway venue of the wallet shares, one registry of named signatures included.
    wallet_venue: dict[str, Any] = {
        "wallet_address": wallet,
        "clock": clock,
        "network": network,
        "settle_seconds": settle,
        "history": history,
        "named_signatures": NamedSignatures(
            stored=lambda signatures: named_in_store(database, signatures)
        ),
        "claimed_positions": claimed,
    }
    liquidity_venues = {
        provider: GatewayLiquidityVenue(client, connector=provider, **wallet_venue)
        for provider in LP_PROVIDERS
    }
    liquidity = liquidity_venues["meteora/clmm"]
    swaps = GatewaySwapVenue(client, **wallet_venue)
    meteora_swaps = GatewaySwapVenue(client, provider="meteora/clmm", **wallet_venue)
    engine = Engine(
        database=database,
        clock=clock,
        executor_types=EXECUTOR_TYPES,
        runs=GATEWAY_TYPES,
        venues={
            **liquidity_venues,
            "jupiter/router": swaps,
            "meteora/swap": meteora_swaps,
            SWAP_VENUE: BestQuoteSwapVenue(client, **wallet_venue),
        },
        risk=risk,
        unknown_budget_seconds=settings.unknown_budget_seconds,
        hand_off=hand_off,
    )
    engine_holder.append(engine)
    if start_engine and not hand_off:
        await engine.start()
    pools = live_lp_pools(engine)
    feed = GatewayMarketFeed(client, clock=clock, network=network, resolve_pools=pools)
    return LPRuntime(
        engine=engine,
        database=database,
        client=client,
        clock=clock,
        wallet=wallet,
        liquidity=liquidity,
        swaps=swaps,
        feed=feed,
        poller=MarketPoller(engine, feed),
        gateway=gateway,
        _closers=[history.aclose] if history is not None else [],
    )


_READS = frozenset(("GET", "HEAD", "OPTIONS"))
_UNFINISHED = [status.value for status in ExecutorStatus if status is not ExecutorStatus.TERMINATED]
_PAGE = 500


def positions_in_store(store: Store) -> set[str]:
    """The positions of every unfinished LP executor in the store, whichever process runs it:
    what a reconciliation must never adopt for another executor (read when an open's answer
    was lost, so rarely)."""
    found: set[str] = set()
    offset = 0
    while True:
        page = store.list_executors(
            status=_UNFINISHED, executor_type=LPExecutorConfig.type, limit=_PAGE, offset=offset
        )
        for record in page:
            address = record.load_snapshot().get("state", {}).get("position_address")
            if address:
                found.add(address)
        if len(page) < _PAGE:
            return found
        offset += _PAGE


class _SavedAfterWrites(httpx.ASGITransport):
    """The in-process paper Gateway, its chain saved to its state file after every write
    request (a transaction lands when it is sent) and before the answer reaches the engine: a
    process killed at any moment restarts on a chain that holds every transaction the store may
    know of. Reads are not saved (they change nothing that must survive)."""

    def __init__(self, gateway: PaperGateway) -> None:
        super().__init__(app=gateway.app)
        self._gateway = gateway

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        finally:
            if request.method not in _READS and request.url.path != "/rpc":  # RPC: reads only
                self._gateway.save()


def live_lp_pools(engine: Engine) -> Callable[[], dict[str, PoolSource]]:
    """The pools of the live LP executors, as the market feed reads them."""

    def pools() -> dict[str, PoolSource]:
        found: dict[str, PoolSource] = {}
        for executor in engine.live_executors():
            if isinstance(executor, LPExecutor):
                config = executor.config
                found[config.pool_address] = PoolSource(
                    trading_pair=config.trading_pair, provider=config.lp_provider
                )
        return found

    return pools
