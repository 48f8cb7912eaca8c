"""``ExecutorInfo``: the one report shape of every executor, whatever its type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, SerializeAsAny, field_validator

from lpexec.core.lifecycle import CloseType, ExecutorStatus
from lpexec.core.money import finite_or_zero

__all__ = ["ExecutorDetails", "ExecutorInfo", "ExecutorMetrics"]


class ExecutorDetails(BaseModel):
    """Base of the typed, per-executor-type part of a report."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ExecutorMetrics(BaseModel):
    """The standard money figures of a report, all in the quote token; pct is a ratio."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    net_pnl_quote: Decimal = Decimal(0)
    net_pnl_pct: Decimal = Decimal(0)
    fees_paid_quote: Decimal = Decimal(0)
    fees_earned_quote: Decimal = Decimal(0)
    value_quote: Decimal = Decimal(0)
    volume_quote: Decimal = Decimal(0)

    @field_validator("*", mode="before")
    @classmethod
    def _finite(cls, value: object) -> object:
        return _finite_or_zero(value)


class ExecutorInfo(BaseModel):
    """The standard report of an executor.

    Money is in the pair's quote token; ``net_pnl_pct`` is a ratio (0.01 = 1 %). Non-finite numbers
    are reported as 0. ``stranded_reason`` is set when the engine could not resume the executor.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    executor_id: str
    controller_id: str
    type: str
    status: ExecutorStatus
    close_type: CloseType | None
    net_pnl_quote: Decimal
    net_pnl_pct: Decimal
    fees_paid_quote: Decimal
    fees_earned_quote: Decimal
    value_quote: Decimal
    volume_quote: Decimal
    duration_seconds: float
    created_at: dt.datetime
    closed_at: dt.datetime | None
    stranded_reason: str | None = None
    details: SerializeAsAny[ExecutorDetails] | None = None

    @field_validator(
        "net_pnl_quote",
        "net_pnl_pct",
        "fees_paid_quote",
        "fees_earned_quote",
        "value_quote",
        "volume_quote",
        mode="before",
    )
    @classmethod
    def _finite(cls, value: object) -> object:
        return _finite_or_zero(value)

    @property
    def is_done(self) -> bool:
        """True once the executor has terminated."""
        return self.status is ExecutorStatus.TERMINATED


def _finite_or_zero(value: object) -> object:
    if isinstance(value, Decimal):
        return finite_or_zero(value)
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return Decimal(0)
    return value
