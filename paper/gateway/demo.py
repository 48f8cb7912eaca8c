"""A ready-to-use paper Gateway: a demo chain with a funded wallet and seeded pools.

Pools (stable addresses, whatever the seed). Where Gateway 2.13.0's default pool list has the
pair, the pool has that list's address and fee, so a real configuration works on paper:

* SOL-USDC Meteora DLMM ``2sf5NYcY4zUPXUSmG6f66mskb24t5F8S11pC1Nz5nQT3``, bin step 10, 0.04 %
  base fee, price 180 USDC;
* JUP-USDC Meteora DLMM ``7HR1ouGwPsCyPScUCx4WJCPyktXMoLitrGkLczd7Vabx``, bin step 20, 0.01 %
  base fee, price 0.8 USDC;
* USDT-USDC Meteora DLMM, bin step 1, price 1 USDC;
* SOL-USDC Raydium CLMM ``3ucNos4NbumPLZNWztqGHNFFgkHeRMBQAVemeeomsUxv``, tick spacing 10,
  0.04 % fee, price 180 USDC (served by the unified ``/trading/*`` routes with
  ``connector=raydium`` and by the Jupiter-like router).

The demo wallet holds 100 SOL, 20,000 USDC, 5,000 USDT and 10,000 JUP.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI

from lpexec.core.clock import Clock, LiveClock
from lpexec.paper.chain import FaultPlan, PaperChain
from lpexec.paper.chain.keys import derive_address
from lpexec.paper.gateway.app import create_app
from lpexec.paper.gateway.context import Mode
from lpexec.paper.gateway.defaults import DEFAULT_POOLS
from lpexec.paper.pools import ClmmPool, DlmmFeeParameters, DlmmPool, Strategy

__all__ = ["DEMO_FUNDS", "PaperGateway", "build_demo_chain", "build_paper_gateway"]

DEMO_FUNDS: dict[str, Decimal] = {
    "SOL": Decimal(100),
    "USDC": Decimal(20_000),
    "USDT": Decimal(5_000),
    "JUP": Decimal(10_000),
}
"""What the demo wallet starts with."""

_MAX_WIDTH = 1_400


@dataclass(frozen=True, slots=True)
class _PoolSpec:
    connector: str
    base: str
    quote: str
    price: Decimal
    step: int
    """DLMM bin step or CLMM tick spacing."""
    half_width: int
    """Bins (DLMM) or tick spacings (CLMM) of seed liquidity on each side of the price."""
    base_liquidity: Decimal
    quote_liquidity: Decimal
    fee_rate: int = 0
    """CLMM fee in millionths (replaced by Gateway's default pool fee when it lists the pair)."""

    @property
    def listed(self) -> tuple[str, str] | None:
        """Gateway 2.13's default pool address and fee percent for this pair, if listed."""
        return DEFAULT_POOLS.get((self.connector, self.base, self.quote))


_POOLS = (
    _PoolSpec("meteora", "SOL", "USDC", Decimal(180), 10, 300, Decimal(5_000), Decimal(900_000)),
    _PoolSpec(
        "meteora", "JUP", "USDC", Decimal("0.8"), 20, 150, Decimal(2_000_000), Decimal(1_600_000)
    ),
    _PoolSpec("meteora", "USDT", "USDC", Decimal(1), 1, 50, Decimal(2_000_000), Decimal(2_000_000)),
    _PoolSpec(
        "raydium",
        "SOL",
        "USDC",
        Decimal(180),
        10,
        400,
        Decimal(3_000),
        Decimal(540_000),
        fee_rate=500,
    ),
)


def demo_pool_address(connector: str, base: str, quote: str, step: int) -> str:
    """Return the stable address of a demo pool (Gateway's default address when it has one)."""
    listed = DEFAULT_POOLS.get((connector, base, quote))
    if listed is not None:
        return listed[0]
    return derive_address("demo-pool", connector, base, quote, str(step))


def _fee_millionths(spec: _PoolSpec) -> int | None:
    listed = spec.listed
    return None if listed is None else int(Decimal(listed[1]) * 10_000)


def _seed_pool(chain: PaperChain, spec: _PoolSpec) -> None:
    base, quote = chain.tokens.get(spec.base), chain.tokens.get(spec.quote)
    base_raw, quote_raw = base.to_raw(spec.base_liquidity), quote.to_raw(spec.quote_liquidity)
    # What both pool kinds are created from: address, price, the pair and the chain's time.
    pair: dict[str, Any] = {
        "price": spec.price,
        "base_mint": base.address,
        "quote_mint": quote.address,
        "base_decimals": base.decimals,
        "quote_decimals": quote.decimals,
        "timestamp": chain.unix_time,
    }
    address = demo_pool_address(spec.connector, spec.base, spec.quote, spec.step)
    pool: DlmmPool | ClmmPool
    fee = _fee_millionths(spec)
    if spec.connector == "meteora":
        # base fee = base_factor x bin step x 1e-8 (10_000 x step: step x 0.01 %)
        factor = 10_000 if fee is None else fee * 100 // spec.step
        pool = DlmmPool.at_price(
            address,
            bin_step=spec.step,
            fee_parameters=DlmmFeeParameters(base_factor=factor),
            max_position_width=_MAX_WIDTH,
            **pair,
        )
        active = pool.active_bin_id
        span = (active - spec.half_width, active + spec.half_width)
        pool.add_liquidity("genesis", *span, base_raw, quote_raw, Strategy.SPOT)
    else:
        pool = ClmmPool.at_price(
            address,
            tick_spacing=spec.step,
            fee_rate=spec.fee_rate if fee is None else fee,
            protocol_fee_share=1_200,
            **pair,
        )
        middle = pool.tick_current // spec.step
        span = ((middle - spec.half_width) * spec.step, (middle + spec.half_width) * spec.step)
        pool.add_liquidity("genesis", *span, base_raw, quote_raw)
    chain.add_pool(pool, connector=spec.connector)


def build_demo_chain(
    *,
    seed: int = 0,
    clock: Clock | None = None,
    faults: str | FaultPlan | None = None,
    confirmation_slots: int = 1,
) -> tuple[PaperChain, str]:
    """Return a chain with the demo pools and a funded demo wallet, and that wallet's address."""
    chain = PaperChain(
        clock=clock or LiveClock(),
        seed=seed,
        faults=faults,
        confirmation_slots=confirmation_slots,
    )
    wallet = chain.create_wallet("demo")
    for symbol, amount in DEMO_FUNDS.items():
        chain.airdrop(wallet, symbol, chain.tokens.get(symbol).to_raw(amount))
    for spec in _POOLS:
        _seed_pool(chain, spec)
    return chain, wallet


@dataclass
class PaperGateway:
    """A paper chain, its Gateway app and where its state is saved."""

    chain: PaperChain
    app: FastAPI
    wallet: str
    """The demo (default) wallet."""
    state_file: Path | None = None

    def save(self) -> None:
        """Write the chain state to :attr:`state_file` (no-op without one)."""
        if self.state_file is not None:
            self.chain.save(self.state_file)


def build_paper_gateway(
    *,
    seed: int = 0,
    faults: str | None = None,
    state_file: str | os.PathLike[str] | None = None,
    mode: Mode | Literal["clean", "upstream"] = "clean",
    clock: Clock | None = None,
    confirmation_slots: int = 1,
    **app_options: Any,
) -> PaperGateway:
    """Build the demo chain (or load it from ``state_file``) and its Gateway app.

    Args:
        seed: Seed of addresses, signatures and fault decisions.
        faults: Fault spec (see :mod:`paper.chain.faults`); when a state file is loaded, a
            given spec replaces the saved one.
        state_file: JSON file to load the chain from when it exists (and to save to).
        mode: ``clean`` or ``upstream``.
        clock: Clock of the chain (default: the wall clock).
        confirmation_slots: Slots until a landed transaction reads as confirmed.
        **app_options: Passed to :func:`create_app` (``confirm_timeout``, ``rate_limit``, ...).

    Raises:
        FaultSpecError: when ``faults`` does not parse (the message names the bad rule).
    """
    path = Path(state_file) if state_file is not None else None
    plan = FaultPlan.parse(faults, seed=seed) if faults is not None else None
    run_clock = clock or LiveClock()
    if path is not None and path.exists():
        chain = PaperChain.load(path, clock=run_clock)
        if plan is not None:
            chain.faults = plan
        wallets = chain.wallets()
        wallet = wallets[0] if wallets else chain.create_wallet("demo")
    else:
        chain, wallet = build_demo_chain(
            seed=seed, clock=run_clock, faults=plan, confirmation_slots=confirmation_slots
        )
    app = create_app(chain, mode=mode, default_wallet=wallet, **app_options)
    return PaperGateway(chain=chain, app=app, wallet=wallet, state_file=path)
