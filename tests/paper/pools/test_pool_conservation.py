"""Conservation under random operation sequences (hypothesis).

DLMM: vaults == everything put in - everything taken out, to the raw unit, after every step;
swapper fees == LP fees + protocol fees, and LP fees == claimed + claimable, to the unit;
closing every position leaves exactly the protocol fees. A rejected request changes nothing.

CLMM: vaults == in - out to the unit; the vaults always cover every position's amounts, fees
and the protocol fees; closing every position leaves the protocol fees plus a little rounding
dust that favours the pool.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.paper_pools import SOL, make_clmm, make_dlmm
from lpexec.paper.pools import ClmmPool, DlmmPool, MoveResult, PoolError, Strategy, SwapResult


def build_dlmm() -> DlmmPool:
    return make_dlmm()


def build_clmm() -> ClmmPool:
    return make_clmm(protocol_fee_share=1_000)


FRACTIONS = [Decimal("0.1"), Decimal("0.5"), Decimal("0.999"), Decimal(1)]

position_index = st.integers(0, 3)
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            position_index,
            st.integers(-10, 10),
            st.integers(0, 15),
            st.integers(0, 10**10),
            st.integers(0, 2 * 10**9),
            st.sampled_from(list(Strategy)),
        ),
        st.tuples(
            st.just("swap"),
            st.booleans(),
            st.integers(1, 6 * 10**10),
            st.booleans(),
            st.integers(0, 120),
        ),
        st.tuples(st.just("remove"), position_index, st.sampled_from(FRACTIONS)),
        st.tuples(st.just("claim"), position_index),
        st.tuples(st.just("close"), position_index),
        st.tuples(st.just("move"), st.integers(-15, 15), st.integers(0, 3 * 10**9)),
    ),
    min_size=8,
    max_size=40,
)


class Ledger:
    """What the outside world put into and took out of one pool."""

    def __init__(self) -> None:
        self.put_in = [0, 0]
        self.taken_out = [0, 0]
        self.lp_fees = [0, 0]
        self.protocol_fees = [0, 0]
        self.claimed = [0, 0]
        self.swapper_fees = [0, 0]

    def swap(self, result: SwapResult) -> None:
        side = 0 if result.token_in == SOL else 1
        self.put_in[side] += result.amount_in
        self.taken_out[1 - side] += result.amount_out
        self.swapper_fees[side] += result.fee_total
        self.lp_fees[side] += result.lp_fee
        self.protocol_fees[side] += result.protocol_fee

    def move(self, move: MoveResult) -> None:
        for result in move.swaps:
            self.swap(result)
        assert move.base_in == sum(s.amount_in for s in move.swaps if s.token_in == SOL)
        assert move.quote_out == sum(s.amount_out for s in move.swaps if s.token_in == SOL)

    def expected_vaults(self) -> tuple[int, int]:
        return self.put_in[0] - self.taken_out[0], self.put_in[1] - self.taken_out[1]


def _position_id(generations: list[int], index: int) -> str:
    return f"p{index}-{generations[index]}"


def _run(pool: DlmmPool | ClmmPool, ops: list[tuple[Any, ...]], ledger: Ledger) -> None:  # noqa: C901
    generations = [0, 0, 0, 0]
    timestamp = 0
    for op in ops:
        before = pool.to_dict()
        kind = op[0]
        try:
            if kind == "add":
                _, index, offset, width, base, quote, strategy = op
                position_id = _position_id(generations, index)
                if pool.has_position(position_id):
                    amounts = pool.position_amounts(position_id)
                    lower, upper = amounts.lower, amounts.upper
                elif isinstance(pool, DlmmPool):
                    lower = pool.active_bin_id + offset
                    upper = lower + width
                else:
                    spacing = pool.tick_spacing
                    lower = (pool.tick_current // spacing + offset) * spacing
                    upper = lower + (width + 1) * spacing
                if isinstance(pool, DlmmPool):
                    deposit = pool.add_liquidity(position_id, lower, upper, base, quote, strategy)
                else:
                    deposit = pool.add_liquidity(position_id, lower, upper, base, quote)
                ledger.put_in[0] += deposit.base_amount
                ledger.put_in[1] += deposit.quote_amount
            elif kind == "swap":
                _, sell, amount, exact_out, elapsed = op
                timestamp += elapsed
                token_in = SOL if sell else pool.quote_mint
                if exact_out:
                    amount //= 150 if sell else 1
                    amount = max(amount, 1)
                result = pool.swap(
                    token_in,
                    amount,
                    exact_out=exact_out,
                    timestamp=timestamp,
                    allow_partial=True,
                )
                assert result.fee_total == result.lp_fee + result.protocol_fee
                ledger.swap(result)
            elif kind == "remove":
                _, index, fraction = op
                withdrawal = pool.remove_liquidity(_position_id(generations, index), fraction)
                ledger.taken_out[0] += withdrawal.base_amount
                ledger.taken_out[1] += withdrawal.quote_amount
            elif kind == "claim":
                fees = pool.claim_fees(_position_id(generations, op[1]))
                ledger.taken_out[0] += fees.base_amount
                ledger.taken_out[1] += fees.quote_amount
                ledger.claimed[0] += fees.base_amount
                ledger.claimed[1] += fees.quote_amount
            elif kind == "close":
                _close(pool, _position_id(generations, op[1]), ledger)
                generations[op[1]] += 1
            else:
                _, offset, volume = op
                timestamp += 30
                if isinstance(pool, DlmmPool):
                    move = pool.move_to_bin(
                        pool.active_bin_id + offset, volume, timestamp=timestamp
                    )
                else:
                    move = pool.move_to_tick(
                        pool.tick_current + 20 * offset, volume, timestamp=timestamp
                    )
                ledger.move(move)
        except PoolError:
            assert pool.to_dict() == before  # a rejected request changes nothing
        assert pool.vault_balances() == ledger.expected_vaults()
        assert ledger.swapper_fees == [
            ledger.lp_fees[0] + ledger.protocol_fees[0],
            ledger.lp_fees[1] + ledger.protocol_fees[1],
        ]
        protocol = pool.protocol_fees()
        assert [protocol.base_amount, protocol.quote_amount] == ledger.protocol_fees


def _close(pool: DlmmPool | ClmmPool, position_id: str, ledger: Ledger) -> None:
    closed = pool.close_position(position_id)
    ledger.taken_out[0] += closed.withdrawn.base_amount + closed.fees.base_amount
    ledger.taken_out[1] += closed.withdrawn.quote_amount + closed.fees.quote_amount
    ledger.claimed[0] += closed.fees.base_amount
    ledger.claimed[1] += closed.fees.quote_amount


def _seed(pool: DlmmPool | ClmmPool, ledger: Ledger) -> None:
    if isinstance(pool, DlmmPool):
        active = pool.active_bin_id
        deposit = pool.add_liquidity(
            "market", active - 25, active + 25, 200 * 10**9, 30_000 * 10**6
        )
    else:
        tick = pool.tick_current // pool.tick_spacing * pool.tick_spacing
        deposit = pool.add_liquidity(
            "market", tick - 3_000, tick + 3_000, 200 * 10**9, 30_000 * 10**6
        )
    ledger.put_in[0] += deposit.base_amount
    ledger.put_in[1] += deposit.quote_amount


@given(ops=operations)
@settings(max_examples=120, derandomize=True, deadline=None)
def test_dlmm_conserves_every_unit(ops: list[tuple[Any, ...]]) -> None:
    pool = build_dlmm()
    ledger = Ledger()
    _seed(pool, ledger)
    _run(pool, ops, ledger)
    # LP fees credited == claimed + still claimable, to the unit
    claimable = [0, 0]
    for position_id in pool.position_ids():
        fees = pool.claimable_fees(position_id)
        claimable[0] += fees.base_amount
        claimable[1] += fees.quote_amount
    assert [ledger.claimed[i] + claimable[i] for i in (0, 1)] == ledger.lp_fees
    for position_id in pool.position_ids():
        _close(pool, position_id, ledger)
    assert pool.reserves() == (0, 0)
    assert pool.vault_balances() == ledger.expected_vaults()
    assert pool.vault_balances() == tuple(ledger.protocol_fees)
    assert ledger.claimed == ledger.lp_fees


@given(ops=operations)
@settings(max_examples=80, derandomize=True, deadline=None)
def test_clmm_conserves_and_stays_solvent(ops: list[tuple[Any, ...]]) -> None:
    pool = build_clmm()
    ledger = Ledger()
    _seed(pool, ledger)
    _run(pool, ops, ledger)
    owed = [ledger.protocol_fees[0], ledger.protocol_fees[1]]
    for position_id in pool.position_ids():
        amounts = pool.position_amounts(position_id)
        owed[0] += amounts.base_amount + amounts.base_fee
        owed[1] += amounts.quote_amount + amounts.quote_fee
    vaults = pool.vault_balances()
    assert vaults[0] >= owed[0] and vaults[1] >= owed[1]
    for position_id in pool.position_ids():
        _close(pool, position_id, ledger)
    assert pool.vault_balances() == ledger.expected_vaults()
    dust = [pool.vault_balances()[i] - ledger.protocol_fees[i] for i in (0, 1)]
    assert 0 <= dust[0] <= 4 * (len(ops) + 1) and 0 <= dust[1] <= 4 * (len(ops) + 1)
    assert all(ledger.claimed[i] <= ledger.lp_fees[i] for i in (0, 1))
