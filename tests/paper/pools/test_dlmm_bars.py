"""The bar market of the DLMM pool: associative, conserving, fees where the bars trade."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import numpy as np
import pytest

from lpexec.core.clock import SimulatedClock
from lpexec.paper.chain import PaperChain
from lpexec.paper.pools import DlmmPool, Strategy, dlmm_bars_vector

START = 1_735_689_600
BIN_STEP = 10


def _market(seed: int = 0) -> tuple[PaperChain, DlmmPool, str, str]:
    """A chain with a pool (others' liquidity over 121 bins) and our position over 41 bins."""
    clock = SimulatedClock(dt.datetime.fromtimestamp(START, dt.UTC))
    chain = PaperChain(clock=clock, seed=seed, confirmation_slots=0)
    sol, usdc = chain.tokens.get("SOL"), chain.tokens.get("USDC")
    pool = DlmmPool.at_price(
        "BarsPooL11111111111111111111111111111111111",
        price=Decimal(150),
        base_mint=sol.address,
        quote_mint=usdc.address,
        base_decimals=sol.decimals,
        quote_decimals=usdc.decimals,
        bin_step=BIN_STEP,
        max_position_width=1_400,
        timestamp=START,
    )
    active = pool.active_bin_id
    pool.add_liquidity("others", active - 60, active + 60, 400 * 10**9, 60_000 * 10**6)
    chain.add_pool(pool, connector="meteora")
    wallet = chain.create_wallet("lp")
    chain.airdrop(wallet, "SOL", 100 * 10**9)
    chain.airdrop(wallet, "USDC", 20_000 * 10**6)
    receipt = chain.open_position(
        wallet,
        pool.address,
        lower=active - 20,
        upper=active + 20,
        base_amount=5 * 10**9,
        quote_amount=700 * 10**6,
        strategy=Strategy.SPOT,
    )
    return chain, pool, wallet, receipt.position_address


def _bars(seed: int, count: int, start_bin: int) -> tuple[list[int], list[int], list[int]]:
    rng = random.Random(seed)
    targets, current = [], start_bin
    for _ in range(count):
        current += rng.choice((-3, -1, -1, 0, 0, 1, 1, 3))
        targets.append(current)
    volumes = [rng.randrange(0, 50_000 * 10**6) for _ in range(count)]
    times = [START + 60 * (i + 1) for i in range(count)]
    return targets, volumes, times


def _replay_in_pieces(seed: int, cuts: list[int], count: int = 600) -> tuple[object, ...]:
    chain, pool, wallet, position = _market()
    targets, volumes, times = _bars(seed, count, pool.active_bin_id)
    bounds = [0, *cuts, count]
    for begin, end in zip(bounds, bounds[1:], strict=False):
        chain.replay_bars(pool.address, targets[begin:end], volumes[begin:end], times[begin:end])
        if end == 300:
            # a swap of our own at bar 300 leaves a mixed active bin behind
            chain.swap(wallet, pool.address, token_in="USDC", amount=300 * 10**6)
    amounts = pool.position_amounts(position)
    assert chain.audit() == []
    return pool.to_dict(), amounts, pool.vault_balances()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replaying_in_one_call_or_in_pieces_gives_the_same_pool_to_the_unit(seed: int) -> None:
    rng = random.Random(seed)
    whole = _replay_in_pieces(seed, [300])
    pieces = _replay_in_pieces(seed, [*sorted(rng.sample(range(1, 300), 40)), 300])
    single_bars = _replay_in_pieces(seed, list(range(1, 600)))
    assert whole == pieces == single_bars


def test_the_ledger_matches_the_pool_after_bars_opens_and_closes() -> None:
    chain, pool, wallet, position = _market()
    targets, volumes, times = _bars(7, 400, pool.active_bin_id)
    chain.replay_bars(pool.address, targets[:200], volumes[:200], times[:200])
    active = pool.active_bin_id
    second = chain.open_position(
        wallet,
        pool.address,
        lower=active - 5,
        upper=active + 5,
        base_amount=10**9,
        quote_amount=150 * 10**6,
        strategy=Strategy.SPOT,
    ).position_address
    chain.replay_bars(pool.address, targets[200:], volumes[200:], times[200:])
    assert chain.audit() == []
    closed = chain.close_position(wallet, second)
    assert closed.quote_fee + closed.base_fee >= 0
    chain.close_position(wallet, position)
    assert chain.audit() == []


def test_a_round_trip_of_the_price_restores_every_bin_exactly() -> None:
    chain, pool, _, _ = _market()
    start = pool.active_bin_id
    before = pool.bins(start - 60, start + 60)
    down = [start - k for k in range(1, 31)]
    back = [start - 30 + k for k in range(1, 31)]
    path = down + back + down + back
    chain.replay_bars(pool.address, path, [0] * len(path), [START + 60] * len(path))
    assert pool.active_bin_id == start
    after = pool.bins(start - 60, start + 60)
    # every bin but the start one (it was mixed and is now pure) is unchanged to the raw unit
    assert [b for b in after if b.bin_id != start] == [b for b in before if b.bin_id != start]
    assert chain.audit() == []


def test_fees_go_to_the_positions_of_the_bin_the_bar_ends_in() -> None:
    chain, pool, _, position = _market()
    active = pool.active_bin_id
    outside = active + 40  # others hold liquidity there, we do not
    chain.replay_bars(pool.address, [outside], [10_000 * 10**6], [START + 3_600])
    assert pool.position_amounts(position).quote_fee == 0
    chain.replay_bars(pool.address, [active], [10_000 * 10**6], [START + 7_200])
    fee = pool.position_amounts(position).quote_fee
    bin_ = pool.bins(active, active)[0]
    ours = next(s for s in [pool.state.positions[position].shares.get(active, 0)])
    # base fee 0.1 % (bin step 10) at least; protocol keeps 5 %; our part follows our shares
    lp_fee = 10_000 * 10**6 // 1_000 * 95 // 100
    assert fee >= lp_fee * ours // bin_.supply - 1
    assert chain.audit() == []


def test_bigger_moves_pay_a_higher_variable_fee() -> None:
    fees = []
    for jump in (1, 15):
        chain, pool, _, _ = _market()
        chain.replay_bars(pool.address, [pool.active_bin_id + jump], [10_000 * 10**6], [START + 60])
        fees.append(pool.protocol_fees().quote_amount)
    base_protocol = 10_000 * 10**6 // 1_000 * 5 // 100
    assert fees[1] > fees[0] >= base_protocol


def _irregular_bars(
    seed: int, count: int, start_bin: int
) -> tuple[list[int], list[int], list[int]]:
    """Bars with every kind of gap (same second, inside the filter period, between filter and
    decay, beyond decay, backwards), jumps big enough to hit the accumulator's ceiling, bars
    outside every position and bars with no volume."""
    rng = random.Random(seed)
    targets, volumes, times = [], [], []
    current, now = start_bin, START
    for _ in range(count):
        current += rng.choice((-40, -3, -1, 0, 0, 1, 2, 45, 90, -95))
        targets.append(current)
        volumes.append(rng.choice((0, rng.randrange(1, 80_000 * 10**6))))
        now += rng.choice((0, 5, 29, 30, 60, 599, 600, 3_600, -20))
        times.append(now)
    return targets, volumes, times


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_long_call_equals_bar_by_bar_calls_whatever_the_gaps_and_jumps(seed: int) -> None:
    results = []
    for piece in (1, 500):  # bar by bar (plain loop) and one call (vectorized pass)
        chain, pool, _, position = _market()
        targets, volumes, times = _irregular_bars(seed, 500, pool.active_bin_id)
        for begin in range(0, 500, piece):
            end = begin + piece
            chain.replay_bars(
                pool.address, targets[begin:end], volumes[begin:end], times[begin:end]
            )
        assert chain.audit() == []
        volatility = (pool.state.volatility_accumulator, pool.state.volatility_reference)
        results.append((pool.to_dict(), pool.position_amounts(position), volatility))
    assert results[0] == results[1]
    assert results[0][1].quote_fee > 0


def _one_call_and_bar_by_bar(bars) -> list[tuple[object, ...]]:
    results = []
    for one_call in (True, False):
        chain, pool, _, position = _market()
        targets, volumes, times = bars(pool.active_bin_id)
        if one_call:  # numpy arrays, as the backtest gives long stretches
            arrays = [np.array(column, dtype=np.int64) for column in (targets, volumes, times)]
            chain.replay_bars(pool.address, *arrays)
        else:
            for index in range(len(targets)):
                piece = slice(index, index + 1)
                chain.replay_bars(pool.address, targets[piece], volumes[piece], times[piece])
        assert chain.audit() == []
        volatility = (pool.state.volatility_accumulator, pool.state.volatility_reference)
        results.append((pool.to_dict(), pool.position_amounts(position), volatility))
    return results


def test_minute_bars_in_one_call_of_arrays_equal_bar_by_bar_calls() -> None:
    # every bar a new filter period and none decayed: the accumulator's short loop
    one_call, by_bar = _one_call_and_bar_by_bar(lambda active: _bars(21, 400, active))
    assert one_call == by_bar
    assert one_call[1].quote_fee > 0


def test_bars_far_apart_in_one_call_equal_bar_by_bar_calls() -> None:
    def bars(active: int) -> tuple[list[int], list[int], list[int]]:
        # 200 bars swinging 300 bins either way: far more bins between them than bars
        targets = [active + (300 if index % 3 else -300) + index % 7 for index in range(200)]
        targets[50:60] = [active + index for index in range(10)]  # inside our position
        volumes = [(index % 5) * 9_000 * 10**6 for index in range(200)]
        return targets, volumes, [START + 60 * (index + 1) for index in range(200)]

    one_call, by_bar = _one_call_and_bar_by_bar(bars)
    assert one_call == by_bar
    assert one_call[1].quote_fee > 0


def test_volumes_too_big_for_int64_fall_back_to_the_plain_loop_with_the_same_result() -> None:
    chain, pool, _, position = _market()
    targets, _, times = _bars(5, 300, pool.active_bin_id)
    volumes = [10**30] * 300  # volume x rate does not fit in int64
    before = pool.to_dict()
    assert dlmm_bars_vector.advance(pool.state, targets, volumes, times) is None
    assert pool.to_dict() == before
    chain.replay_bars(pool.address, targets, volumes, times)
    other_chain, other_pool, _, other_position = _market()
    for index in range(300):
        other_chain.replay_bars(
            other_pool.address,
            targets[index : index + 1],
            volumes[index : index + 1],
            times[index : index + 1],
        )
    assert pool.to_dict() == other_pool.to_dict()
    assert pool.position_amounts(position) == other_pool.position_amounts(other_position)


def test_replays_join_one_ledger_group_posted_when_the_ledger_is_next_used() -> None:
    chain, pool, _, _ = _market()
    chain.ledger.keep_unsigned = True
    before = len(chain.ledger.entries())
    targets, volumes, times = _bars(3, 40, pool.active_bin_id)
    chain.replay_bars(pool.address, targets[:20], volumes[:20], times[:20])
    chain.replay_bars(pool.address, targets[20:], volumes[20:], times[20:])
    written = chain.ledger.entries()[before:]
    # one group: each (account, asset, cause) once, summing both replays
    keys = [(entry.account, entry.asset, entry.cause) for entry in written]
    assert len(keys) == len(set(keys)) > 0
    assert chain.audit() == []
    assert chain.ledger.entries()[before:] == written  # reading again posts nothing more
