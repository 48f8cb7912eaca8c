"""Chain operations: rent charged and refunded, fees, confirmation, fates, position history."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from lpexec.paper.chain import (
    BIN_ARRAY_RENT_LAMPORTS,
    CLMM_POSITION_RENT_LAMPORTS,
    FEE_SINK,
    LAMPORTS,
    POSITION_RENT_LAMPORTS,
    SOL_MINT,
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    Cause,
    Hop,
    InsufficientFundsError,
    InvalidChainRequestError,
    NotOwnerError,
    PositionClosedError,
    PositionNotFoundError,
    SwapRejectedError,
    TxFate,
    TxStatus,
    is_address,
    is_signature,
)
from lpexec.paper.chain.costs import bin_array_indexes

USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
World = Any  # the ``world`` fixture (see conftest)


def _fresh_range(world: World, width: int) -> tuple[int, int]:
    """A range above the genesis liquidity whose bin arrays nobody initialized yet."""
    lower = world.dlmm.active_bin_id + 500
    return lower, lower + width - 1


def test_open_charges_position_rent_and_sunk_bin_array_rent(world: World) -> None:
    chain, wallet = world.chain, world.wallet
    lower, upper = _fresh_range(world, 70)
    arrays = len(bin_array_indexes(lower, upper))
    before = chain.balance(wallet, "SOL")
    receipt = chain.open_position(
        wallet, world.dlmm.address, lower=lower, upper=upper, base_amount=10**9
    )
    assert receipt.position_rent == POSITION_RENT_LAMPORTS
    assert receipt.bin_array_rent == arrays * BIN_ARRAY_RENT_LAMPORTS
    paid = before - chain.balance(wallet, "SOL")
    assert paid == 10**9 + POSITION_RENT_LAMPORTS + arrays * BIN_ARRAY_RENT_LAMPORTS + receipt.fee
    by_cause = Counter()
    for entry in chain.ledger.entries(signature=receipt.signature, account=wallet):
        by_cause[entry.cause] += entry.delta
    assert by_cause == {
        Cause.DEPOSIT: -(10**9),
        Cause.RENT_LOCKED: -POSITION_RENT_LAMPORTS,
        Cause.RENT_SUNK: -arrays * BIN_ARRAY_RENT_LAMPORTS,
        Cause.TX_FEE: -receipt.fee,
    }
    assert chain.ledger.balance(receipt.position_address, LAMPORTS) == POSITION_RENT_LAMPORTS
    assert chain.audit() == []


def test_bin_array_rent_is_paid_once_and_never_refunded(world: World) -> None:
    chain, wallet = world.chain, world.wallet
    lower, upper = _fresh_range(world, 20)
    first = chain.open_position(
        wallet, world.dlmm.address, lower=lower, upper=upper, base_amount=10**8
    )
    second = chain.open_position(
        wallet, world.dlmm.address, lower=lower, upper=upper, base_amount=10**8
    )
    assert first.bin_array_rent > 0 and second.bin_array_rent == 0
    before = chain.balance(wallet, "SOL")
    closed = chain.close_position(wallet, first.position_address)
    assert closed.rent_refunded == POSITION_RENT_LAMPORTS
    refunded = chain.balance(wallet, "SOL") - before
    assert refunded == closed.base_amount + closed.base_fee + POSITION_RENT_LAMPORTS - closed.fee
    sunk = sum(e.delta for e in chain.ledger.entries(cause=Cause.RENT_SUNK) if e.delta > 0)
    assert sunk == first.bin_array_rent  # still held by the BinArray accounts


@pytest.mark.parametrize(("width", "extra_bins"), [(70, 0), (71, 1), (120, 50)])
def test_wide_positions_pay_extra_rent_per_bin(world: World, width: int, extra_bins: int) -> None:
    lower, upper = _fresh_range(world, width)
    receipt = world.chain.open_position(
        world.wallet, world.dlmm.address, lower=lower, upper=upper, base_amount=10**8
    )
    assert receipt.position_rent == 57_406_080 + extra_bins * 779_520


def test_clmm_position_locks_its_rent(world: World) -> None:
    tick = world.clmm.tick_current // 10 * 10
    receipt = world.chain.open_position(
        world.wallet,
        world.clmm.address,
        lower=tick - 100,
        upper=tick + 100,
        base_amount=10**9,
        quote_amount=150 * 10**6,
    )
    assert receipt.position_rent == CLMM_POSITION_RENT_LAMPORTS
    assert receipt.bin_array_rent == 0
    assert 0 < receipt.base_amount <= 10**9 and 0 < receipt.quote_amount <= 150 * 10**6
    assert world.chain.audit() == []


def test_fee_is_five_thousand_per_signature_plus_priority(world: World) -> None:
    chain = world.chain
    swap = chain.swap(world.wallet, world.dlmm.address, token_in="SOL", amount=10**8)
    # swap: 1 signature, 90,000 CU consumed -> limit 99,000, 100,000 µlamports/CU -> 9,900
    assert swap.fee == 5_000 + 9_900
    assert swap.priority_fee == 9_900
    lower, upper = _fresh_range(world, 5)
    opened = chain.open_position(
        world.wallet, world.dlmm.address, lower=lower, upper=upper, base_amount=1
    )
    # open: 2 signatures (fee payer + new position keypair), 150,000 CU -> limit 165,000
    assert opened.fee == 2 * 5_000 + 16_500
    assert chain.ledger.balance(FEE_SINK, LAMPORTS) == swap.fee + opened.fee


def test_confirmation_waits_the_configured_slots(world: World) -> None:
    chain = world.chain
    chain.confirmation_slots = 3
    receipt = chain.swap(world.wallet, world.dlmm.address, token_in="USDC", amount=10**6)
    assert is_signature(receipt.signature)
    for _ in range(3):
        assert chain.status(receipt.signature) is TxStatus.PENDING
        world.clock.advance(0.4)
    assert chain.status(receipt.signature) is TxStatus.CONFIRMED
    assert chain.transaction(receipt.signature).slot + 3 == chain.slot


def test_slots_follow_the_clock(world: World) -> None:
    start = world.chain.slot
    world.clock.advance(0.39)
    assert world.chain.slot == start
    world.clock.advance(0.01)
    assert world.chain.slot == start + 1
    world.clock.advance(40)
    assert world.chain.slot == start + 101


def test_dropped_transaction_changes_nothing_and_stays_pending(world: World) -> None:
    chain = world.chain
    before = chain.balances(world.wallet)
    receipt = chain.swap(
        world.wallet, world.dlmm.address, token_in="SOL", amount=10**9, fate=TxFate.DROP
    )
    world.clock.advance(3_600)
    assert chain.poll(receipt.signature) is TxStatus.PENDING
    assert chain.balances(world.wallet) == before
    assert receipt.fee == 0 and receipt.amount_out == 0
    assert chain.ledger.entries(signature=receipt.signature) == []


def test_failed_transaction_pays_only_its_fee(world: World) -> None:
    chain = world.chain
    lamports = chain.balance(world.wallet, "SOL")
    lower, upper = _fresh_range(world, 10)
    receipt = chain.open_position(
        world.wallet,
        world.dlmm.address,
        lower=lower,
        upper=upper,
        base_amount=10**9,
        fate=TxFate.FAIL,
    )
    world.clock.advance(0.4)
    assert chain.status(receipt.signature) is TxStatus.FAILED
    assert chain.balance(world.wallet, "SOL") == lamports - receipt.fee
    assert {e.cause for e in chain.ledger.entries(signature=receipt.signature)} == {Cause.TX_FEE}
    with pytest.raises(PositionNotFoundError, match="Position not found"):
        chain.position_record(receipt.position_address)
    assert chain.transaction(receipt.signature).error is not None


def test_closed_position_is_told_apart_from_one_that_never_existed(world: World) -> None:
    chain = world.chain
    lower, upper = _fresh_range(world, 10)
    opened = chain.open_position(
        world.wallet, world.dlmm.address, lower=lower, upper=upper, base_amount=10**8
    )
    assert is_address(opened.position_address)
    chain.close_position(world.wallet, opened.position_address)
    with pytest.raises(PositionClosedError, match=f"Position closed: {opened.position_address}"):
        chain.position_record(opened.position_address)
    stranger = chain.keys.new_address()
    with pytest.raises(PositionNotFoundError, match=f"Position not found: {stranger}") as raised:
        chain.position_record(stranger)
    assert not raised.value.closed
    assert chain.positions_owned(world.wallet) == []


def test_other_wallets_cannot_touch_a_position(world: World) -> None:
    chain = world.chain
    other = chain.create_wallet("other")
    chain.airdrop(other, "SOL", 10**9)
    lower, upper = _fresh_range(world, 10)
    opened = chain.open_position(
        world.wallet, world.dlmm.address, lower=lower, upper=upper, base_amount=10**8
    )
    with pytest.raises(NotOwnerError, match=f"received owner {world.wallet}"):
        chain.close_position(other, opened.position_address)


def test_simulation_failures_send_nothing(world: World) -> None:
    chain = world.chain
    poor = chain.create_wallet("poor")
    chain.airdrop(poor, "SOL", 10_000)
    sent = len(chain.transactions())
    with pytest.raises(InsufficientFundsError, match="required"):
        chain.swap(poor, world.dlmm.address, token_in="SOL", amount=10**9)
    with pytest.raises(SwapRejectedError, match="Slippage"):
        chain.swap(
            world.wallet,
            world.dlmm.address,
            token_in="SOL",
            amount=10**9,
            min_amount_out=10**12,
        )
    with pytest.raises(InvalidChainRequestError, match="lower <= upper"):
        chain.open_position(world.wallet, world.dlmm.address, lower=5, upper=1, base_amount=1)
    assert len(chain.transactions()) == sent


def test_receiving_a_new_token_opens_its_account_with_rent(world: World) -> None:
    chain = world.chain
    fresh = chain.create_wallet("fresh")
    chain.airdrop(fresh, "SOL", 5 * 10**9)
    assert not chain.has_token_account(fresh, USDC)
    receipt = chain.swap(fresh, world.dlmm.address, token_in="SOL", amount=10**9)
    assert receipt.token_account_rent == TOKEN_ACCOUNT_RENT_LAMPORTS
    assert chain.balance(fresh, "SOL") == 4 * 10**9 - receipt.fee - TOKEN_ACCOUNT_RENT_LAMPORTS
    assert chain.balance(fresh, "USDC") == receipt.amount_out
    second = chain.swap(fresh, world.dlmm.address, token_in="SOL", amount=10**8)
    assert second.token_account_rent == 0


def test_wrap_and_unwrap_round_trip_refunds_the_account_rent(world: World) -> None:
    chain, wallet = world.chain, world.wallet
    start = chain.balance(wallet, "SOL")
    wrapped = chain.wrap(wallet, 2 * 10**9)
    assert wrapped.token_account_rent == TOKEN_ACCOUNT_RENT_LAMPORTS
    assert chain.wrapped_sol(wallet) == 2 * 10**9
    unwrapped = chain.unwrap(wallet)
    assert unwrapped.amount == 2 * 10**9
    assert unwrapped.token_account_rent == TOKEN_ACCOUNT_RENT_LAMPORTS
    assert chain.balance(wallet, "SOL") == start - wrapped.fee - unwrapped.fee
    assert chain.wrapped_sol(wallet) == 0
    with pytest.raises(InvalidChainRequestError, match="wrapped-SOL account"):
        chain.unwrap(wallet)


def test_routed_swap_through_two_pools_keeps_books(world: World) -> None:
    chain = world.chain
    plan = chain.best_route("SOL", "USDC", 10**9)
    assert plan.amount_out > 0 and plan.pool_addresses  # best of the two SOL-USDC pools
    receipt = chain.route_swap(
        world.wallet, [Hop(a, SOL_MINT) for a in plan.pool_addresses], amount=10**9
    )
    assert receipt.amount_out == plan.amount_out
    assert chain.audit() == []


def test_market_moves_pay_fees_to_liquidity_providers(world: World) -> None:
    chain = world.chain
    lower = world.dlmm.active_bin_id - 5
    opened = chain.open_position(
        world.wallet,
        world.dlmm.address,
        lower=lower,
        upper=lower + 10,
        base_amount=10**9,
        quote_amount=150 * 10**6,
    )
    moved = chain.move_pool_to_price(world.dlmm.address, Decimal(151), volume=50_000 * 10**6)
    assert moved.swaps
    fees = world.dlmm.claimable_fees(opened.position_address)
    assert fees.base_amount + fees.quote_amount > 0
    assert chain.audit() == []
