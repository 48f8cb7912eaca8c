"""Decimal helpers for money: strict parsing, finiteness, safe ratios.

Money is ``Decimal`` everywhere in our public APIs; a ``float`` is refused here so that binary
rounding never reaches a balance.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["ZERO", "finite_or_zero", "is_finite", "ratio", "to_decimal"]

ZERO = Decimal(0)


def to_decimal(value: object, *, field: str) -> Decimal:
    """Parse ``value`` (Decimal, int or decimal string) into a finite Decimal.

    Raises:
        ValueError: naming ``field`` when the value is a float, not a number, or not finite.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(
            f"{field}: expected a Decimal, an int or a decimal string, received {value!r}"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ValueError(f"{field}: expected a decimal number, received {value!r}") from None
    else:
        raise ValueError(f"{field}: expected a decimal number, received {value!r}")
    if not result.is_finite():
        raise ValueError(f"{field}: expected a finite number, received {value!r}")
    return result


def is_finite(value: Decimal | None) -> bool:
    """Return True for a finite Decimal, False for None, NaN and infinities."""
    return value is not None and value.is_finite()


def finite_or_zero(value: Decimal | None) -> Decimal:
    """Return ``value`` when it is finite, else 0 (reports never show NaN or Infinity)."""
    return value if value is not None and value.is_finite() else ZERO


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Return numerator / denominator, or 0 when the denominator is 0 or either is not finite."""
    if not (numerator.is_finite() and denominator.is_finite()) or denominator == 0:
        return ZERO
    return numerator / denominator
