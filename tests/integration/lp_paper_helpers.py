"""Shared helpers for LP tests on the in-process paper Gateway."""

from __future__ import annotations

from decimal import Decimal

from fixtures.paper_runtime import open_paper_runtime
from lpexec.app.runtime import LPRuntime
from lpexec.lp import LPExecutorConfig
from lpexec.lp.messages import publish_pool_price
from lpexec.paper.chain.ledger import AccountKind, Cause
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
LAMPORTS = Decimal(1_000_000_000)


# An LP runtime on the in-process paper Gateway, its store ``tmp_path/lp.db``.
runtime = open_paper_runtime


def lp_config(**overrides) -> LPExecutorConfig:
    values = {
        "pool_address": POOL,
        "trading_pair": "SOL-USDC",
        "lower_price": Decimal(176),
        "upper_price": Decimal(184),
        "base_amount": Decimal(1),
        "quote_amount": Decimal(180),
        "swap_provider": "meteora/swap",
    }
    values.update(overrides)
    return LPExecutorConfig(**values)


async def step(rt: LPRuntime, price: str, *, seconds: float = 60, volume_usdc: int = 20_000):
    """Let the market move the pool to ``price`` trading some volume, then let time pass."""
    chain = rt.gateway.chain
    chain.move_pool_to_price(POOL, Decimal(price), volume_usdc * 10**6)
    rt.clock.advance(seconds)
    pool = chain.pool(POOL)
    publish_pool_price(
        rt.engine, "SOL-USDC", pool.price, pool_address=POOL, active_bin_id=pool.active_bin_id
    )
    rt.engine.tick()
    await settle(rt)


async def open_position(rt: LPRuntime, config: LPExecutorConfig):
    """Create the LP executor of ``config`` and let it open; return it."""
    await rt.engine.create(config)
    await settle(rt)
    return rt.engine.executor(config.id)


def pool_positions(rt: LPRuntime) -> list:
    """The positions the runtime's wallet owns in ``POOL``, on the paper chain."""
    return [p for p in rt.gateway.chain.positions_owned(rt.wallet) if p.pool_address == POOL]


async def settle(rt: LPRuntime, rounds: int = 10) -> None:
    """Drain until nothing is left, a simulated second apart (a write the chain does not have
    is known not to have landed only after the settle window)."""
    await rt.settle(rounds)


def ledger_sum(rt: LPRuntime, *, signatures, cause: Cause, owner: str, asset: str | None = None):
    """Sum of the wallet's own balance changes of ``cause`` over ``signatures`` (raw units)."""
    total = 0
    for signature in signatures:
        for entry in rt.gateway.chain.ledger.entries(signature=signature, cause=cause):
            in_wallet = entry.kind in (AccountKind.WALLET, AccountKind.TOKEN_ACCOUNT)
            if in_wallet and entry.owner == owner and (asset is None or entry.asset == asset):
                total += entry.delta
    return total


def wallet_signatures(rt: LPRuntime) -> list[str]:
    """Every signature of a transaction the demo wallet paid a fee for."""
    return sorted(
        {
            entry.signature
            for entry in rt.gateway.chain.ledger.entries(cause=Cause.TX_FEE)
            if entry.owner == rt.wallet and entry.signature
        }
    )
