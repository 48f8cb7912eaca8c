"""What the executor handlers share: triple-barrier fields, executor configs, report lookups and
custom hooks named ``module:function``."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lpexec.cex import OrderExecutorConfig, PositionExecutorConfig
from lpexec.cex.position import TrailingStop
from lpexec.controllers.base import ExecutorReport
from lpexec.core import ConfigError, ExecutorConfig, ExecutorStatus

__all__ = [
    "PENDING_ID",
    "BarrierFields",
    "ConfigTemplates",
    "ceil_to",
    "import_hook",
    "is_stoppable",
    "newest",
    "position_or_order_config",
]


PENDING_ID = "pending"
"""The id of a config a controller builds (the runner names the executor when it creates it;
a fixed placeholder saves generating a random id per config)."""


class BarrierFields(BaseModel):
    """The triple barrier every position a handler opens carries (ratios of net P&L, as the
    :class:`~lpexec.cex.PositionExecutorConfig`), and the entry's order type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stop_loss: Decimal | None = Field(default=Decimal("0.03"), gt=0, allow_inf_nan=False)
    take_profit: Decimal | None = Field(default=Decimal("0.02"), gt=0, allow_inf_nan=False)
    time_limit: int | None = Field(default=2700, gt=0)
    trailing_stop: TrailingStop | None = None
    take_profit_order_type: Literal["MARKET", "LIMIT", "LIMIT_MAKER"] = "LIMIT"

    @field_validator("take_profit_order_type", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class _Shape(NamedTuple):
    """What a config is built from besides its amount, price and overrides (a template's key)."""

    executor_type: Literal["position", "order"]
    open_order_type: str
    connector_name: str
    trading_pair: str
    side: str
    leverage: int
    position_mode: str
    is_perpetual: bool | None
    level_id: str | None


ConfigTemplates = dict[_Shape, ExecutorConfig]
"""A controller's validated configs by everything but their amount and price (see
:func:`position_or_order_config`)."""


def position_or_order_config(
    barriers: BarrierFields,
    *,
    executor_type: Literal["position", "order"],
    open_order_type: str,
    connector_name: str,
    trading_pair: str,
    side: str,
    amount: Decimal,
    price: Decimal | None,
    leverage: int,
    position_mode: str,
    is_perpetual: bool | None,
    level_id: str | None,
    overrides: Mapping[str, Any] | None = None,
    templates: ConfigTemplates | None = None,
) -> ExecutorConfig:
    """A :class:`PositionExecutorConfig` (entry ``open_order_type`` at ``price``, the barriers)
    or an :class:`OrderExecutorConfig` (``open_order_type`` as its strategy, at ``price``),
    with ``overrides`` (config fields; a ``triple_barrier_config`` mapping is merged).

    ``templates`` (a controller's own dict, its ``barriers`` never change) validates each shape
    of config once: a later config of the same shape without overrides is the first one copied
    with its amount and price, when both are positive finite decimals (what validating them
    keeps as they are, the same objects); anything else is validated in full."""
    shape = _Shape(
        executor_type,
        open_order_type,
        connector_name,
        trading_pair,
        side,
        leverage,
        position_mode,
        is_perpetual,
        level_id,
    )
    kept = (
        not overrides
        and _kept_by_validation(amount)
        and (price is None or _kept_by_validation(price))
    )
    cache = templates if kept else None
    if cache is not None:
        template = cache.get(shape)
        if template is not None:
            if executor_type == "order":
                update: dict[str, Any] = {"amount": amount}
                if open_order_type != "MARKET":
                    update["price"] = price
            else:
                entry = price if open_order_type != "MARKET" else None
                update = {"amount": amount, "entry_price": entry}
            return template.model_copy(update=update)
    config = _validated_config(barriers, shape, amount=amount, price=price, overrides=overrides)
    if cache is not None:
        cache[shape] = config
    return config


def _kept_by_validation(value: object) -> bool:
    """A value the configs' ``amount`` and ``price`` fields accept and keep as it is (the same
    object): a positive finite Decimal."""
    return type(value) is Decimal and value.is_finite() and value > 0


def _validated_config(
    barriers: BarrierFields,
    shape: _Shape,
    *,
    amount: Decimal,
    price: Decimal | None,
    overrides: Mapping[str, Any] | None,
) -> ExecutorConfig:
    extra = dict(overrides or {})
    open_order_type = shape.open_order_type
    values: dict[str, Any] = {
        "id": PENDING_ID,
        "connector_name": shape.connector_name,
        "trading_pair": shape.trading_pair,
        "side": shape.side,
        "amount": amount,
        "leverage": shape.leverage,
        "level_id": shape.level_id,
        "is_perpetual": shape.is_perpetual,
    }
    if shape.executor_type == "order":
        values["execution_strategy"] = open_order_type
        if open_order_type != "MARKET":
            values["price"] = price
        values.update(extra)
        return OrderExecutorConfig.model_validate(values)
    barrier: dict[str, Any] = {
        "stop_loss": barriers.stop_loss,
        "take_profit": barriers.take_profit,
        "time_limit": barriers.time_limit,
        "trailing_stop": barriers.trailing_stop,
        "open_order_type": open_order_type,
        "take_profit_order_type": barriers.take_profit_order_type,
    }
    barrier.update(extra.pop("triple_barrier_config", {}) or {})
    values.update(
        entry_price=price if open_order_type != "MARKET" else None,
        triple_barrier_config=barrier,
        position_mode=shape.position_mode,
    )
    values.update(extra)
    return PositionExecutorConfig.model_validate(values)


def ceil_to(value: Decimal, step: Decimal | None) -> Decimal:
    """``value`` raised to a multiple of ``step`` (unchanged when ``step`` is None)."""
    if step is None or step <= 0:
        return value
    return (value / step).to_integral_value(ROUND_CEILING) * step  # (rounding, positional: cheaper)


def is_stoppable(report: ExecutorReport) -> bool:
    """Running and not already unwinding (a stop would change nothing)."""
    return report.status in _STOPPABLE


_STOPPABLE = frozenset((ExecutorStatus.CREATED, ExecutorStatus.ACTIVE))


def newest(times: Iterable[dt.datetime | None]) -> dt.datetime | None:
    """The latest of ``times`` (None when there is none)."""
    found = [time for time in times if time is not None]
    return max(found) if found else None


def import_hook(spec: str, *, field: str) -> Callable[..., Any]:
    """The function named ``module:function`` (a custom signal or early-stop condition).

    Raises:
        ConfigError: naming ``field`` when the module or the function cannot be found.
    """
    module_name, sep, name = spec.partition(":")
    if not sep or not module_name or not name:
        raise ConfigError(f"{field}: expected 'module:function', received {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigError(f"{field}: could not import module {module_name!r}: {e}") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise ConfigError(f"{field}: module {module_name!r} has no function {name!r}")
    return function  # type: ignore[no-any-return]
