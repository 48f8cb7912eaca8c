"""Two engines on one store and one Gateway (two workers, or a worker and a CLI session): an open
whose answer was lost is reconciled by adopting the position it made, never the position of an
executor the other engine runs in the same pool and range."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from fixtures.paper_runtime import serve_in_thread
from lpexec.app.runtime import open_lp_runtime
from lpexec.app.settings import Settings
from lpexec.lp import LPExecutorConfig, LPState
from lpexec.paper.gateway.demo import build_paper_gateway, demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
LAMPORTS = Decimal(10**9)


def config(executor_id: str) -> LPExecutorConfig:
    return LPExecutorConfig(
        id=executor_id,
        pool_address=POOL,
        trading_pair="SOL-USDC",
        lower_price=Decimal(176),
        upper_price=Decimal(184),
        quote_amount=Decimal(20),
        side="BUY",
    )


async def test_a_lost_open_adopts_its_own_position_not_the_other_engines(tmp_path):
    # Arrange: A opens on engine 1; B's open (engine 2, same pool and range) lands but its answer
    # is a 504 without a signature
    gateway = build_paper_gateway(seed=5, faults="open:504#2")
    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    with serve_in_thread(gateway) as url:
        settings = Settings(gateway_url=url, wallet_address=gateway.wallet)
        first = await open_lp_runtime(database_url=database_url, settings=settings)
        second = await open_lp_runtime(
            database_url=database_url, settings=settings, start_engine=False, settle_seconds=1
        )
        try:
            await first.engine.create(config("a"))
            await first.settle()
            await second.engine.create(config("b"))
            # Act: engine 2 reconciles B's open (the chain confirms within a few slots)
            for _ in range(40):
                await second.settle(1)
                if second.engine.executor("b").state.position_address:
                    break
                await asyncio.sleep(0.1)
            a = first.engine.executor("a").state
            b = second.engine.executor("b").state
            owned = {p.address for p in gateway.chain.positions_owned(gateway.wallet)}
        finally:
            await second.aclose()
            await first.aclose()
    # Assert: two positions on chain, one each
    assert a.position_address and b.position_address
    assert a.position_address != b.position_address
    assert owned == {a.position_address, b.position_address}


async def test_a_lost_open_never_takes_the_failed_transaction_of_the_other_engines_open(
    database_url,
):
    # Arrange: B's open (engine 2) answers a generic 500 before anything is sent; then A's open
    # (engine 1, same pool) lands and fails on chain, answered with its signature. Only engine 1
    # heard of that signature: engine 2 knows it from the store alone.
    gateway = build_paper_gateway(seed=5, faults="open:500#1,open:fail#2")
    with serve_in_thread(gateway) as url:
        settings = Settings(
            gateway_url=url, wallet_address=gateway.wallet, solana_rpc_url=f"{url}/rpc"
        )
        first = await open_lp_runtime(database_url=database_url, settings=settings)
        second = await open_lp_runtime(
            database_url=database_url, settings=settings, start_engine=False, settle_seconds=2
        )
        try:
            await second.engine.create(config("b"))
            await second.engine.drain()  # sent: a 500, its outcome unknown
            await first.engine.create(config("a"))
            await first.settle()
            # Act: engine 2 reconciles B's open until it is decided
            for _ in range(60):
                await second.settle(1)
                if second.engine.executor("b").state.position_address:
                    break
                await asyncio.sleep(0.1)
            a = first.engine.executor("a").state
            b = second.engine.executor("b").state
            transactions = [tx for tx in gateway.chain.transactions() if tx.payer == gateway.wallet]
        finally:
            await second.aclose()
            await first.aclose()
    # Assert: A failed with its own fee; B was sent again and opened; every fee counted once
    (failed,) = [tx for tx in transactions if tx.landed and tx.error is not None]
    assert a.lp_state is LPState.FAILED
    assert a.tx_fee * LAMPORTS == failed.fee
    assert b.position_address
    assert b.open_signature != failed.signature
    charged = sum(tx.fee for tx in transactions if tx.landed)
    assert (a.tx_fee + b.tx_fee) * LAMPORTS == charged
