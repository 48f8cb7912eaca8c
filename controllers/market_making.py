"""``MarketMakingExecutorHandler``: quote levels around the mid with one executor per level.

Levels (Hummingbot's market-making controller, ``executors.md`` §13): ``buy_spreads`` and
``sell_spreads`` give the levels ``buy_0, buy_1, ...`` and ``sell_0, ...``; level ``i`` on the buy
side enters at ``mid x (1 - spread)`` (floored to the tick), on the sell side at
``mid x (1 + spread)`` (raised to the tick). Its quote share is its ``*_amounts_pct`` over the sum
of every level's (equal shares by default) times ``total_amount_quote``; the base amount is that
quote over its price, floored to the amount step. Each level runs one executor: a
:class:`~lpexec.cex.PositionExecutor` (the entry a LIMIT or LIMIT_MAKER order at the level's
price, then the triple barrier) or an :class:`~lpexec.cex.OrderExecutor` (one LIMIT or
LIMIT_MAKER order, held when filled); ``level_overrides`` changes any config field of one level.

Each decision, in this order:

1. Refresh: a level's executor whose entry has not filled (nothing traded) is stopped once it is
   ``executor_refresh_time`` seconds old (inclusive: at exactly that age).
2. Early stops: such an executor is also stopped when the level's price moved more than
   ``max_price_drift`` (a ratio) from its entry price; and any executor for which the custom
   condition ``early_stop`` (``module:function(report, market, config) -> reason | None``) returns
   a reason.
3. Entries: only when the market meets the entry criteria (``max_book_spread``: the touch's width
   over the mid at most this ratio), every level with no live executor and out of its cooldown
   gets one. Cooldown: ``cooldown_time`` seconds after the level's last executor closed, whatever
   the close type (Hummingbot cools down after stop losses only; a level whose executor was
   refreshed or took profit also waits, so a level never re-enters in the second it closed). A
   level re-enters at exactly ``closed_at + cooldown_time``.

An executor that is unwinding (CLOSING) still holds its level, unlike Hummingbot (quirk 8):
a level is never quoted twice. On a perpetual connector the host sets ``leverage`` and
``position_mode`` on the venue before the first create.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from lpexec.controllers.base import (
    Action,
    Controller,
    ControllerConfig,
    CreateExecutor,
    ExecutorReport,
    MarketData,
    Quiet,
    StopExecutor,
    floor_to,
)
from lpexec.controllers.levels import (
    BarrierFields,
    ConfigTemplates,
    ceil_to,
    import_hook,
    is_stoppable,
    position_or_order_config,
)
from lpexec.core import ExecutorConfig, ExecutorStatus

__all__ = ["Level", "MarketMakingConfig", "MarketMakingExecutorHandler"]

_ONE = Decimal(1)
_TERMINATED = ExecutorStatus.TERMINATED
_STOPPABLE = frozenset((ExecutorStatus.CREATED, ExecutorStatus.ACTIVE))
"""The statuses :func:`~lpexec.controllers.levels.is_stoppable` accepts."""


class MarketMakingConfig(ControllerConfig, BarrierFields):
    """A market-making controller (see the module docstring for each field's use)."""

    controller_type: ClassVar[str] = "market_making"

    buy_spreads: list[Decimal] = Field(default_factory=lambda: [Decimal("0.01"), Decimal("0.02")])
    sell_spreads: list[Decimal] = Field(default_factory=lambda: [Decimal("0.01"), Decimal("0.02")])
    buy_amounts_pct: list[Decimal] | None = None
    sell_amounts_pct: list[Decimal] | None = None
    executor_refresh_time: int = Field(default=300, gt=0)
    cooldown_time: int = Field(default=15, ge=0)
    executor_type: Literal["position", "order"] = "position"
    open_order_type: Literal["LIMIT", "LIMIT_MAKER"] = "LIMIT"
    level_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    max_book_spread: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    max_price_drift: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False)
    early_stop: str | None = None

    @field_validator("buy_spreads", "sell_spreads")
    @classmethod
    def _spreads(cls, value: list[Decimal]) -> list[Decimal]:
        for spread in value:
            if not spread.is_finite() or not 0 <= spread < 1:
                raise ValueError(f"expected ratios in [0, 1), received {[str(s) for s in value]}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MarketMakingConfig:
        if not self.buy_spreads and not self.sell_spreads:
            raise ValueError("buy_spreads, sell_spreads: expected at least one level")
        for side in ("buy", "sell"):
            spreads = getattr(self, f"{side}_spreads")
            amounts = getattr(self, f"{side}_amounts_pct")
            if amounts is not None:
                if len(amounts) != len(spreads):
                    raise ValueError(
                        f"{side}_amounts_pct: expected {len(spreads)} values (one per spread), "
                        f"received {len(amounts)}"
                    )
                if any(not a.is_finite() or a <= 0 for a in amounts):
                    raise ValueError(f"{side}_amounts_pct: expected ratios > 0")
        known = {level.level_id for level in self.levels()}
        unknown = sorted(set(self.level_overrides) - known)
        if unknown:
            raise ValueError(
                f"level_overrides: unknown level(s) {unknown}; expected some of {sorted(known)}"
            )
        return self

    def levels(self) -> list[Level]:
        """Every level with its side, spread and quote amount."""
        buy = self.buy_amounts_pct or [_ONE] * len(self.buy_spreads)
        sell = self.sell_amounts_pct or [_ONE] * len(self.sell_spreads)
        total_pct = sum(buy, Decimal(0)) + sum(sell, Decimal(0))
        levels = [
            Level(f"buy_{i}", "BUY", spread, self.total_amount_quote * pct / total_pct)
            for i, (spread, pct) in enumerate(zip(self.buy_spreads, buy, strict=True))
        ]
        levels += [
            Level(f"sell_{i}", "SELL", spread, self.total_amount_quote * pct / total_pct)
            for i, (spread, pct) in enumerate(zip(self.sell_spreads, sell, strict=True))
        ]
        return levels


class Level:
    """One quoting level."""

    __slots__ = ("amount_quote", "level_id", "side", "spread")

    def __init__(self, level_id: str, side: str, spread: Decimal, amount_quote: Decimal) -> None:
        self.level_id = level_id
        self.side = side
        self.spread = spread
        self.amount_quote = amount_quote

    def price(self, market: MarketData) -> Decimal:
        """The level's entry price now (floored to the tick for buys, raised for sells)."""
        if self.side == "BUY":
            return floor_to(market.mid * (_ONE - self.spread), market.price_tick)
        return ceil_to(market.mid * (_ONE + self.spread), market.price_tick)


EarlyStop = Callable[[ExecutorReport, MarketData, MarketMakingConfig], str | None]


class MarketMakingExecutorHandler(Controller):
    """Quotes the levels of a :class:`MarketMakingConfig` (see the module docstring)."""

    kind: ClassVar[str] = "market_making"
    config_class: ClassVar[type[ControllerConfig]] = MarketMakingConfig
    config: MarketMakingConfig

    def __init__(self, config: MarketMakingConfig, state: dict[str, Any] | None = None) -> None:
        super().__init__(config, state)
        self.levels = config.levels()
        self._early_stop: EarlyStop | None = (
            import_hook(config.early_stop, field="early_stop") if config.early_stop else None
        )
        self._templates: ConfigTemplates = {}
        self._cooldown = dt.timedelta(seconds=config.cooldown_time)
        self._refresh = dt.timedelta(seconds=config.executor_refresh_time)

    @cached_property
    def _by_id(self) -> dict[str, Level]:
        return {level.level_id: level for level in self.levels}

    # --- decisions ------------------------------------------------------------------------------

    def decide_actions(
        self, now: dt.datetime, market: MarketData, reports: Sequence[ExecutorReport]
    ) -> list[Action]:
        """Refresh and early-stop stale levels, then fill free levels (module docstring)."""
        actions: list[Action] = []
        active, closed_at = self._levels_of(reports)
        for level_id, report in active.items():
            reason = self._stop_reason(now, market, report)
            if reason is not None:
                actions.append(StopExecutor(report.executor_id, reason=f"{level_id}: {reason}"))
        if not self._entry_allowed(market):
            return actions
        cooldown = self._cooldown
        for level in self.levels:
            if level.level_id in active:
                continue
            last = closed_at.get(level.level_id)
            if last is not None and now < last + cooldown:
                continue
            config = self.executor_config(level, market)
            if config is not None:
                actions.append(
                    CreateExecutor(config, reason=f"{level.level_id} at spread {level.spread}")
                )
        return actions

    def _levels_of(
        self, reports: Sequence[ExecutorReport]
    ) -> tuple[dict[str, ExecutorReport], dict[str, dt.datetime]]:
        active: dict[str, ExecutorReport] = {}
        closed_at: dict[str, dt.datetime] = {}
        by_id = self._by_id
        for report in reports:
            level_id = report.level_id
            if level_id is None or level_id not in by_id:
                continue
            if report.status is not _TERMINATED:  # active (ExecutorReport.is_active)
                active[level_id] = report
            elif report.closed_at is not None:
                previous = closed_at.get(level_id)
                if previous is None or report.closed_at > previous:
                    closed_at[level_id] = report.closed_at
        return active, closed_at

    def _stop_reason(
        self, now: dt.datetime, market: MarketData, report: ExecutorReport
    ) -> str | None:
        if report.status not in _STOPPABLE:  # is_stoppable
            return None
        config = self.config
        if not report.is_trading:
            age = (now - report.created_at).total_seconds()
            if age >= config.executor_refresh_time:
                return f"refresh after {config.executor_refresh_time} s unfilled"
            drift = config.max_price_drift
            entry = report.entry_price
            if drift is not None and entry is not None and report.level_id is not None:
                target = self._by_id[report.level_id].price(market)
                if abs(entry - target) > drift * target:
                    return f"price drifted: the level is now at {target}, the entry at {entry}"
        if self._early_stop is not None:
            return self._early_stop(report, market, config)
        return None

    def _entry_allowed(self, market: MarketData) -> bool:
        limit = self.config.max_book_spread
        return limit is None or market.spread <= limit

    def executor_config(self, level: Level, market: MarketData) -> ExecutorConfig | None:
        """The executor a level opens now (None when its amount rounds to nothing)."""
        config = self.config
        price = level.price(market)
        if price <= 0:
            return None
        amount = floor_to(level.amount_quote / price, market.amount_step)
        if amount <= 0:
            return None
        return position_or_order_config(
            config,
            executor_type=config.executor_type,
            open_order_type=config.open_order_type,
            connector_name=config.connector_name,
            trading_pair=config.trading_pair,
            side=level.side,
            amount=amount,
            price=price,
            leverage=config.leverage,
            position_mode=config.position_mode,
            is_perpetual=config.is_perpetual,
            level_id=level.level_id,
            overrides=config.level_overrides.get(level.level_id),
            templates=self._templates,
        )

    # --- backtest hint --------------------------------------------------------------------------

    def quiet(
        self, now: dt.datetime, market: MarketData, reports: Sequence[ExecutorReport]
    ) -> Quiet | None:
        """Quiet until the next refresh or cooldown end, while no entry drifts out of bounds;
        no promise while a level is free, with entry criteria or with a custom early stop."""
        config = self.config
        active, closed_at = self._levels_of(reports)
        if config.manual_kill_switch:
            return Quiet() if not active else None
        if self._early_stop is not None:
            return None
        until: dt.datetime | None = None
        low: Decimal | None = None
        high: Decimal | None = None
        cooldown = self._cooldown
        for level in self.levels:
            report = active.get(level.level_id)
            if report is None:
                last = closed_at.get(level.level_id)
                if last is None or now >= last + cooldown:
                    return None  # a free level: a create (or an entry criterion) every row
                until = _earliest(until, last + cooldown)
                continue
            if report.is_trading or not is_stoppable(report):
                continue
            refresh = report.created_at + self._refresh
            until = _earliest(until, refresh)
            if config.max_price_drift is not None and report.entry_price is not None:
                low, high = _drift_band(
                    level, report.entry_price, config.max_price_drift, market.price_tick, low, high
                )
        return Quiet(until=until, low=low, high=high)


def _earliest(current: dt.datetime | None, candidate: dt.datetime) -> dt.datetime:
    return candidate if current is None or candidate < current else current


def _drift_band(
    level: Level,
    entry: Decimal,
    drift: Decimal,
    tick: Decimal | None,
    low: Decimal | None,
    high: Decimal | None,
) -> tuple[Decimal | None, Decimal | None]:
    """Narrow (low, high) to the mids within which the level's price stays within ``drift`` of
    ``entry``, with two ticks of room for the level price's rounding."""
    factor = _ONE - level.spread if level.side == "BUY" else _ONE + level.spread
    room = 2 * (tick or Decimal(0)) / factor
    # |entry - mid x f| <= drift x mid x f  <=>  entry / (1 + d) <= mid x f <= entry / (1 - d)
    lower = entry / ((_ONE + drift) * factor) + room
    upper = entry / ((_ONE - drift) * factor) - room
    low = lower if low is None else max(low, lower)
    high = upper if high is None else min(high, upper)
    return low, high
