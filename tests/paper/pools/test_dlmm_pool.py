"""DlmmPool: deposits by strategy, swaps walking bins, fees per bin, claims, removals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from lpexec.lp.math.dlmm import bin_array_index
from lpexec.lp.math.dlmm_fees import FEE_PRECISION
from lpexec.paper.pools import (
    BinDeposit,
    BinWithdrawal,
    DlmmFeeParameters,
    DlmmPool,
    InsufficientLiquidityError,
    InvalidPoolRequestError,
    InvalidPositionWidthError,
    PositionNotFoundError,
    SlippageExceededError,
)

SOL = "So11111111111111111111111111111111111111112"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
NO_VARIABLE_FEE = DlmmFeeParameters(variable_fee_control=0)

MakeDlmm = Callable[..., DlmmPool]


def seeded(make_dlmm: MakeDlmm, **kwargs: object) -> DlmmPool:
    pool = make_dlmm(**kwargs)
    active = pool.active_bin_id
    pool.add_liquidity("market", active - 20, active + 20, 100 * 10**9, 15_000 * 10**6)
    return pool


class TestDeposits:
    def test_per_bin_records_of_a_deposit_and_a_withdrawal(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        # 2 raw base over 5 bins above the active bin: three bins get nothing and have no record
        deposit = pool.add_liquidity("lp", active + 1, active + 5, 2, 0)
        assert len(deposit.bins) == 2
        assert [b.base_amount for b in deposit.bins] == [1, 1]
        assert all(isinstance(b, BinDeposit) and b.quote_amount == 0 for b in deposit.bins)
        assert sum(b.shares for b in deposit.bins) == deposit.liquidity > 0
        assert deposit.bins == tuple(deposit.bins) and deposit.bins[:1] == (deposit.bins[0],)
        assert hash(deposit) == hash(deposit)  # frozen results stay hashable
        # half of a wide position: records per bin sum to the totals
        wide = pool.add_liquidity("wide", active - 4, active + 4, 10**9, 150 * 10**6)
        shares = {b.bin_id: b.shares for b in wide.bins}
        assert len(shares) == 9
        removed = pool.remove_liquidity("wide", Decimal("0.5"))
        assert {b.bin_id: b.shares for b in removed.bins} == {
            bin_id: value // 2 for bin_id, value in shares.items()
        }
        assert all(isinstance(b, BinWithdrawal) for b in removed.bins)
        assert sum(b.base_amount for b in removed.bins) == removed.base_amount > 0
        assert sum(b.quote_amount for b in removed.bins) == removed.quote_amount > 0
        assert sum(b.shares for b in removed.bins) == removed.liquidity

    def test_at_price_picks_the_bin_holding_the_price(self, make_dlmm: MakeDlmm) -> None:
        pool = make_dlmm(price=Decimal(150))
        assert abs(pool.price / 150 - 1) < Decimal("0.0005")  # within half a 10 bps bin

    def test_base_above_quote_below_both_in_active(self, make_dlmm: MakeDlmm) -> None:
        pool = make_dlmm()
        active = pool.active_bin_id
        result = pool.add_liquidity("lp", active - 5, active + 5, 10**9, 150 * 10**6)
        assert (result.base_amount, result.quote_amount) == (10**9, 150 * 10**6)
        for snapshot in pool.bins(active - 5, active + 5):
            if snapshot.bin_id < active:
                assert snapshot.base_amount == 0 and snapshot.quote_amount > 0
            elif snapshot.bin_id > active:
                assert snapshot.base_amount > 0 and snapshot.quote_amount == 0
            else:
                assert snapshot.base_amount > 0 and snapshot.quote_amount > 0
        assert sum(b.base_amount for b in result.bins) == 10**9
        assert pool.reserves() == (10**9, 150 * 10**6)

    def test_position_value_equals_the_deposit_before_any_swap(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        deposit = pool.add_liquidity("lp", active - 3, active + 3, 7 * 10**8, 90 * 10**6)
        amounts = pool.position_amounts("lp")
        held = {b.bin_id: b for b in deposit.bins}
        # Outside the active bin the position owns exactly what it put in (floors keep <= 1).
        outside_base = sum(b.base_amount for b in deposit.bins if b.bin_id != active)
        outside_quote = sum(b.quote_amount for b in deposit.bins if b.bin_id != active)
        snapshot = {b.bin_id: b for b in pool.bins(active - 3, active + 3)}
        own_active_base = (
            snapshot[active].base_amount * held[active].shares // snapshot[active].supply
        )
        own_active_quote = (
            snapshot[active].quote_amount * held[active].shares // snapshot[active].supply
        )
        assert outside_base - 6 <= amounts.base_amount - own_active_base <= outside_base
        assert outside_quote - 6 <= amounts.quote_amount - own_active_quote <= outside_quote
        # In the active bin it owns the bin's mix, worth what it deposited there (no
        # composition fee is modelled).
        price = pool.bin_price(active) / 1000  # raw quote per raw base
        deposited_value = held[active].base_amount * price + held[active].quote_amount
        owned_value = own_active_base * price + own_active_quote
        assert abs(owned_value - deposited_value) <= 2 * price + 2
        assert amounts.in_range

    def test_bin_arrays_are_reported_once(self, make_dlmm: MakeDlmm) -> None:
        pool = make_dlmm()
        active = pool.active_bin_id
        first = pool.open_position("a", active, active + 68)
        expected = tuple(range(bin_array_index(active), bin_array_index(active + 68) + 1))
        assert first.bin_arrays_initialized == expected
        second = pool.open_position("b", active, active + 10)
        assert second.bin_arrays_initialized == ()
        assert pool.initialized_bin_arrays == frozenset(expected)

    def test_width_above_limit_is_rejected(self, make_dlmm: MakeDlmm) -> None:
        pool = make_dlmm()
        with pytest.raises(InvalidPositionWidthError, match="69 bins or lower, received 70 bins"):
            pool.open_position("wide", 0, 69)

    def test_quote_for_a_range_above_the_price_is_rejected(self, make_dlmm: MakeDlmm) -> None:
        pool = make_dlmm()
        active = pool.active_bin_id
        with pytest.raises(InvalidPoolRequestError, match="quote_amount=5"):
            pool.add_liquidity("lp", active + 1, active + 10, 0, 5)
        assert not pool.has_position("lp")

    def test_add_to_existing_position_must_use_its_range(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        pool.add_liquidity("lp", active - 2, active + 2, 10**6, 10**6)
        with pytest.raises(InvalidPoolRequestError, match="lower_bin_id=.*upper_bin_id="):
            pool.add_liquidity("lp", active - 3, active + 2, 10**6, 10**6)
        again = pool.add_liquidity("lp", active - 2, active + 2, 10**6, 10**6)
        assert again.bin_arrays_initialized == ()


class TestSwaps:
    def test_small_swap_stays_in_the_active_bin_at_its_price(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm, fee_parameters=NO_VARIABLE_FEE)
        active = pool.active_bin_id
        first = pool.swap(SOL, 10**6)
        second = pool.swap(SOL, 10**6)
        assert first.new_active_bin == second.new_active_bin == active
        assert first.bins_crossed == 0
        assert abs(first.amount_out - second.amount_out) <= 1  # constant sum: no slippage
        net = first.amount_in - first.fee_total
        expected = net * pool.bin_price(active) / 1000  # raw quote per raw base
        assert abs(first.amount_out - expected) <= 1

    def test_large_sell_walks_down_bins(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        result = pool.swap(SOL, 30 * 10**9)
        assert result.new_active_bin < active - 1
        assert result.bins_crossed == active - result.new_active_bin
        for snapshot in pool.bins(result.new_active_bin + 1, active):
            assert snapshot.quote_amount == 0  # bins left behind hold only base now
        average = Decimal(result.amount_out) / (result.amount_in - result.fee_total) * 1000
        assert pool.bin_price(result.new_active_bin) < average < pool.bin_price(active)

    def test_buy_walks_up_bins(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        result = pool.swap(USDC, 4_000 * 10**6)
        assert result.new_active_bin > active + 1
        for snapshot in pool.bins(active, result.new_active_bin - 1):
            assert snapshot.base_amount == 0

    def test_fee_parts_add_up_and_protocol_gets_its_share(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm, fee_parameters=NO_VARIABLE_FEE)
        result = pool.swap(SOL, 10**6)
        rate = pool.base_fee_rate
        assert result.fee_total == -(-(10**6 * rate) // FEE_PRECISION)
        assert result.fee_total == result.lp_fee + result.protocol_fee
        assert result.protocol_fee == result.fee_total * 500 // 10_000

    def test_exact_out_delivers_the_amount(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        result = pool.swap(USDC, 5 * 10**9, exact_out=True)
        assert result.amount_out == 5 * 10**9
        assert result.token_in == USDC and result.token_out == SOL
        assert result.fee_total == result.lp_fee + result.protocol_fee

    def test_quote_matches_swap_and_changes_nothing(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        before = pool.to_dict()
        quoted = pool.quote(SOL, 20 * 10**9, timestamp=50)
        assert pool.to_dict() == before
        assert pool.swap(SOL, 20 * 10**9, timestamp=50) == quoted

    def test_slippage_limit_leaves_the_pool_untouched(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        before = pool.to_dict()
        quoted = pool.quote(SOL, 10**9)
        with pytest.raises(SlippageExceededError, match=f"min_amount_out={quoted.amount_out + 1}"):
            pool.swap(SOL, 10**9, min_amount_out=quoted.amount_out + 1)
        with pytest.raises(SlippageExceededError, match="max_amount_in=1"):
            pool.swap(USDC, 10**6, exact_out=True, max_amount_in=1)
        assert pool.to_dict() == before

    def test_running_out_of_liquidity(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        with pytest.raises(InsufficientLiquidityError):
            pool.swap(SOL, 10_000 * 10**9)
        partial = pool.swap(SOL, 10_000 * 10**9, allow_partial=True)
        assert not partial.complete
        assert partial.amount_out == 15_000 * 10**6  # every quote unit in the pool
        assert pool.reserves()[1] == 0

    def test_unknown_token_and_bad_amount(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        with pytest.raises(InvalidPoolRequestError, match="token_in='BONK'"):
            pool.swap("BONK", 10)
        with pytest.raises(InvalidPoolRequestError, match="amount=0"):
            pool.swap(SOL, 0)

    def test_volatility_raises_the_fee_and_decays(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        base = pool.base_fee_rate
        pool.swap(SOL, 30 * 10**9, timestamp=100)
        assert pool.current_fee_rate > base
        hot = pool.quote(SOL, 10**6, timestamp=101)  # inside the filter period
        cold = pool.quote(SOL, 10**6, timestamp=100 + 600)  # after the decay period
        assert hot.fee_total > cold.fee_total
        assert cold.fee_total == -(-(10**6 * base) // FEE_PRECISION)


class TestFeesAndPositions:
    def test_fees_split_pro_rata_to_shares(self, make_dlmm: MakeDlmm) -> None:
        pool = make_dlmm()
        active = pool.active_bin_id
        pool.add_liquidity("one", active - 3, active + 3, 10**9, 150 * 10**6)
        pool.add_liquidity("two", active - 3, active + 3, 2 * 10**9, 300 * 10**6)
        lp_base = lp_quote = 0
        for _ in range(5):
            sold = pool.swap(SOL, 3 * 10**8)
            bought = pool.swap(USDC, sold.amount_out)
            lp_base += sold.lp_fee
            lp_quote += bought.lp_fee
        one, two = pool.claimable_fees("one"), pool.claimable_fees("two")
        assert one.base_amount + two.base_amount == lp_base  # exact, no dust
        assert one.quote_amount + two.quote_amount == lp_quote
        assert abs(2 * one.base_amount - two.base_amount) <= 10
        assert abs(2 * one.quote_amount - two.quote_amount) <= 10

    def test_out_of_range_position_earns_nothing(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        pool.add_liquidity("far", active + 15, active + 18, 10**9, 0)
        pool.swap(SOL, 10**9)
        assert pool.claimable_fees("far").base_amount == 0
        assert not pool.position_amounts("far").in_range

    def test_in_range_is_inclusive_at_both_ends(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        pool.add_liquidity("upper-edge", active - 4, active, 0, 10**6)
        pool.add_liquidity("lower-edge", active, active + 4, 10**6, 0)
        assert pool.position_amounts("upper-edge").in_range
        assert pool.position_amounts("lower-edge").in_range

    def test_claim_pays_and_resets(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        pool.swap(SOL, 5 * 10**9)
        vault_before = pool.vault_balances()
        fees = pool.claim_fees("market")
        assert fees.base_amount > 0
        assert pool.claimable_fees("market").base_amount == 0
        assert pool.vault_balances()[0] == vault_before[0] - fees.base_amount

    def test_remove_fractions(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        pool.add_liquidity("lp", active - 5, active + 5, 10**9, 150 * 10**6)
        held = pool.position_amounts("lp")
        half = pool.remove_liquidity("lp", Decimal("0.5"))
        assert abs(2 * half.base_amount - held.base_amount) <= 22
        assert abs(2 * half.quote_amount - held.quote_amount) <= 22
        rest = pool.remove_liquidity("lp", 1)
        assert half.base_amount + rest.base_amount <= held.base_amount
        assert held.base_amount - (half.base_amount + rest.base_amount) <= 11
        assert pool.position_amounts("lp").liquidity == 0
        assert pool.has_position("lp")  # a 100 % removed position stays open until closed

    @pytest.mark.parametrize("fraction", [Decimal(0), Decimal("1.5"), Decimal(-1)])
    def test_remove_rejects_bad_fractions(self, make_dlmm: MakeDlmm, fraction: Decimal) -> None:
        pool = seeded(make_dlmm)
        with pytest.raises(InvalidPoolRequestError, match="fraction"):
            pool.remove_liquidity("market", fraction)

    def test_last_holder_empties_the_bins(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        pool.swap(SOL, 7 * 10**9)
        pool.swap(USDC, 333 * 10**6)
        closed = pool.close_position("market")
        assert pool.reserves() == (0, 0)
        assert pool.liquidity_bin_range() is None
        assert closed.fees.base_amount > 0 and closed.fees.quote_amount > 0
        assert pool.vault_balances() == (
            pool.protocol_fees().base_amount,
            pool.protocol_fees().quote_amount,
        )

    def test_closed_and_unknown_positions_are_told_apart(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        pool.close_position("market")
        with pytest.raises(PositionNotFoundError, match="Position closed") as closed:
            pool.position_amounts("market")
        assert closed.value.closed
        with pytest.raises(PositionNotFoundError, match="Position not found") as unknown:
            pool.position_amounts("ghost")
        assert not unknown.value.closed
        assert pool.is_closed("market") and not pool.is_closed("ghost")


class TestMoves:
    def test_move_to_price_reaches_the_target_bin(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        start = pool.active_bin_id
        down = pool.move_to_price(Decimal(148), timestamp=60)
        assert pool.active_bin_id == pool.bin_id_for_price(Decimal(148), rounding=_nearest())
        assert down.new_active_bin == pool.active_bin_id
        assert down.bins_crossed == start - pool.active_bin_id
        assert down.base_in > 0 and down.quote_out > 0
        up = pool.move_to_price(Decimal(152), timestamp=120)
        assert up.quote_in > 0 and up.base_out > 0
        assert pool.active_bin_id == pool.bin_id_for_price(Decimal(152), rounding=_nearest())

    def test_volume_is_traded_without_moving(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        active = pool.active_bin_id
        move = pool.move_to_bin(active, 200 * 10**6, timestamp=10)
        assert pool.active_bin_id == active
        assert move.quote_in + move.quote_out >= 100 * 10**6
        assert move.base_fee + move.quote_fee > 0
        assert len(move.swaps) >= 2

    def test_move_through_empty_bins(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        far = pool.active_bin_id + 500
        move = pool.move_to_bin(far)
        assert pool.active_bin_id == far
        assert move.reached_target
        assert pool.reserves()[0] == 0  # every base unit was bought on the way

    def test_bins_around_active(self, make_dlmm: MakeDlmm) -> None:
        pool = seeded(make_dlmm)
        snapshots = pool.bins_around_active(69)
        assert len(snapshots) == 139
        assert snapshots[69].bin_id == pool.active_bin_id
        assert snapshots[69].price == pool.price


def _nearest() -> object:
    from lpexec.lp.math.dlmm import BinRounding

    return BinRounding.NEAREST
