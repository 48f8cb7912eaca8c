"""Checks shared by the paper pools: amounts, fractions, identities and swap limits."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from lpexec.paper.pools.errors import (
    InsufficientLiquidityError,
    InvalidPoolRequestError,
    SlippageExceededError,
)
from lpexec.paper.pools.results import SwapResult

__all__ = ["check_amount", "check_identity", "check_limits", "check_slippage", "fraction_of"]


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


def check_identity(address: str, base_mint: str, quote_mint: str) -> None:
    """Raise unless the pool has an address and two different mints."""
    if not address:
        raise InvalidPoolRequestError(f"Expected a non-empty pool address, received {address!r}")
    if not base_mint or not quote_mint or base_mint == quote_mint:
        raise InvalidPoolRequestError(
            "Expected two different non-empty mints, received "
            f"base_mint={base_mint!r} quote_mint={quote_mint!r}",
        )


def check_limits(
    result: SwapResult,
    min_amount_out: int | None,
    max_amount_in: int | None,
    allow_partial: bool,
) -> None:
    """Raise when a computed swap breaks the caller's limits (nothing was applied yet)."""
    if not result.complete and not allow_partial:
        raise InsufficientLiquidityError(
            f"Expected pool {result.pool_address} to fill the swap, but its liquidity ran out "
            f"after amount_in={result.amount_in} amount_out={result.amount_out}",
        )
    if min_amount_out is not None or max_amount_in is not None:
        check_slippage(result.amount_in, result.amount_out, min_amount_out, max_amount_in)


def check_slippage(
    amount_in: int,
    amount_out: int,
    min_amount_out: int | None,
    max_amount_in: int | None,
) -> None:
    """Raise SlippageExceededError when a fill is outside the caller's limits."""
    if min_amount_out is not None and amount_out < min_amount_out:
        raise SlippageExceededError(
            f"Expected amount_out >= min_amount_out={min_amount_out}, "
            f"received amount_out={amount_out}",
        )
    if max_amount_in is not None and amount_in > max_amount_in:
        raise SlippageExceededError(
            f"Expected amount_in <= max_amount_in={max_amount_in}, received amount_in={amount_in}",
        )
