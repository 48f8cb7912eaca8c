"""Builders for LP executor tests: a config, a started executor and its outcome events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lpexec.core import UTC, PositionOpened, PriceUpdated, Tick
from lpexec.lp import LPExecutor, LPExecutorConfig

T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
POOL = "PooL1111111111111111111111111111111111111111"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def make_config(**overrides) -> LPExecutorConfig:
    values = {
        "pool_address": POOL,
        "trading_pair": "SOL-USDC",
        "lower_price": Decimal(140),
        "upper_price": Decimal(160),
        "base_amount": Decimal(1),
        "quote_amount": Decimal(150),
    }
    values.update(overrides)
    return LPExecutorConfig(**values)


def open_executor(*, price=Decimal(150), bins=None, **overrides) -> LPExecutor:
    """An executor whose position opened at ``price`` with the config's bounds.

    ``bins`` = (lower_bin, upper_bin, active_bin) puts bin ids on the open.
    """
    executor = LPExecutor(make_config(**overrides), created_at=T0)
    (command,) = executor.apply(executor_started())
    lower, upper, active = bins if bins else (None, None, None)
    executor.apply(
        PositionOpened(
            ts_event=T0,
            command_id=command.command_id,
            position_address="Pos1",
            base_amount=Decimal("0.99"),
            quote_amount=Decimal("149.5"),
            lower_price=executor.config.lower_price,
            upper_price=executor.config.upper_price,
            position_rent=Decimal("0.05740608"),
            rent_sunk=Decimal("0.07143744"),
            tx_fee=Decimal("0.000045"),
            price=price,
            lower_bin_id=lower,
            upper_bin_id=upper,
            active_bin_id=active,
        )
    )
    return executor


def executor_started():
    from lpexec.core import ExecutorStarted

    return ExecutorStarted(ts_event=T0)


def price(value, seconds: float, *, pool: str | None = POOL, active_bin: int | None = None):
    return PriceUpdated(
        ts_event=at(seconds),
        trading_pair="SOL-USDC",
        price=Decimal(value),
        pool_address=pool,
        active_bin_id=active_bin,
    )


def tick(seconds: float) -> Tick:
    return Tick(ts_event=at(seconds))
