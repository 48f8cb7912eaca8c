"""Mutable internals of the DLMM pool: bins, positions and the fee split (private)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from lpexec.paper.pools.errors import InvalidPoolRequestError


class Bin:
    """One bin: reserves, price (Q64.64), total shares and shares per position."""

    __slots__ = ("bin_id", "holders", "pair", "price", "supply", "x", "y")

    def __init__(self, bin_id: int, price: int) -> None:
        self.bin_id = bin_id
        self.price = price
        self.x = 0
        self.y = 0
        self.supply = 0
        self.holders: dict[Position, int] = {}
        self.pair: tuple[int, int] | None = None
        """(base only, quote only) amounts of a pure bin, set by the bar market's flips."""


class Position:
    """One position: its range, shares per bin and fees owed to it."""

    __slots__ = ("fee_x", "fee_y", "lower", "position_id", "seq", "shares", "upper")

    def __init__(self, position_id: str, lower: int, upper: int, seq: int) -> None:
        self.position_id = position_id
        self.lower = lower
        self.upper = upper
        self.seq = seq
        self.shares: dict[int, int] = {}
        self.fee_x = 0
        self.fee_y = 0


def credit_fee(bin_: Bin, lp_fee: int, is_x: bool) -> None:
    """Split ``lp_fee`` among the bin's holders pro rata to shares, exactly to the raw unit.

    Each holder gets ``floor(lp_fee * shares / supply)``; the few leftover units go one each to
    the holders with the largest remainders (ties: the earliest opened position).
    """
    holders = bin_.holders
    if len(holders) == 1:
        for position in holders:
            _pay(position, lp_fee, is_x)
        return
    supply = bin_.supply
    if len(holders) == 2:  # the common case in backtests: the market's liquidity and ours
        (first, first_shares), (second, second_shares) = holders.items()
        first_part, first_rest = divmod(lp_fee * first_shares, supply)
        second_part, second_rest = divmod(lp_fee * second_shares, supply)
        if first_part + second_part < lp_fee:  # one unit left: the larger remainder takes it
            if (-first_rest, first.seq) < (-second_rest, second.seq):
                first_part += 1
            else:
                second_part += 1
        _pay(first, first_part, is_x)
        _pay(second, second_part, is_x)
        return
    given = 0
    # (-remainder, opening order, position, part): seq is unique, so positions never compare.
    parts: list[tuple[int, int, Position, int]] = []
    for position, shares in holders.items():
        part, remainder = divmod(lp_fee * shares, supply)
        given += part
        parts.append((-remainder, position.seq, position, part))
    leftover = lp_fee - given
    if leftover:
        parts.sort()
    for index, (_, _, position, part) in enumerate(parts):
        _pay(position, part + 1 if index < leftover else part, is_x)


def _pay(position: Position, amount: int, is_x: bool) -> None:
    if is_x:
        position.fee_x += amount
    else:
        position.fee_y += amount


def fraction_of(value: Decimal | int | Fraction, name: str = "fraction") -> Fraction:
    """Return ``value`` as an exact fraction in (0, 1]; InvalidPoolRequestError otherwise."""
    try:
        exact = Fraction(value)
    except (TypeError, ValueError) as error:
        raise InvalidPoolRequestError(
            f"Expected {name} to be a number in (0, 1], received {name}={value!r}",
        ) from error
    if not 0 < exact <= 1:
        raise InvalidPoolRequestError(f"Expected 0 < {name} <= 1, received {name}={value}")
    return exact


def check_amount(value: object, name: str, *, allow_zero: bool = True) -> int:
    """Return ``value`` if it is a non-negative (or positive) int, else raise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidPoolRequestError(f"Expected {name} to be an int, received {name}={value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        expected = ">= 0" if allow_zero else "> 0"
        raise InvalidPoolRequestError(f"Expected {name} {expected}, received {name}={value}")
    return value
