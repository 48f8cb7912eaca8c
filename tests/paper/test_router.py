"""Router: best route across paper pools, two hops, exact out, atomic execution."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.paper.pools import ClmmPool, DlmmPool, InvalidPoolRequestError, SlippageExceededError
from lpexec.paper.router import NoRouteFoundError, Router

SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
USDT = "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"


def dlmm(address: str, base: str, quote: str, price: Decimal, depth: int) -> DlmmPool:
    pool = DlmmPool.at_price(
        address,
        price=price,
        base_mint=base,
        quote_mint=quote,
        base_decimals=9 if base == SOL else 6,
        quote_decimals=6,
        bin_step=10 if base == SOL else 1,
    )
    active = pool.active_bin_id
    unit = 10**pool.base_decimals
    pool.add_liquidity(
        "market",
        active - 30,
        active + 30,
        depth * unit,
        int(depth * price) * 10**6,
    )
    return pool


def clmm(address: str, price: Decimal, depth: int) -> ClmmPool:
    pool = ClmmPool.at_price(
        address,
        price=price,
        base_mint=SOL,
        quote_mint=USDT,
        base_decimals=9,
        quote_decimals=6,
        tick_spacing=10,
        fee_rate=500,
    )
    tick = pool.tick_current // 10 * 10
    pool.add_liquidity(
        "market", tick - 1_000, tick + 1_000, depth * 10**9, int(depth * price) * 10**6
    )
    return pool


@pytest.fixture
def router() -> Router:
    return Router(
        [
            dlmm("sol-usdc-deep", SOL, USDC, Decimal(150), 2_000),
            dlmm("sol-usdc-thin", SOL, USDC, Decimal(150), 20),
            dlmm("usdc-usdt", USDT, USDC, Decimal(1), 1_000_000),
            clmm("sol-usdt", Decimal(150), 5),
        ],
    )


def test_direct_route_picks_the_deeper_pool(router: Router) -> None:
    plan = router.quote(SOL, USDC, 50 * 10**9)
    assert plan.pool_addresses == ("sol-usdc-deep",)
    for address in ("sol-usdc-thin",):
        pool = next(p for p in router.pools if p.address == address)
        other = pool.quote(SOL, 50 * 10**9, timestamp=None)
        assert not other.complete or other.amount_out < plan.amount_out


def test_two_hops_beat_a_thin_direct_pool(router: Router) -> None:
    plan = router.quote(SOL, USDT, 2 * 10**9)
    assert plan.pool_addresses == ("sol-usdc-deep", "usdc-usdt")
    assert plan.legs[0].amount_out == plan.legs[1].amount_in
    direct = router.quote(SOL, USDT, 2 * 10**9, max_hops=1)
    assert direct.pool_addresses == ("sol-usdt",)
    assert plan.amount_out > direct.amount_out


def test_exact_out_minimizes_input(router: Router) -> None:
    plan = router.quote(USDC, SOL, 2 * 10**9, exact_out=True)
    assert plan.amount_out == 2 * 10**9
    thin = next(p for p in router.pools if p.address == "sol-usdc-thin")
    thin_quote = thin.quote(USDC, 2 * 10**9, exact_out=True)
    assert plan.amount_in <= thin_quote.amount_in
    two_hop = router.quote(USDT, SOL, 2 * 10**9, exact_out=True)
    assert two_hop.amount_out == 2 * 10**9
    assert two_hop.legs[0].amount_out == two_hop.legs[1].amount_in


def test_execute_matches_the_quote(router: Router) -> None:
    plan = router.quote(SOL, USDT, 3 * 10**9)
    pools = {p.address: p for p in router.pools}
    before = {address: pools[address].vault_balances() for address in plan.pool_addresses}
    filled = router.execute(plan, min_amount_out=plan.amount_out)
    assert filled == plan
    first, second = plan.legs
    deep, stable = pools[first.pool_address], pools[second.pool_address]
    assert deep.vault_balances() == (
        before[first.pool_address][0] + first.amount_in,
        before[first.pool_address][1] - first.amount_out,
    )
    assert stable.vault_balances() == (  # USDT is that pool's base, USDC its quote
        before[second.pool_address][0] - second.amount_out,
        before[second.pool_address][1] + second.amount_in,
    )


def test_exact_out_execution_delivers_the_amount(router: Router) -> None:
    filled = router.swap(USDT, SOL, 10**9, exact_out=True)
    assert filled.amount_out == 10**9
    assert filled.hops == 2


def test_slippage_aborts_before_any_swap(router: Router) -> None:
    plan = router.quote(SOL, USDT, 3 * 10**9)
    states = [p.to_dict() for p in router.pools]
    with pytest.raises(SlippageExceededError, match="min_amount_out"):
        router.execute(plan, min_amount_out=plan.amount_out + 1)
    assert [p.to_dict() for p in router.pools] == states


def test_no_route(router: Router) -> None:
    with pytest.raises(NoRouteFoundError, match="No route found for .* -> BONK"):
        router.quote(SOL, "BONK", 10**9)
    with pytest.raises(NoRouteFoundError, match="ExactIn"):
        router.quote(SOL, USDC, 10**15)  # more than all liquidity
    with pytest.raises(InvalidPoolRequestError, match="token_in=token_out"):
        router.quote(SOL, SOL, 1)


def test_jupiter_route_plan_shape(router: Router) -> None:
    plan = router.quote(SOL, USDT, 10**9)
    route_plan = plan.jupiter_route_plan()
    assert [leg["swapInfo"]["ammKey"] for leg in route_plan] == list(plan.pool_addresses)
    first = route_plan[0]["swapInfo"]
    assert first["label"] == "Meteora DLMM"
    assert first["inputMint"] == SOL and first["feeMint"] == SOL
    assert int(first["inAmount"]) == plan.amount_in
    assert int(route_plan[-1]["swapInfo"]["outAmount"]) == plan.amount_out
    assert all(leg["percent"] == 100 for leg in route_plan)


def test_removed_pool_is_not_used(router: Router) -> None:
    router.remove_pool("sol-usdc-deep")
    assert "sol-usdc-deep" not in router.quote(SOL, USDC, 10**9).pool_addresses
