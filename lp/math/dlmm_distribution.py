"""How a DLMM deposit is spread over bins: Spot, Curve and BidAsk.

Weights follow the SDK's weight form: Spot gives every bin weight 1; Curve gives the bin nearest
the active bin 2,000 and falls linearly towards 200 at each edge; BidAsk is the mirror (200 near
the active bin, rising towards 2,000 at the edges). The quote token (Y) goes to bins at or below
the active bin in proportion to the weights; the base token (X) goes to bins at or above it in
proportion to ``weight / bin price`` (weights apply to value). The active bin receives both.

Splits are integer and exact: the per-bin amounts sum to the deposited raw amounts. The
remainder after flooring goes to the bins with the largest fractional parts (ties: nearer the
active bin first, then lower bin id).
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

from lpexec.lp.math.dlmm import bin_price_q64, position_width

__all__ = [
    "BinAllocation",
    "Strategy",
    "distribute_amounts",
    "distribute_liquidity",
    "split_proportionally",
    "strategy_weights",
]

_CURVE_PEAK = 2_000
_CURVE_EDGE = 200
_SCALE = 1 << 128


class Strategy(IntEnum):
    """Liquidity shape of a DLMM deposit: the one strategy enum.

    The number is Meteora's (Gateway's ``strategyType``: 0, 1, 2); :attr:`label` is the name
    configs, commands, the CLI and the stored forms use (``Spot``, ``Curve``, ``BidAsk``).
    """

    SPOT = 0
    CURVE = 1
    BID_ASK = 2

    @property
    def label(self) -> str:
        """The name users write: Spot, Curve or BidAsk."""
        return _LABELS[self]

    @classmethod
    def parse(cls, value: object) -> Strategy:
        """A member from a member, its label (``"BidAsk"``) or its number.

        Raises:
            ValueError: anything else, naming what was expected.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str) and value in _BY_LABEL:
            return _BY_LABEL[value]
        if isinstance(value, int) and not isinstance(value, bool) and value in _BY_NUMBER:
            return _BY_NUMBER[value]
        raise ValueError(f"expected Spot, Curve or BidAsk (or 0, 1, 2), received {value!r}")


_LABELS = {Strategy.SPOT: "Spot", Strategy.CURVE: "Curve", Strategy.BID_ASK: "BidAsk"}
_BY_LABEL = {label: strategy for strategy, label in _LABELS.items()}
_BY_NUMBER = {int(strategy): strategy for strategy in Strategy}


class BinAllocation(NamedTuple):
    """Raw amounts a deposit puts into one bin (a named tuple: one per bin, made in bulk)."""

    bin_id: int
    base_amount: int
    quote_amount: int


def _side_weight(strategy: Strategy, distance: int, span: int) -> int:
    if strategy is Strategy.SPOT:
        return 1
    step = (_CURVE_PEAK - _CURVE_EDGE) // span if span > 0 else 0
    if strategy is Strategy.CURVE:
        return _CURVE_PEAK - distance * step
    return _CURVE_EDGE + distance * step


def strategy_weights(
    strategy: Strategy,
    lower_bin_id: int,
    upper_bin_id: int,
    active_bin_id: int,
) -> dict[int, int]:
    """Return the integer weight of every bin in ``[lower_bin_id, upper_bin_id]``.

    The distance of a bin is measured from the active bin when the active bin is in range, and
    from the range edge nearest the active bin otherwise.
    """
    weights = _weights(strategy, lower_bin_id, upper_bin_id, active_bin_id)
    return dict(zip(range(lower_bin_id, upper_bin_id + 1), weights, strict=True))


def _weights(
    strategy: Strategy, lower_bin_id: int, upper_bin_id: int, active_bin_id: int
) -> list[int]:
    """:func:`strategy_weights` as a list in bin order."""
    position_width(lower_bin_id, upper_bin_id)
    strategy = Strategy(strategy)
    if strategy is Strategy.SPOT:
        return [1] * (upper_bin_id - lower_bin_id + 1)
    center = min(max(active_bin_id, lower_bin_id), upper_bin_id)
    span_below = center - lower_bin_id
    span_above = upper_bin_id - center
    return [
        _side_weight(strategy, center - bin_id, span_below)
        if bin_id <= center
        else _side_weight(strategy, bin_id - center, span_above)
        for bin_id in range(lower_bin_id, upper_bin_id + 1)
    ]


def split_proportionally(
    total: int,
    weights: dict[int, int],
    tie_order: dict[int, int] | None = None,
) -> dict[int, int]:
    """Split ``total`` raw units over keys in proportion to integer ``weights``, exactly.

    Each key gets ``floor(total * w / sum(w))``; the leftover units (fewer than the number of
    keys) go one each to the keys with the largest fractional parts, ties broken by
    ``tie_order`` (smaller first) and then by key.
    """
    if total < 0:
        raise ValueError(f"Expected total >= 0, received total={total}")
    keys = list(weights)
    orders = [tie_order[key] for key in keys] if tie_order is not None else [0] * len(keys)
    shares = _split(total, list(weights.values()), orders, keys)
    return dict(zip(keys, shares, strict=True))


