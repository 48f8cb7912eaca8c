"""Creates through the service on the paper LP runtime: the Hummingbot-shaped config, the
controller id resolution, scope, and what a refused create leaves (nothing)."""

from __future__ import annotations

import pytest

from lpexec.app.service import Caller, ScopeError, SearchFilters
from lpexec.core import ConfigError

OPERATOR = Caller()


async def test_a_hummingbot_lp_config_creates_a_running_executor_with_its_report(world):
    report = await world.create_lp()
    detail = await world.service.get(report.executor_id, caller=OPERATOR)
    assert (report.executor_type, report.status, report.controller_id) == (
        "lp_executor",
        "RUNNING",
        "main",
    )
    assert (report.connector_name, report.trading_pair, report.side) == (
        "solana-mainnet-beta",
        "SOL-USDC",
        "BUY",
    )
    assert detail.is_active and detail.is_trading
    assert detail.config["connector"] == "solana-mainnet-beta"
    for key in (
        "position_rent",
        "position_rent_refunded",
        "tx_fee",
        "base_fee",
        "quote_fee",
        "out_of_range_seconds",
        "state",
        "current_price",
        "total_value_quote",
    ):
        assert key in detail.custom_info, key
    assert detail.custom_info["state"] == "IN_RANGE"
    assert detail.custom_info["position_rent"] > 0


@pytest.mark.parametrize(
    ("top_level", "in_config", "caller", "expected"),
    [
        ("bot-a", None, OPERATOR, "bot-a"),
        (None, "bot-b", OPERATOR, "bot-b"),
        ("bot-c", "bot-c", OPERATOR, "bot-c"),
        (None, None, Caller("bot-d"), "bot-d"),
        (None, "bot-d", Caller("bot-d"), "bot-d"),
        (None, None, OPERATOR, "main"),
    ],
)
async def test_the_controller_id_is_the_top_level_else_the_configs_else_the_callers_else_main(
    world, top_level, in_config, caller, expected
):
    config = world.lp_config() if in_config is None else world.lp_config(controller_id=in_config)
    report = await world.service.create(config, caller=caller, controller_id=top_level)
    assert report.controller_id == expected
    assert world.store.get_executor(report.executor_id).controller_id == expected


async def test_disagreeing_controller_ids_are_refused_and_nothing_is_created(world):
    with pytest.raises(ConfigError) as raised:
        await world.service.create(
            world.lp_config(controller_id="bot-b"), caller=OPERATOR, controller_id="bot-a"
        )
    assert "controller_id" in str(raised.value)
    assert "'bot-a'" in str(raised.value) and "'bot-b'" in str(raised.value)
    assert world.count() == 0


@pytest.mark.parametrize(
    ("top_level", "in_config"), [("bot-b", None), (None, "bot-b"), ("main", None)]
)
async def test_a_scoped_caller_creates_only_for_its_controller(world, top_level, in_config):
    config = world.lp_config() if in_config is None else world.lp_config(controller_id=in_config)
    with pytest.raises(ScopeError) as raised:
        await world.service.create(config, caller=Caller("bot-a"), controller_id=top_level)
    assert "'bot-a'" in str(raised.value)
    assert world.count() == 0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"pool_address": "x"}, "executor_config.type: required field is missing"),
        ({"type": "teleport_executor"}, "executor_config.type: expected one of"),
        ({"type": "lp_executor", "trading_pair": "SOL-USDC"}, "lower_price"),
        ("not a mapping", "executor_config: expected an object"),
    ],
)
async def test_a_bad_config_is_refused_naming_the_field(world, config, message):
    with pytest.raises(ConfigError) as raised:
        await world.service.create(config, caller=OPERATOR)
    assert message in str(raised.value)
    assert world.count() == 0


async def test_a_type_no_runtime_here_runs_is_refused(world):
    order = {
        "type": "order_executor",
        "connector_name": "paper",
        "trading_pair": "SOL-USDC",
        "side": "BUY",
        "amount": "1",
        "execution_strategy": "MARKET",
    }
    with pytest.raises(ConfigError) as raised:
        await world.service.create(order, caller=OPERATOR)
    assert "'order' is known but no runtime here runs it" in str(raised.value)


async def test_an_account_name_is_kept_and_searchable(world):
    report = await world.service.create(world.lp_config(), caller=OPERATOR, account_name="desk-2")
    page = await world.service.search(
        SearchFilters(account_names=["desk-2"]), caller=OPERATOR, cursor=None, limit=10
    )
    assert report.account_name == "desk-2"
    assert [item.executor_id for item in page.items] == [report.executor_id]


async def test_a_swap_runs_on_the_lp_runtime_and_reads_in_full_when_done(world):
    swap = {
        "type": "swap_executor",
        "connector_name": "meteora/clmm",
        "pool_address": world.pool,
        "trading_pair": "SOL-USDC",
        "side": "BUY",
        "amount": "0.1",
    }
    report = await world.service.create(swap, caller=Caller("bot-s"))
    await world.runtime.settle()
    detail = await world.service.get(report.executor_id, caller=Caller("bot-s"))
    assert (report.executor_type, detail.status, detail.close_type) == (
        "swap_executor",
        "TERMINATED",
        "COMPLETED",
    )
    assert detail.config["swap_provider"] == "meteora/clmm"
    assert detail.custom_info["tx_fee_native"] > 0


async def test_the_library_report_carries_hummingbots_lp_field_names(world):
    report = await world.create_lp()
    await world.service.stop(report.executor_id, caller=OPERATOR)
    await world.runtime.settle()
    details = world.runtime.engine.info(report.executor_id).model_dump(mode="json")["details"]
    names = ("base_fee", "quote_fee", "position_rent", "position_rent_refunded", "tx_fee")
    assert all(name in details for name in names)
    assert details["position_rent"] == details["position_rent_native"] != "0"
    assert details["position_rent_refunded"] == details["position_rent_refunded_native"]
    assert details["tx_fee"] == details["tx_fee_native"] != "0"


@pytest.mark.parametrize(("extra", "strategy"), [({"strategyType": 2}, "BidAsk"), (None, "Spot")])
async def test_hummingbots_extra_params_strategy_type_is_the_lp_strategy(world, extra, strategy):
    report = await world.service.create(world.lp_config(extra_params=extra), caller=OPERATOR)
    assert report.config["strategy_type"] == strategy


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"strategyType": 1, "slippage": 2}, "expected strategyType only, received 'slippage'"),
        ("Spot", "expected an object such as"),
    ],
)
async def test_other_extra_params_are_refused(world, extra, message):
    with pytest.raises(ConfigError) as raised:
        await world.service.create(world.lp_config(extra_params=extra), caller=OPERATOR)
    assert message in str(raised.value)
    assert world.count() == 0
