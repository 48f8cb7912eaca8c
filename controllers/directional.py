"""``DirectionalTradingExecutorHandler``: position executors long or short on a signal.

The signal (-1 short, 0 flat, 1 long) comes from a pluggable function of the mid prices,
``signal = "name:key=value,..."``: a built-in (:data:`SIGNALS`: ``sma_cross:fast=20,slow=50``,
``momentum:window=30,threshold=0.002``) or ``module:function`` (called as
``function(mids, **params)``), returning one signal per row of ``mids`` (a float64 array, oldest
first). It must be causal (row ``i`` reads rows ``<= i`` only) and read at most ``lookback`` rows
back: the daemon calls it on the last ``lookback`` mids and takes the last value, a backtest calls
it once on the whole series, and both then see the same signals.

Each decision (Hummingbot's directional controller, ``executors.md`` §13, with the choices below):

1. Early stop on a flip: with ``stop_on_flip``, a non-zero signal stops every running executor of
   the opposite side (flattening it: close type EARLY_STOP).
2. Entry: a non-zero signal opens a :class:`~lpexec.cex.PositionExecutor` on its side (entry
   ``open_order_type``, MARKET by default; the triple barrier of the config) of
   ``total_amount_quote / mid / max_executors_per_side`` base (floored to the amount step), when
   fewer than ``max_executors_per_side`` executors of that side are live and at least
   ``cooldown_time`` seconds passed since the newest executor of that side was created, live or
   closed (inclusive). Hummingbot counts only live executors for the cooldown, so a position
   stopped out re-enters at once; here it waits. Hummingbot's short-side count quirk is not
   reproduced: each side counts its own executors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

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
    import_hook,
    is_stoppable,
    newest,
)
from lpexec.controllers.levels import position_or_order_config as _executor_config
from lpexec.core import ConfigError

__all__ = [
    "SIGNALS",
    "DirectionalConfig",
    "DirectionalTradingExecutorHandler",
    "SignalFunction",
    "momentum_signal",
    "parse_signal",
    "sma_cross_signal",
]

SignalFunction = Callable[..., np.ndarray]
"""``function(mids, **params) -> signals`` (see the module docstring)."""


def _moving_average(mids: np.ndarray, window: int) -> np.ndarray:
    """Each row's mean of the ``window`` rows ending there (NaN before), every window summed on
    its own (so a row's value does not depend on where the series starts)."""
    out = np.full(len(mids), np.nan)
    if len(mids) >= window:
        windows = np.lib.stride_tricks.sliding_window_view(mids, window)
        out[window - 1 :] = windows.mean(axis=1)
    return out


def sma_cross_signal(mids: np.ndarray, *, fast: int = 20, slow: int = 50) -> np.ndarray:
    """1 while the ``fast`` moving average is above the ``slow`` one, -1 while below, else 0."""
    if not 0 < fast < slow:
        raise ConfigError(f"signal: expected 0 < fast < slow, received fast={fast}, slow={slow}")
    fast_ma, slow_ma = _moving_average(mids, fast), _moving_average(mids, slow)
    signal = np.zeros(len(mids), dtype=np.int8)
    valid = ~np.isnan(slow_ma)
    signal[valid & (fast_ma > slow_ma)] = 1
    signal[valid & (fast_ma < slow_ma)] = -1
    return signal


def momentum_signal(mids: np.ndarray, *, window: int = 30, threshold: float = 0.002) -> np.ndarray:
    """1 when the mid rose more than ``threshold`` (a ratio) over ``window`` rows, -1 when it
    fell more, else 0."""
    if window < 1 or threshold < 0:
        raise ConfigError(
            f"signal: expected window >= 1 and threshold >= 0, received {window}, {threshold}"
        )
    signal = np.zeros(len(mids), dtype=np.int8)
    if len(mids) > window:
        change = mids[window:] / mids[:-window] - 1.0
        signal[window:][change > threshold] = 1
        signal[window:][change < -threshold] = -1
    return signal


SIGNALS: dict[str, tuple[SignalFunction, Callable[[dict[str, Any]], int]]] = {
    "sma_cross": (sma_cross_signal, lambda params: int(params.get("slow", 50))),
    "momentum": (momentum_signal, lambda params: int(params.get("window", 30)) + 1),
}
"""Built-in signals and the rows each reads back."""


def parse_signal(spec: str) -> tuple[SignalFunction, dict[str, Any], int | None]:
    """``name:key=value,...`` -> (function, params, rows it reads back or None when unknown).

    Raises:
        ConfigError: an unknown built-in, a bad parameter or an import that fails.
    """
    name, _, rest = spec.partition(":")
    params: dict[str, Any] = {}
    if name in SIGNALS or "=" in rest or not rest:
        for part in filter(None, (p.strip() for p in rest.split(","))):
            key, sep, value = part.partition("=")
            if not sep:
                raise ConfigError(f"signal: expected key=value, received {part!r} in {spec!r}")
            try:
                number = float(value)
            except ValueError:
                raise ConfigError(
                    f"signal: expected a number for {key}, received {value!r}"
                ) from None
            integral = number.is_integer() and "." not in value
            params[key.strip()] = int(number) if integral else number
        if name not in SIGNALS:
            raise ConfigError(
                f"signal: expected one of {sorted(SIGNALS)} or 'module:function', received {name!r}"
            )
        function, lookback = SIGNALS[name]
        try:
            function(np.ones(2), **params)  # its parameters are checked now, not at the first row
        except TypeError as e:
            raise ConfigError(f"signal: bad parameters for {name!r}: {e}") from None
        return function, params, lookback(params)
    return import_hook(spec, field="signal"), {}, None


class DirectionalConfig(ControllerConfig, BarrierFields):
    """A directional controller (see the module docstring for each field's use)."""

    controller_type: ClassVar[str] = "directional"

    signal: str = "sma_cross:fast=20,slow=50"
    lookback: int | None = Field(default=None, ge=1)
    """Rows the signal reads back (None: the built-in's own need; 200 for a custom one)."""
    max_executors_per_side: int = Field(default=2, ge=1)
    cooldown_time: int = Field(default=300, ge=0)
    open_order_type: Literal["MARKET", "LIMIT", "LIMIT_MAKER"] = "MARKET"
    stop_on_flip: bool = True
    position_mode: Literal["ONEWAY", "HEDGE"] = "HEDGE"

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str) -> str:
        parse_signal(value)
        return value