def _split(total: int, weights: list[int], orders: list[int], keys: list[int]) -> list[int]:
    """:func:`split_proportionally` on parallel lists (``orders`` then ``keys`` break ties)."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        raise ValueError(f"Expected positive weights, received weights summing to {weight_sum}")
    count = len(weights)
    if weights.count(weights[0]) == count:
        # Equal weights (Spot): equal floors and equal remainders, so the leftover units go by
        # the tie order alone.
        quotient, leftover = divmod(total, count)
        equal = [quotient] * count
        for *_, index in sorted(zip(orders, keys, range(count), strict=True))[:leftover]:
            equal[index] += 1
        return equal
    shares = []
    remainders = []
    for weight in weights:
        quotient, remainder = divmod(total * weight, weight_sum)
        shares.append(quotient)
        remainders.append(-remainder)
    leftover = total - sum(shares)
    if leftover:
        ranked = sorted(zip(remainders, orders, keys, range(len(keys)), strict=True))
        for *_, index in ranked[:leftover]:
            shares[index] += 1
    return shares


def distribute_liquidity(
    strategy: Strategy,
    *,
    lower_bin_id: int,
    upper_bin_id: int,
    active_bin_id: int,
    base_amount: int,
    quote_amount: int,
    bin_step: int,
) -> tuple[BinAllocation, ...]:
    """Spread a deposit over the bins of a range.

    Args:
        strategy: Spot, Curve or BidAsk.
        lower_bin_id: First bin of the range (inclusive).
        upper_bin_id: Last bin of the range (inclusive).
        active_bin_id: The pool's active bin.
        base_amount: Raw base (X) units to place in bins at or above the active bin.
        quote_amount: Raw quote (Y) units to place in bins at or below the active bin.
        bin_step: The pool's bin step in basis points (X weights are divided by bin prices).

    Returns:
        One allocation per bin of the range, in bin order; the base amounts sum to
        ``base_amount`` and the quote amounts to ``quote_amount`` exactly.

    Raises:
        ValueError: A token was given for a side the range does not cover (for example quote
            for a range entirely above the active bin), or an amount is negative.
    """
    base_split, quote_split = distribute_amounts(
        strategy,
        lower_bin_id=lower_bin_id,
        upper_bin_id=upper_bin_id,
        active_bin_id=active_bin_id,
        base_amount=base_amount,
        quote_amount=quote_amount,
        bin_step=bin_step,
    )
    return tuple(map(BinAllocation, range(lower_bin_id, upper_bin_id + 1), base_split, quote_split))


def distribute_amounts(
    strategy: Strategy,
    *,
    lower_bin_id: int,
    upper_bin_id: int,
    active_bin_id: int,
    base_amount: int,
    quote_amount: int,
    bin_step: int,
) -> tuple[list[int], list[int]]:
    """:func:`distribute_liquidity` as two lists, the base and the quote amount of each bin from
    ``lower_bin_id`` up (no record per bin: for callers that deposit thousands of times).

    Raises:
        ValueError: As :func:`distribute_liquidity`.
    """
    if base_amount < 0 or quote_amount < 0:
        raise ValueError(
            "Expected base_amount >= 0 and quote_amount >= 0, received "
            f"base_amount={base_amount} quote_amount={quote_amount}",
        )
    weights = _weights(strategy, lower_bin_id, upper_bin_id, active_bin_id)
    count = len(weights)
    # Indexes (offsets from lower_bin_id) of the first bin at or above the active bin and of
    # the last bin at or below it.
    first_ask = max(active_bin_id - lower_bin_id, 0)
    last_bid = min(active_bin_id - lower_bin_id, count - 1)
    if base_amount and first_ask >= count:
        raise ValueError(
            "Expected base_amount=0 for a range entirely below the active bin "
            f"(upper_bin_id={upper_bin_id} < active_bin_id={active_bin_id}), "
            f"received base_amount={base_amount}",
        )
    if quote_amount and last_bid < 0:
        raise ValueError(
            "Expected quote_amount=0 for a range entirely above the active bin "
            f"(lower_bin_id={lower_bin_id} > active_bin_id={active_bin_id}), "
            f"received quote_amount={quote_amount}",
        )
    base_split = [0] * count
    if base_amount:
        value_weights = [
            weights[index] * _SCALE // bin_price_q64(lower_bin_id + index, bin_step)
            for index in range(first_ask, count)
        ]
        if sum(value_weights) == 0:  # absurdly high prices: fall back to plain weights
            value_weights = weights[first_ask:]
        bin_ids = list(range(lower_bin_id + first_ask, upper_bin_id + 1))
        base_split[first_ask:] = _split(
            base_amount, value_weights, _distances(bin_ids, active_bin_id), bin_ids
        )
    quote_split = [0] * count
    if quote_amount:
        bin_ids = list(range(lower_bin_id, lower_bin_id + last_bid + 1))
        quote_split[: last_bid + 1] = _split(
            quote_amount, weights[: last_bid + 1], _distances(bin_ids, active_bin_id), bin_ids
        )
    return base_split, quote_split


def _distances(bin_ids: list[int], active_bin_id: int) -> list[int]:
    return [abs(bin_id - active_bin_id) for bin_id in bin_ids]
