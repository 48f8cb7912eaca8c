"""Meteora DLMM swap fees: base fee, variable (volatility) fee and the per-bin fee on input.

Fee rates are integers in units of 10^-9 (``FEE_PRECISION``), as on chain:

* ``f_base = base_factor * bin_step * 10 * 10 ** base_fee_power_factor``
* ``f_var = ceil(variable_fee_control * (volatility_accumulator * bin_step) ** 2 / 10 ** 11)``
* ``f = min(f_base + f_var, MAX_FEE_RATE)``

The volatility accumulator is refreshed at the start of a swap (:func:`volatility_references`)
and recomputed for every bin the swap touches (:func:`volatility_accumulator`), so the fee ramps
up bin by bin inside a large swap.
"""

from __future__ import annotations

__all__ = [
    "FEE_PRECISION",
    "MAX_FEE_RATE",
    "MAX_PROTOCOL_SHARE",
    "VARIABLE_FEE_SCALE",
    "base_fee_rate",
    "fee_from_gross_amount",
    "fee_from_net_amount",
    "protocol_fee_part",
    "total_fee_rate",
    "variable_fee_rate",
    "volatility_accumulator",
    "volatility_references",
]

FEE_PRECISION = 1_000_000_000
MAX_FEE_RATE = 100_000_000
MAX_PROTOCOL_SHARE = 2_500
_BASIS_POINT_MAX = 10_000
VARIABLE_FEE_SCALE = 100_000_000_000


def base_fee_rate(base_factor: int, bin_step: int, base_fee_power_factor: int = 0) -> int:
    """Return the base fee rate in 10^-9 units (``10_000, 1, 0`` gives 100_000 = 0.01 %)."""
    if base_factor < 0 or bin_step < 1 or base_fee_power_factor < 0:
        raise ValueError(
            "Expected base_factor >= 0, bin_step >= 1 and base_fee_power_factor >= 0, received "
            f"base_factor={base_factor} bin_step={bin_step} "
            f"base_fee_power_factor={base_fee_power_factor}",
        )
    scale: int = 10**base_fee_power_factor  # int ** int is typed Any
    return base_factor * bin_step * 10 * scale


def variable_fee_rate(variable_fee_control: int, volatility: int, bin_step: int) -> int:
    """Return the variable fee rate in 10^-9 units for a volatility accumulator value."""
    if variable_fee_control <= 0 or volatility <= 0:
        return 0
    product = volatility * bin_step
    return -(-(variable_fee_control * product * product) // VARIABLE_FEE_SCALE)


def total_fee_rate(base_rate: int, variable_rate: int) -> int:
    """Return ``min(base_rate + variable_rate, MAX_FEE_RATE)``."""
    return min(base_rate + variable_rate, MAX_FEE_RATE)


def volatility_references(
    *,
    elapsed_seconds: int,
    active_bin_id: int,
    index_reference: int,
    volatility_accumulator: int,
    volatility_reference: int,
    filter_period: int,
    decay_period: int,
    reduction_factor: int,
) -> tuple[int, int]:
    """Return the ``(index_reference, volatility_reference)`` to use for a swap starting now.

    When at least ``filter_period`` seconds passed since the last update, the index reference
    becomes the active bin and the volatility reference decays (by ``reduction_factor`` bps
    inside ``decay_period``, to zero after it); otherwise both are kept.
    """
    if elapsed_seconds < filter_period:
        return index_reference, volatility_reference
    if elapsed_seconds < decay_period:
        return active_bin_id, volatility_accumulator * reduction_factor // _BASIS_POINT_MAX
    return active_bin_id, 0


def volatility_accumulator(
    *,
    volatility_reference: int,
    index_reference: int,
    bin_id: int,
    max_volatility_accumulator: int,
) -> int:
    """Return the volatility accumulator while the swap trades in ``bin_id``."""
    return min(
        volatility_reference + abs(index_reference - bin_id) * _BASIS_POINT_MAX,
        max_volatility_accumulator,
    )


def fee_from_gross_amount(amount_with_fee: int, fee_rate: int) -> int:
    """Return the fee included in a gross input: ``ceil(amount * f / 10^9)``."""
    return -(-(amount_with_fee * fee_rate) // FEE_PRECISION)


def fee_from_net_amount(net_amount: int, fee_rate: int) -> int:
    """Return the fee to add to a net input: ``ceil(net * f / (10^9 - f))``."""
    return -(-(net_amount * fee_rate) // (FEE_PRECISION - fee_rate))


def protocol_fee_part(fee: int, protocol_share: int) -> int:
    """Return the protocol's part of a fee, ``floor(fee * share / 10_000)``; LPs keep the rest."""
    return fee * protocol_share // _BASIS_POINT_MAX
