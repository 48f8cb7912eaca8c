"""Conservation across the whole chain under random operation sequences (hypothesis).

After every step: the sum over wallets (native SOL, wrapped SOL, tokens), token-account rent,
position rent, BinArray rent, the fee sink, the outside market and the pools' vaults (read from
the pool objects) equals the initial supply, to the unit, per token; and the pool fees swappers
paid equal the fees credited to LPs plus the protocol, which equal what the pools owe their
positions, what positions claimed and the pools' protocol fees.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpexec.paper.chain import (
    LAMPORTS,
    SOL_MINT,
    AccountKind,
    Cause,
    ChainError,
    Hop,
    TxFate,
)

USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
TOKENS = (SOL_MINT, USDC)
World = Any  # built by the ``make_world`` fixture (see conftest)

_swap = st.tuples(st.just("swap"), st.booleans(), st.booleans(), st.integers(10**6, 5 * 10**9))
_market = st.tuples(st.just("market"), st.booleans(), st.integers(-40, 40), st.integers(0, 10**10))
_open = st.tuples(
    st.just("open"),
    st.booleans(),
    st.integers(-30, 30),
    st.integers(1, 40),
    st.integers(0, 3 * 10**9),
    st.integers(0, 400 * 10**6),
)
operation = st.one_of(
    _open,
    _swap,
    _market,
    _open,
    _swap,
    st.tuples(st.just("add"), st.integers(0, 9), st.integers(0, 10**9), st.integers(0, 10**8)),
    st.tuples(st.just("remove"), st.integers(0, 9), st.integers(1, 100)),
    st.tuples(st.just("collect"), st.integers(0, 9)),
    st.tuples(st.just("close"), st.integers(0, 9)),
    st.tuples(st.just("wrap"), st.integers(1, 10**9)),
    st.tuples(st.just("unwrap")),
    st.tuples(st.just("route"), st.booleans(), st.integers(10**6, 10**9)),
)
fates = st.sampled_from([TxFate.LAND, TxFate.LAND, TxFate.LAND, TxFate.DROP, TxFate.FAIL])


def _supply(world: World) -> dict[str, int]:
    """Every token unit, read from wallets, pools and rent/fee accounts (not from totals)."""
    chain, ledger = world.chain, world.chain.ledger
    out: dict[str, int] = defaultdict(int)
    for wallet in chain.wallets():
        out[SOL_MINT] += chain.balance(wallet, "SOL") + chain.wrapped_sol(wallet)
        out[USDC] += chain.balance(wallet, "USDC")
    for kind in (
        AccountKind.TOKEN_ACCOUNT,
        AccountKind.POSITION,
        AccountKind.BIN_ARRAY,
        AccountKind.FEE_SINK,
        AccountKind.MARKET,
    ):
        for account in ledger.accounts(kind):
            out[SOL_MINT] += ledger.balance(account, LAMPORTS)
    for account in ledger.accounts(AccountKind.MARKET):
        out[SOL_MINT] += ledger.balance(account, SOL_MINT)
        out[USDC] += ledger.balance(account, USDC)
    for entry in chain.pools():
        base, quote = entry.pool.vault_balances()
        out[entry.pool.base_mint] += base
        out[entry.pool.quote_mint] += quote
    return dict(out)


def _by_cause(world: World, cause: Cause, *, sign: int) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for entry in world.chain.ledger.entries(cause=cause):
        if entry.delta * sign > 0:
            token = SOL_MINT if entry.asset == LAMPORTS else entry.asset
            out[token] += abs(entry.delta)
    return dict(out)


def _apply(world: World, step: tuple, fate: TxFate, paid: dict[str, int]) -> None:  # noqa: C901
    chain, wallet = world.chain, world.wallet
    kind = step[0]
    positions = [r.address for r in chain.positions_owned(wallet)]
    pick = (lambda i: positions[i % len(positions)]) if positions else None
    if kind == "swap":
        _, on_dlmm, sells_sol, amount = step
        pool = world.dlmm if on_dlmm else world.clmm
        token = "SOL" if sells_sol else "USDC"
        receipt = chain.swap(
            wallet,
            pool.address,
            token_in=token,
            amount=amount if sells_sol else amount // 1_000,
            fate=fate,
        )
        if receipt.succeeded:
            paid[receipt.token_in] += receipt.pool_fee
    elif kind == "market":
        _, on_dlmm, bins, volume = step
        pool = world.dlmm if on_dlmm else world.clmm
        target = pool.price * (Decimal(1) + Decimal(bins) / 1_000)
        moved = chain.move_pool_to_price(pool.address, target, volume=volume // 1_000)
        paid[pool.base_mint] += moved.base_fee
        paid[pool.quote_mint] += moved.quote_fee
    elif kind == "open":
        _, on_dlmm, offset, width, base, quote = step
        if on_dlmm:
            lower = world.dlmm.active_bin_id + offset
            chain.open_position(
                wallet,
                world.dlmm.address,
                lower=lower,
                upper=lower + width,
                base_amount=base,
                quote_amount=quote,
                fate=fate,
            )
        else:
            tick = world.clmm.tick_current // 10 * 10 + offset * 10
            chain.open_position(
                wallet,
                world.clmm.address,
                lower=tick,
                upper=tick + width * 10,
                base_amount=base,
                quote_amount=quote,
                fate=fate,
            )
    elif kind == "route":
        _, sells_sol, amount = step
        token_in, token_out = ("SOL", "USDC") if sells_sol else ("USDC", "SOL")
        amount = amount if sells_sol else amount // 1_000
        plan = chain.best_route(token_in, token_out, amount)
        receipt = chain.route_swap(
            wallet,
            [Hop(leg.pool_address, leg.token_in) for leg in plan.legs],
            amount=amount,
            fate=fate,
        )
        if receipt.succeeded:
            for fill in receipt.fills:
                paid[fill.token_in] += fill.fee_total
    elif kind == "wrap":
        chain.wrap(wallet, step[1], fate=fate)
    elif kind == "unwrap":
        chain.unwrap(wallet, fate=fate)
    elif pick is not None:
        address = pick(step[1])
        if kind == "add":
            chain.add_liquidity(
                wallet, address, base_amount=step[2], quote_amount=step[3], fate=fate
            )
        elif kind == "remove":
            chain.remove_liquidity(wallet, address, fraction=Decimal(step[2]) / 100, fate=fate)
        elif kind == "collect":
            chain.collect_fees(wallet, address, fate=fate)
        else:
            chain.close_position(wallet, address, fate=fate)


@given(steps=st.lists(st.tuples(operation, fates), min_size=10, max_size=30))
@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_every_unit_is_conserved_and_fees_balance(make_world: Any, steps: list) -> None:
    world = make_world(seed=1)
    initial = _supply(world)
    protocol_start = {e.pool.address: e.pool.protocol_fees() for e in world.chain.pools()}
    paid: dict[str, int] = defaultdict(int)
    for step, fate in steps:
        # A step the chain refuses (in simulation) must change nothing: checked just below.
        with contextlib.suppress(ChainError):
            _apply(world, step, fate, paid)
        world.clock.advance(0.4)
        assert _supply(world) == initial
        assert world.chain.audit() == []
    charged = _by_cause(world, Cause.POOL_FEE, sign=-1)
    lp = _by_cause(world, Cause.LP_FEE, sign=1)
    protocol = _by_cause(world, Cause.PROTOCOL_FEE, sign=1)
    for token in TOKENS:
        assert charged.get(token, 0) == paid.get(token, 0)
        assert charged.get(token, 0) == lp.get(token, 0) + protocol.get(token, 0)
    protocol_growth: dict[str, int] = defaultdict(int)
    for entry in world.chain.pools():
        pool, before = entry.pool, protocol_start[entry.pool.address]
        now = pool.protocol_fees()
        protocol_growth[pool.base_mint] += now.base_amount - before.base_amount
        protocol_growth[pool.quote_mint] += now.quote_amount - before.quote_amount
    for token in TOKENS:
        assert protocol.get(token, 0) == protocol_growth[token]
