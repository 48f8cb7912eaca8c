"""Static fee parameters of a simulated DLMM pool."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lpexec.lp.math.dlmm_fees import MAX_PROTOCOL_SHARE, base_fee_rate

__all__ = ["DlmmFeeParameters"]


@dataclass(frozen=True, slots=True)
class DlmmFeeParameters:
    """The LB pair's static fee parameters (same names and units as the Meteora program).

    Defaults give a 0.01 % x bin-step base fee (``base_factor=10_000``), a 30 s filter period,
    a 600 s decay period, a 50 % reduction factor, a moderate variable fee and a 5 % protocol
    share of every fee.
    """

    base_factor: int = 10_000
    base_fee_power_factor: int = 0
    filter_period: int = 30
    """Seconds during which the volatility references stay frozen (high-frequency filter)."""
    decay_period: int = 600
    """Seconds after which the volatility reference resets to zero."""
    reduction_factor: int = 5_000
    """Basis points of the accumulator kept as reference between filter and decay period."""
    variable_fee_control: int = 40_000
    max_volatility_accumulator: int = 350_000
    protocol_share: int = 500
    """Basis points of every fee kept by the protocol (0..2,500)."""

    def __post_init__(self) -> None:
        for name in (
            "base_factor",
            "base_fee_power_factor",
            "filter_period",
            "decay_period",
            "reduction_factor",
            "variable_fee_control",
            "max_volatility_accumulator",
            "protocol_share",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"Expected {name} to be an int >= 0, received {name}={value!r}")
        if self.protocol_share > MAX_PROTOCOL_SHARE:
            raise ValueError(
                f"Expected protocol_share <= {MAX_PROTOCOL_SHARE}, "
                f"received protocol_share={self.protocol_share}",
            )
        if self.filter_period > self.decay_period:
            raise ValueError(
                "Expected filter_period <= decay_period, received "
                f"filter_period={self.filter_period} decay_period={self.decay_period}",
            )
        if self.reduction_factor > 10_000:
            raise ValueError(
                f"Expected reduction_factor <= 10000, received {self.reduction_factor}",
            )

    def base_fee_rate(self, bin_step: int) -> int:
        """Return the base fee rate in 10^-9 units for a pool with ``bin_step``."""
        return base_fee_rate(self.base_factor, bin_step, self.base_fee_power_factor)

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as a plain dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DlmmFeeParameters:
        """Build parameters from :meth:`to_dict` output."""
        return cls(**{key: int(value) for key, value in data.items()})
