"""MarketMakingExecutorHandler decisions: levels, refresh, cooldown boundaries, entry criteria,
early stops; pure (reports in, actions out)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lpexec.cex import OrderExecutorConfig, PositionExecutorConfig
from lpexec.controllers.base import CreateExecutor, ExecutorReport, MarketData, StopExecutor
from lpexec.controllers.catalog import build_controller
from lpexec.controllers.market_making import MarketMakingExecutorHandler
from lpexec.core import UTC, CloseType, ConfigError, ExecutorStatus

T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)


def handler(**fields: object) -> MarketMakingExecutorHandler:
    values: dict[str, object] = {
        "controller_type": "market_making",
        "id": "mm",
        "connector_name": "paper",
        "trading_pair": "SOL-USDC",
        "total_amount_quote": "1000",
        "buy_spreads": ["0.01", "0.02"],
        "sell_spreads": ["0.01", "0.02"],
        "executor_refresh_time": 300,
        "cooldown_time": 60,
    }
    values.update(fields)
    controller = build_controller(values)
    assert isinstance(controller, MarketMakingExecutorHandler)
    return controller


def market(bid: str = "99.9", ask: str = "100.1", at: dt.datetime = T0) -> MarketData:
    return MarketData(
        trading_pair="SOL-USDC",
        timestamp=at,
        bid=Decimal(bid),
        ask=Decimal(ask),
        price_tick=Decimal("0.01"),
        amount_step=Decimal("0.001"),
    )


def report(
    level_id: str,
    *,
    created: dt.datetime = T0,
    closed: dt.datetime | None = None,
    trading: bool = False,
    entry: str | None = None,
    status: ExecutorStatus | None = None,
) -> ExecutorReport:
    side = "BUY" if level_id.startswith("buy") else "SELL"
    return ExecutorReport(
        executor_id=f"mm-{level_id}-{created.timestamp():.0f}",
        type="position",
        level_id=level_id,
        side=side,
        status=status
        or (ExecutorStatus.TERMINATED if closed is not None else ExecutorStatus.ACTIVE),
        close_type=CloseType.STOP_LOSS if closed is not None else None,
        created_at=created,
        closed_at=closed,
        is_trading=trading,
        entry_price=Decimal(entry) if entry is not None else None,
    )


def creates(actions: list[object]) -> dict[str, PositionExecutorConfig | OrderExecutorConfig]:
    found = {}
    for action in actions:
        if isinstance(action, CreateExecutor):
            config = action.config
            assert isinstance(config, PositionExecutorConfig | OrderExecutorConfig)
            assert config.level_id is not None
            found[config.level_id] = config
    return found


def stops(actions: list[object]) -> list[StopExecutor]:
    return [action for action in actions if isinstance(action, StopExecutor)]


def test_every_free_level_gets_a_position_at_its_spread_and_share() -> None:
    made = creates(handler().decide(T0, market(), []))
    assert sorted(made) == ["buy_0", "buy_1", "sell_0", "sell_1"]
    buy_0, sell_1 = made["buy_0"], made["sell_1"]
    assert isinstance(buy_0, PositionExecutorConfig)
    assert buy_0.side == "BUY" and buy_0.entry_price == Decimal("99.00")  # 100 x 0.99
    assert buy_0.amount == Decimal("2.525")  # 250 quote / 99, floored to 0.001
    assert sell_1.side == "SELL" and sell_1.entry_price == Decimal("102.00")
    assert buy_0.triple_barrier_config.open_order_type == "LIMIT"
    assert buy_0.triple_barrier_config.stop_loss == Decimal("0.03")


def test_amount_shares_follow_the_percentages() -> None:
    made = creates(
        handler(
            buy_spreads=["0.01"],
            sell_spreads=["0.01"],
            buy_amounts_pct=["3"],
            sell_amounts_pct=["1"],
        ).decide(T0, market(), [])
    )
    assert made["buy_0"].amount == Decimal("7.575")  # 750 / 99
    assert made["sell_0"].amount == Decimal("2.475")  # 250 / 101


def test_order_executors_and_level_overrides() -> None:
    made = creates(
        handler(
            executor_type="order",
            open_order_type="LIMIT_MAKER",
            level_overrides={"sell_0": {"amount": "1"}},
        ).decide(T0, market(), [])
    )
    sell_0 = made["sell_0"]
    assert isinstance(sell_0, OrderExecutorConfig)
    assert sell_0.execution_strategy == "LIMIT_MAKER" and sell_0.amount == Decimal(1)
    assert sell_0.price == Decimal("101.00")


def test_a_working_level_is_not_quoted_again() -> None:
    actions = handler().decide(T0, market(), [report("buy_0"), report("sell_1", trading=True)])
    assert sorted(creates(actions)) == ["buy_1", "sell_0"]


def test_an_unwinding_executor_still_holds_its_level() -> None:
    closing = report("buy_0", trading=True, status=ExecutorStatus.CLOSING)
    actions = handler().decide(T0 + dt.timedelta(hours=1), market(), [closing])
    assert "buy_0" not in creates(actions)
    assert stops(actions) == []  # no stop for an executor already unwinding


@pytest.mark.parametrize(("age", "stopped"), [(299, False), (300, True)])
def test_refresh_stops_an_unfilled_executor_at_its_age(age: int, stopped: bool) -> None:
    now = T0 + dt.timedelta(seconds=age)
    actions = handler().decide(now, market(at=now), [report("buy_0")])
    assert [s.executor_id for s in stops(actions)] == (["mm-buy_0-" + _ts(T0)] if stopped else [])


def test_refresh_leaves_a_trading_executor_alone() -> None:
    now = T0 + dt.timedelta(hours=2)
    assert stops(handler().decide(now, market(at=now), [report("buy_0", trading=True)])) == []


@pytest.mark.parametrize(("after", "reenters"), [(59, False), (60, True)])
def test_cooldown_after_a_close_ends_at_exactly_cooldown_time(after: int, reenters: bool) -> None:
    closed = T0 + dt.timedelta(seconds=100)
    now = closed + dt.timedelta(seconds=after)
    actions = handler().decide(now, market(at=now), [report("buy_0", closed=closed)])
    assert ("buy_0" in creates(actions)) is reenters
    assert "buy_1" in creates(actions)  # other levels are not cooling


def test_cooldown_reads_the_latest_close_of_the_level() -> None:
    old = report("buy_0", created=T0, closed=T0 + dt.timedelta(seconds=10))
    recent = report(
        "buy_0", created=T0 + dt.timedelta(seconds=20), closed=T0 + dt.timedelta(seconds=90)
    )
    now = T0 + dt.timedelta(seconds=120)
    assert "buy_0" not in creates(handler().decide(now, market(at=now), [recent, old]))


def test_entry_criteria_hold_creates_but_not_stops() -> None:
    wide = market(bid="99", ask="101")  # 2 % wide
    limited = handler(max_book_spread="0.01")
    assert creates(limited.decide(T0, wide, [])) == {}
    assert sorted(creates(limited.decide(T0, market(), []))) == [
        "buy_0",
        "buy_1",
        "sell_0",
        "sell_1",
    ]
    old = T0 - dt.timedelta(seconds=400)
    assert len(stops(limited.decide(T0, wide, [report("buy_0", created=old)]))) == 1


def test_price_drift_stops_an_unfilled_level() -> None:
    drifting = handler(max_price_drift="0.005")
    entry = report("buy_0", entry="99.00")
    assert stops(drifting.decide(T0, market(), [entry])) == []  # level still at 99.00
    moved = market(bid="100.9", ask="101.1")  # level now at 99.99: 1 % away
    (stop,) = stops(drifting.decide(T0, moved, [entry]))
    assert "drifted" in stop.reason


def test_custom_early_stop_condition() -> None:
    custom = handler(early_stop="tests.controllers.hooks:stop_sells")
    actions = custom.decide(T0, market(), [report("sell_0", trading=True), report("buy_0")])
    assert [s.executor_id for s in stops(actions)] == ["mm-sell_0-" + _ts(T0)]
    assert stops(actions)[0].reason == "sell_0: sells stopped by the hook"


def test_kill_switch_stops_everything_and_creates_nothing() -> None:
    actions = handler(manual_kill_switch=True).decide(T0, market(), [report("buy_0")])
    assert creates(actions) == {} and len(stops(actions)) == 1


def test_perpetual_setup_carries_leverage_and_mode() -> None:
    setup = handler(connector_name="paper_perpetual", leverage=5, position_mode="HEDGE").setup()
    assert setup is not None and (setup.leverage, setup.position_mode) == (5, "HEDGE")
    assert handler().setup() is None


def test_quiet_promise_ends_at_the_next_refresh_or_cooldown() -> None:
    mm = handler(buy_spreads=["0.01"], sell_spreads=["0.01"])
    closed = T0 + dt.timedelta(seconds=30)
    reports = [report("buy_0"), report("sell_0", created=T0, closed=closed)]
    quiet = mm.quiet(T0 + dt.timedelta(seconds=40), market(), reports)
    assert quiet is not None and quiet.until == closed + dt.timedelta(seconds=60)
    assert mm.quiet(T0, market(), [report("buy_0")]) is None  # sell_0 is free


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"buy_amounts_pct": ["1"]}, "buy_amounts_pct: expected 2 values"),
        ({"level_overrides": {"buy_9": {}}}, "unknown level(s) ['buy_9']"),
        ({"buy_spreads": ["1.5"]}, "expected ratios in [0, 1)"),
        ({"early_stop": "no_such_module_x:f"}, "early_stop: could not import"),
        ({"controller_type": "nope"}, "controller_type: expected one of"),
    ],
)
def test_bad_configs_are_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        handler(**fields)
    assert message in str(caught.value)


def _ts(when: dt.datetime) -> str:
    return f"{when.timestamp():.0f}"


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"executor_type": "order", "open_order_type": "LIMIT_MAKER"},
        {"level_overrides": {"buy_1": {"amount": "0.5"}}},
        {"connector_name": "paper_perpetual", "leverage": 3, "position_mode": "HEDGE"},
    ],
)
def test_configs_copied_from_a_validated_template_equal_configs_validated_in_full(fields):
    # Arrange: the handler validates each level's first config, then copies it (amount, price)
    controller = handler(**fields)
    fresh = handler(**fields)
    fresh._templates = None  # type: ignore[assignment]  # every config validated in full
    for bid, ask in (("99.9", "100.1"), ("101.37", "101.41"), ("87.02", "87.05")):
        # Act
        copied = creates(controller.decide_actions(T0, market(bid, ask), []))
        validated = creates(fresh.decide_actions(T0, market(bid, ask), []))
        # Assert: the same values, fields set and types
        assert copied.keys() == validated.keys()
        for level_id, config in copied.items():
            expected = validated[level_id]
            assert type(config) is type(expected)
            assert config == expected
            assert config.model_dump() == expected.model_dump()
            assert config.model_fields_set == expected.model_fields_set
