"""Fixtures for paper chain tests: a chain on a manual clock with a funded wallet and pools."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from lpexec.core.clock import SimulatedClock
from lpexec.paper.chain import SOL_MINT, PaperChain
from lpexec.paper.pools import ClmmPool, DlmmPool

USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@dataclass
class World:
    chain: PaperChain
    clock: SimulatedClock
    wallet: str
    dlmm: DlmmPool
    clmm: ClmmPool


def build_world(
    *, seed: int = 7, confirmation_slots: int = 1, faults: str | None = None, with_clmm: bool = True
) -> World:
    clock = SimulatedClock(START)
    chain = PaperChain(clock=clock, seed=seed, confirmation_slots=confirmation_slots, faults=faults)
    wallet = chain.create_wallet("test")
    chain.airdrop(wallet, "SOL", 500 * 10**9)
    chain.airdrop(wallet, "USDC", 100_000 * 10**6)
    dlmm = DlmmPool.at_price(
        "DLMMpoo1111111111111111111111111111111111111",
        price=Decimal(150),
        base_mint=SOL_MINT,
        quote_mint=USDC,
        base_decimals=9,
        quote_decimals=6,
        bin_step=10,
        max_position_width=1_400,
        timestamp=chain.unix_time,
    )
    active = dlmm.active_bin_id
    dlmm.add_liquidity("genesis", active - 100, active + 100, 2_000 * 10**9, 300_000 * 10**6)
    chain.add_pool(dlmm)
    clmm = ClmmPool.at_price(
        "CLMMpoo1111111111111111111111111111111111111",
        price=Decimal(150),
        base_mint=SOL_MINT,
        quote_mint=USDC,
        base_decimals=9,
        quote_decimals=6,
        tick_spacing=10,
        fee_rate=3_000,
        protocol_fee_share=1_000,
        timestamp=chain.unix_time,
    )
    tick = clmm.tick_current // 10 * 10
    clmm.add_liquidity("genesis", tick - 2_000, tick + 2_000, 1_000 * 10**9, 150_000 * 10**6)
    if with_clmm:
        chain.add_pool(clmm)
    return World(chain, clock, wallet, dlmm, clmm)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture(scope="session")
def make_world() -> Callable[..., World]:
    """The world builder itself (for hypothesis tests that need a fresh world per example)."""
    return build_world
