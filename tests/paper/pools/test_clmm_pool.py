"""ClmmPool: deposits, tick crossing, in-range rule, fee growth inside, removals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from lpexec.lp.math.clmm import amounts_for_liquidity, sqrt_price_x64_at_tick
from lpexec.paper.pools import (
    ClmmPool,
    FeeAmounts,
    InvalidPoolRequestError,
    PositionNotFoundError,
    SlippageExceededError,
)

SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"

MakeClmm = Callable[..., ClmmPool]


def base_tick(pool: ClmmPool) -> int:
    return pool.tick_current // pool.tick_spacing * pool.tick_spacing


def seeded(make_clmm: MakeClmm, **kwargs: object) -> ClmmPool:
    pool = make_clmm(**kwargs)
    tick = base_tick(pool)
    pool.add_liquidity("market", tick - 2_000, tick + 2_000, 1_000 * 10**9, 150_000 * 10**6)
    return pool


class TestDeposits:
    def test_deposit_never_exceeds_the_maxima(self, make_clmm: MakeClmm) -> None:
        pool = make_clmm()
        tick = base_tick(pool)
        result = pool.add_liquidity("lp", tick - 500, tick + 500, 10**9, 100 * 10**6)
        assert result.base_amount <= 10**9 and result.quote_amount <= 100 * 10**6
        # one side binds: it is used (almost) entirely
        assert result.base_amount >= 10**9 - 10**3 or result.quote_amount >= 100 * 10**6 - 10**3
        assert pool.vault_balances() == (result.base_amount, result.quote_amount)
        assert pool.liquidity == result.liquidity

    def test_one_sided_ranges(self, make_clmm: MakeClmm) -> None:
        pool = make_clmm()
        tick = base_tick(pool)
        above = pool.add_liquidity("above", tick + 100, tick + 300, 10**9, 10**9)
        below = pool.add_liquidity("below", tick - 300, tick - 100, 10**9, 10**9)
        assert above.quote_amount == 0 and above.base_amount > 0
        assert below.base_amount == 0 and below.quote_amount > 0
        assert pool.liquidity == 0  # neither is active

    def test_ticks_must_follow_the_spacing(self, make_clmm: MakeClmm) -> None:
        pool = make_clmm(tick_spacing=64)
        with pytest.raises(InvalidPoolRequestError, match="tick_spacing=64"):
            pool.open_position("lp", 1, 64)
        with pytest.raises(InvalidPoolRequestError, match="lower_tick=64 upper_tick=64"):
            pool.open_position("lp", 64, 64)

    def test_withdraw_without_swaps_returns_the_deposit_less_rounding(
        self,
        make_clmm: MakeClmm,
    ) -> None:
        pool = seeded(make_clmm)
        tick = base_tick(pool)
        deposit = pool.add_liquidity("lp", tick - 500, tick + 500, 10**9, 200 * 10**6)
        withdrawal = pool.remove_liquidity("lp")
        assert deposit.base_amount - 1 <= withdrawal.base_amount <= deposit.base_amount
        assert deposit.quote_amount - 1 <= withdrawal.quote_amount <= deposit.quote_amount


class TestSwaps:
    def test_crossing_a_tick_changes_active_liquidity(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        tick = base_tick(pool)
        lp = pool.add_liquidity("lp", tick - 100, tick + 100, 10**9, 200 * 10**6)
        both = pool.liquidity
        result = pool.swap(USDC, 20_000 * 10**6)
        assert result.new_tick >= tick + 100
        assert result.ticks_crossed == 1
        assert pool.liquidity == both - lp.liquidity
        back = pool.swap(SOL, 300 * 10**9)
        assert back.new_tick < tick - 100
        assert back.ticks_crossed == 2
        assert pool.liquidity == both - lp.liquidity

    def test_in_range_is_lower_inclusive_upper_exclusive(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        tick = base_tick(pool)
        pool.add_liquidity("lp", tick + 100, tick + 200, 10**9, 0)
        pool.move_to_tick(tick + 100)
        assert pool.tick_current == tick + 100
        assert pool.position_amounts("lp").in_range
        pool.move_to_tick(tick + 200)
        assert pool.tick_current == tick + 200
        assert not pool.position_amounts("lp").in_range
        assert pool.position_amounts("lp").base_amount == 0  # above the range: all quote

    def test_quote_matches_swap_and_changes_nothing(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        before = pool.to_dict()
        quoted = pool.quote(SOL, 50 * 10**9)
        assert pool.to_dict() == before
        assert pool.swap(SOL, 50 * 10**9) == quoted

    def test_exact_out(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        result = pool.swap(USDC, 2 * 10**9, exact_out=True)
        assert result.amount_out == 2 * 10**9
        assert result.amount_in > 300 * 10**6  # about 150 USDC per SOL plus fee

    def test_fee_and_protocol_share(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm, fee_rate=3_000, protocol_fee_share=1_300)
        result = pool.swap(SOL, 10**9)
        assert result.fee_total == result.lp_fee + result.protocol_fee
        assert abs(result.fee_total - 3 * 10**6) <= 1  # 0.3 % of the input
        assert result.protocol_fee == result.fee_total * 1_300 // 10_000
        assert pool.protocol_fees().base_amount == result.protocol_fee

    def test_slippage_limit(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        before = pool.to_dict()
        with pytest.raises(SlippageExceededError):
            pool.swap(SOL, 10**9, min_amount_out=10**12)
        assert pool.to_dict() == before


class TestFees:
    def test_fees_go_to_in_range_liquidity_pro_rata(self, make_clmm: MakeClmm) -> None:
        pool = make_clmm(fee_rate=3_000)
        tick = base_tick(pool)
        pool.add_liquidity("one", tick - 200, tick + 200, 10**9, 150 * 10**6)
        pool.add_liquidity("two", tick - 200, tick + 200, 2 * 10**9, 300 * 10**6)
        pool.add_liquidity("far", tick + 1_000, tick + 1_200, 10**9, 0)
        result = pool.swap(SOL, 10**8)
        one, two = pool.claimable_fees("one"), pool.claimable_fees("two")
        assert pool.claimable_fees("far").base_amount == 0
        assert abs(2 * one.base_amount - two.base_amount) <= 2
        dust = result.lp_fee - (one.base_amount + two.base_amount)
        assert 0 <= dust <= 2  # fee growth floors leave a unit or two in the pool

    def test_fees_accrue_only_inside_the_range(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        tick = base_tick(pool)
        pool.add_liquidity("lp", tick + 100, tick + 200, 10**9, 0)
        pool.swap(SOL, 10**9)  # price falls, away from the range
        assert pool.claimable_fees("lp") == FeeAmounts(base_amount=0, quote_amount=0)
        pool.move_to_tick(tick + 150)
        pool.swap(USDC, 10**6)
        pool.swap(SOL, 10**8)
        fees = pool.claimable_fees("lp")
        assert fees.base_amount > 0 and fees.quote_amount > 0

    def test_claim_after_full_removal_still_pays(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        pool.swap(SOL, 10 * 10**9)
        owed = pool.claimable_fees("market")
        pool.remove_liquidity("market")
        assert pool.claimable_fees("market") == owed
        assert pool.claim_fees("market") == owed
        assert pool.claimable_fees("market").base_amount == 0

    def test_position_amounts_match_liquidity_math(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        pool.swap(USDC, 1_000 * 10**6)
        amounts = pool.position_amounts("market")
        expected = amounts_for_liquidity(
            pool.sqrt_price_x64,
            sqrt_price_x64_at_tick(amounts.lower),
            sqrt_price_x64_at_tick(amounts.upper),
            amounts.liquidity,
        )
        assert (amounts.base_amount, amounts.quote_amount) == expected

    def test_closed_position(self, make_clmm: MakeClmm) -> None:
        pool = seeded(make_clmm)
        pool.close_position("market")
        with pytest.raises(PositionNotFoundError, match="Position closed"):
            pool.claim_fees("market")
        assert pool.initialized_ticks() == []


def test_move_to_price_lands_on_the_price(make_clmm: MakeClmm) -> None:
    pool = seeded(make_clmm)
    move = pool.move_to_price(Decimal(160), 1_000 * 10**6, timestamp=60)
    assert abs(pool.price / 160 - 1) < Decimal("0.001")
    assert move.quote_in > 0
    assert pool.timestamp == 60
