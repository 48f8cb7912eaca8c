"""DirectionalTradingExecutorHandler decisions: signals, flips, max per side, cooldown; and the
built-in signals' causality."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from lpexec.cex import PositionExecutorConfig
from lpexec.controllers.base import CreateExecutor, ExecutorReport, MarketData, StopExecutor
from lpexec.controllers.catalog import build_controller
from lpexec.controllers.directional import (
    DirectionalTradingExecutorHandler,
    momentum_signal,
    sma_cross_signal,
)
from lpexec.core import UTC, ConfigError, ExecutorStatus

T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)


def handler(**fields: object) -> DirectionalTradingExecutorHandler:
    values: dict[str, object] = {
        "controller_type": "directional",
        "id": "dir",
        "connector_name": "paper",
        "trading_pair": "SOL-USDC",
        "total_amount_quote": "1000",
        "max_executors_per_side": 2,
        "cooldown_time": 300,
    }
    values.update(fields)
    controller = build_controller(values)
    assert isinstance(controller, DirectionalTradingExecutorHandler)
    return controller


def market(signal: int | None, *, at: dt.datetime = T0, history: list[float] | None = None):
    return MarketData(
        trading_pair="SOL-USDC",
        timestamp=at,
        bid=Decimal("99.99"),
        ask=Decimal("100.01"),
        price_tick=Decimal("0.01"),
        amount_step=Decimal("0.001"),
        history=np.array(history or []),
        signal=signal,
    )


def report(side: str, *, created: dt.datetime = T0, status=ExecutorStatus.ACTIVE) -> ExecutorReport:
    return ExecutorReport(
        executor_id=f"dir-{side}-{created.timestamp():.0f}",
        type="position",
        level_id=f"directional_{side.lower()}",
        side=side,
        status=status,
        close_type=None,
        created_at=created,
        closed_at=created + dt.timedelta(seconds=1)
        if status is ExecutorStatus.TERMINATED
        else None,
        is_trading=True,
    )


def created(actions: list[object]) -> list[PositionExecutorConfig]:
    found = []
    for action in actions:
        if isinstance(action, CreateExecutor):
            assert isinstance(action.config, PositionExecutorConfig)
            found.append(action.config)
    return found


def stopped(actions: list[object]) -> list[str]:
    return [a.executor_id for a in actions if isinstance(a, StopExecutor)]


def test_flat_signal_does_nothing() -> None:
    assert handler().decide(T0, market(0), [report("BUY")]) == []


@pytest.mark.parametrize(("signal", "side"), [(1, "BUY"), (-1, "SELL")])
def test_a_signal_opens_a_market_position_on_its_side(signal: int, side: str) -> None:
    (config,) = created(handler().decide(T0, market(signal), []))
    assert config.side == side
    assert config.amount == Decimal("5.000")  # 1000 / 100 / 2
    assert config.triple_barrier_config.open_order_type == "MARKET"
    assert config.entry_price is None
    assert config.position_mode == "HEDGE"


def test_max_executors_per_side_counts_each_side_alone() -> None:
    later = T0 + dt.timedelta(hours=1)
    two_longs = [report("BUY"), report("BUY", created=T0 + dt.timedelta(seconds=1))]
    assert created(handler().decide(later, market(1, at=later), two_longs)) == []
    # the short side has its own count (no Hummingbot short-side quirk)
    one_short = [report("SELL"), *two_longs]
    (short,) = created(handler(stop_on_flip=False).decide(later, market(-1, at=later), one_short))
    assert short.side == "SELL"


def test_a_closed_executor_frees_its_slot() -> None:
    later = T0 + dt.timedelta(hours=1)
    reports = [report("BUY", status=ExecutorStatus.TERMINATED), report("BUY")]
    assert len(created(handler().decide(later, market(1, at=later), reports))) == 1


@pytest.mark.parametrize(("after", "enters"), [(299, False), (300, True)])
def test_cooldown_since_the_newest_entry_of_the_side(after: int, enters: bool) -> None:
    now = T0 + dt.timedelta(seconds=after)
    actions = handler().decide(now, market(1, at=now), [report("BUY")])
    assert bool(created(actions)) is enters


def test_cooldown_counts_a_closed_entry_too() -> None:
    now = T0 + dt.timedelta(seconds=100)
    stopped_out = [report("BUY", status=ExecutorStatus.TERMINATED)]
    assert created(handler().decide(now, market(1, at=now), stopped_out)) == []


def test_a_flip_stops_the_other_side_and_enters() -> None:
    now = T0 + dt.timedelta(hours=1)
    reports = [
        report("BUY"),
        report("BUY", created=T0 + dt.timedelta(seconds=5)),
        report("BUY", created=T0 - dt.timedelta(seconds=5), status=ExecutorStatus.CLOSING),
    ]
    actions = handler().decide(now, market(-1, at=now), reports)
    assert stopped(actions) == [reports[0].executor_id, reports[1].executor_id]
    assert all("flipped to short" in a.reason for a in actions if isinstance(a, StopExecutor))
    assert [c.side for c in created(actions)] == ["SELL"]


def test_no_flip_stop_when_disabled() -> None:
    now = T0 + dt.timedelta(hours=1)
    actions = handler(stop_on_flip=False).decide(now, market(-1, at=now), [report("BUY")])
    assert stopped(actions) == []


def test_signal_from_history_when_not_precomputed() -> None:
    trader = handler(signal="tests.controllers.hooks:follow_series", lookback=3)
    (config,) = created(trader.decide(T0, market(None, history=[99.5, 100.5]), []))
    assert config.side == "BUY"
    assert created(trader.decide(T0, market(None, history=[99.5]), [])) == []


def test_quiet_signals() -> None:
    trader = handler()
    now = T0 + dt.timedelta(seconds=10)
    quiet = trader.quiet(now, market(1, at=now), [report("BUY")])
    assert quiet is not None
    # long: cooling until T0 + 300; short: would stop the long (not quiet)
    assert quiet.signals == frozenset({0, 1}) and quiet.until == T0 + dt.timedelta(seconds=300)


def test_builtin_signals_are_causal() -> None:
    rng = np.random.default_rng(3)
    mids = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, 600)))
    for function, params in ((sma_cross_signal, {"fast": 5, "slow": 20}), (momentum_signal, {})):
        whole = function(mids, **params)
        for end in (25, 200, 599):
            window = mids[max(0, end + 1 - 40) : end + 1]
            assert function(window, **params)[-1] == whole[end]
    assert set(np.unique(sma_cross_signal(mids, fast=5, slow=20))) <= {-1, 0, 1}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"signal": "sma_cross:fast=50,slow=20"}, "expected 0 < fast < slow"),
        ({"signal": "nope:x=1"}, "expected one of ['momentum', 'sma_cross']"),
        ({"signal": "sma_cross:fast"}, "expected key=value"),
        ({"max_executors_per_side": 0}, "max_executors_per_side"),
    ],
)
def test_bad_configs_are_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        handler(**fields)
    assert message in str(caught.value)
