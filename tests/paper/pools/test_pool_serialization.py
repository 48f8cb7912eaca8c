"""Pool state round-trips through plain JSON and behaves identically afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from lpexec.paper.pools import ClmmPool, DlmmPool, InvalidPoolRequestError, Strategy, pool_from_dict

SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


def _busy_dlmm(make_dlmm: Callable[..., DlmmPool]) -> DlmmPool:
    pool = make_dlmm()
    active = pool.active_bin_id
    pool.add_liquidity("market", active - 20, active + 20, 100 * 10**9, 15_000 * 10**6)
    pool.add_liquidity("lp", active - 5, active + 5, 10**9, 150 * 10**6, Strategy.BID_ASK)
    pool.swap(SOL, 12 * 10**9, timestamp=10)
    pool.swap(USDC, 700 * 10**6, timestamp=20)
    pool.close_position("lp")
    return pool


def _busy_clmm(make_clmm: Callable[..., ClmmPool]) -> ClmmPool:
    pool = make_clmm(protocol_fee_share=500)
    tick = pool.tick_current // 10 * 10
    pool.add_liquidity("market", tick - 2_000, tick + 2_000, 100 * 10**9, 15_000 * 10**6)
    pool.add_liquidity("lp", tick - 50, tick + 50, 10**9, 150 * 10**6)
    pool.swap(SOL, 12 * 10**9, timestamp=10)
    pool.swap(USDC, 2_000 * 10**6, timestamp=20)
    return pool


def test_dlmm_round_trip(make_dlmm: Callable[..., DlmmPool]) -> None:
    pool = _busy_dlmm(make_dlmm)
    copy = pool_from_dict(json.loads(json.dumps(pool.to_dict())))
    assert isinstance(copy, DlmmPool)
    assert copy.to_dict() == pool.to_dict()
    assert copy.is_closed("lp")
    # both copies evolve identically, dynamic fee included
    assert copy.swap(SOL, 3 * 10**9, timestamp=25) == pool.swap(SOL, 3 * 10**9, timestamp=25)
    assert copy.claim_fees("market") == pool.claim_fees("market")
    assert copy.move_to_price(Decimal(155), 10**8, timestamp=90) == pool.move_to_price(
        Decimal(155),
        10**8,
        timestamp=90,
    )


def test_clmm_round_trip(make_clmm: Callable[..., ClmmPool]) -> None:
    pool = _busy_clmm(make_clmm)
    copy = pool_from_dict(json.loads(json.dumps(pool.to_dict())))
    assert isinstance(copy, ClmmPool)
    assert copy.to_dict() == pool.to_dict()
    assert copy.swap(USDC, 5 * 10**9, timestamp=30) == pool.swap(USDC, 5 * 10**9, timestamp=30)
    assert copy.claimable_fees("lp") == pool.claimable_fees("lp")
    assert copy.close_position("lp") == pool.close_position("lp")


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(InvalidPoolRequestError, match="kind='amm'"):
        pool_from_dict({"kind": "amm"})