class DirectionalTradingExecutorHandler(Controller):
    """Trades the signal of a :class:`DirectionalConfig` (see the module docstring)."""

    kind: ClassVar[str] = "directional"
    config_class: ClassVar[type[ControllerConfig]] = DirectionalConfig
    config: DirectionalConfig

    def __init__(self, config: DirectionalConfig, state: dict[str, Any] | None = None) -> None:
        super().__init__(config, state)
        self._signal, self._params, lookback = parse_signal(config.signal)
        self.lookback = config.lookback or lookback or 200
        self.history_length = self.lookback
        self._templates: ConfigTemplates = {}

    def signals(self, mids: np.ndarray) -> np.ndarray:
        """The signal at every row of ``mids`` (values -1, 0, 1)."""
        values = np.asarray(self._signal(mids, **self._params))
        if values.shape != mids.shape:
            raise ConfigError(
                f"signal: expected one value per row ({mids.shape[0]}), received shape "
                f"{values.shape}"
            )
        clipped: np.ndarray = np.clip(np.nan_to_num(values), -1, 1).astype(np.int8)
        return clipped

    def signal_at(self, market: MarketData) -> int:
        """The signal now: the precomputed one, else the last of the history's."""
        if market.signal is not None:
            return market.signal
        if len(market.history) == 0:
            return 0
        return int(self.signals(market.history[-self.lookback :])[-1])

    # --- decisions ------------------------------------------------------------------------------

    def decide_actions(
        self, now: dt.datetime, market: MarketData, reports: Sequence[ExecutorReport]
    ) -> list[Action]:
        """Stop the other side on a flip, then enter on the signal's side (module docstring)."""
        signal = self.signal_at(market)
        if signal == 0:
            return []
        side, opposite = ("BUY", "SELL") if signal > 0 else ("SELL", "BUY")
        actions: list[Action] = []
        if self.config.stop_on_flip:
            actions += [
                StopExecutor(
                    report.executor_id,
                    reason=f"signal flipped to {'long' if signal > 0 else 'short'}",
                )
                for report in reports
                if report.side == opposite and is_stoppable(report)
            ]
        if self._may_enter(now, side, reports):
            config = self._executor_config(side, market)
            if config is not None:
                actions.append(CreateExecutor(config, reason=f"signal {signal:+d}"))
        return actions

    def _may_enter(self, now: dt.datetime, side: str, reports: Sequence[ExecutorReport]) -> bool:
        return (
            self._entry_blocked_until(side, reports) is None
            and self._cooldown_end(side, reports) <= now
        )

    def _entry_blocked_until(self, side: str, reports: Sequence[ExecutorReport]) -> str | None:
        live = sum(1 for report in reports if report.side == side and report.is_active)
        if live >= self.config.max_executors_per_side:
            return f"{live} executors of side {side} live"
        return None

    def _cooldown_end(self, side: str, reports: Sequence[ExecutorReport]) -> dt.datetime:
        last = newest(report.created_at for report in reports if report.side == side)
        if last is None:
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return last + dt.timedelta(seconds=self.config.cooldown_time)

    def _executor_config(self, side: str, market: MarketData) -> Any:
        config = self.config
        mid = market.mid
        amount = floor_to(
            config.total_amount_quote / mid / config.max_executors_per_side, market.amount_step
        )
        if amount <= 0:
            return None
        price = floor_to(mid, market.price_tick) if config.open_order_type != "MARKET" else None
        return _executor_config(
            config,
            executor_type="position",
            open_order_type=config.open_order_type,
            connector_name=config.connector_name,
            trading_pair=config.trading_pair,
            side=side,
            amount=amount,
            price=price,
            leverage=config.leverage,
            position_mode=config.position_mode,
            is_perpetual=config.is_perpetual,
            level_id=f"directional_{side.lower()}",
            templates=self._templates,
        )

    # --- backtest hint --------------------------------------------------------------------------

    def quiet(
        self, now: dt.datetime, market: MarketData, reports: Sequence[ExecutorReport]
    ) -> Quiet | None:
        """Quiet for the signals that would neither stop nor create (0 always), until the
        cooldown of a side that may enter ends."""
        del market  # the signal is the backtest's own series
        if self.config.manual_kill_switch:
            return Quiet() if not any(r.is_active for r in reports) else None
        quiet = {0}
        until: dt.datetime | None = None
        for signal, side, opposite in ((1, "BUY", "SELL"), (-1, "SELL", "BUY")):
            if self.config.stop_on_flip and any(
                report.side == opposite and is_stoppable(report) for report in reports
            ):
                continue
            if self._entry_blocked_until(side, reports) is None:
                end = self._cooldown_end(side, reports)
                if end <= now:
                    continue
                until = end if until is None or end < until else until
            quiet.add(signal)
        return Quiet(until=until, signals=frozenset(quiet))
