"""Summary, performance, held positions, types and config schemas through the service, scoped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.app.service import Caller, ScopeError, UnknownPositionError, clean_amount
from lpexec.core import ConfigError

OPERATOR = Caller()
HOLD = "solana-mainnet-beta/meteora/clmm"


async def held_lp(world, controller_id):
    """An LP of ``controller_id`` stopped holding its position."""
    report = await world.create_lp(controller_id=controller_id, side=0, base_amount="1")
    await world.service.stop(report.executor_id, caller=OPERATOR, keep_position=True)
    await world.runtime.settle()
    return report


async def test_summary_counts_the_active_executors_the_caller_sees(world):
    await world.create_lp(controller_id="bot-a")
    finished = await world.create_lp(controller_id="bot-a")
    await world.service.stop(finished.executor_id, caller=OPERATOR)
    await world.runtime.settle()
    world.save_order(controller_id="bot-b", status="ACTIVE", connector_name="binance")
    everyone = await world.service.summary(caller=OPERATOR)
    own = await world.service.summary(caller=Caller("bot-a"))
    assert everyone.total_active == 2
    assert everyone.by_type == {"lp_executor": 1, "order_executor": 1}
    assert everyone.by_connector == {"solana-mainnet-beta": 1, "binance": 1}
    assert everyone.by_status == {"RUNNING": 2}
    assert (own.total_active, own.by_type) == (1, {"lp_executor": 1})


async def test_performance_splits_realized_running_and_held(world):
    running = await world.create_lp(controller_id="bot-a")
    closed = await world.create_lp(controller_id="bot-a")
    await world.service.stop(closed.executor_id, caller=OPERATOR)
    await world.runtime.settle()
    held = await held_lp(world, "bot-a")
    await world.create_lp(controller_id="bot-b")
    report = await world.service.performance(caller=OPERATOR, controller_id="bot-a")
    stored = {
        r.executor_id: world.store.get_executor(r.executor_id) for r in (running, closed, held)
    }
    assert report.total_executors == 3
    assert report.by_status == {"RUNNING": 1, "TERMINATED": 2}
    # realized: the closed one, not the hold (amounts are shown to 18 places)
    assert report.pnl_total_quote == clean_amount(stored[closed.executor_id].net_pnl_quote)
    assert report.win_rate == (1 if report.pnl_total_quote > 0 else 0)
    assert report.sharpe_ratio is None  # one realized executor
    assert report.global_pnl_quote == report.pnl_total_quote + report.unrealized_pnl_quote
    assert report.active_positions == 1
    (by_type,) = report.by_type
    assert (by_type.executor_type, by_type.total, by_type.completed, by_type.running) == (
        "lp_executor",
        3,
        2,
        1,
    )
    assert report.fees_total_quote == clean_amount(sum(s.fees_paid_quote for s in stored.values()))


async def test_positions_of_a_controller_and_clearing_one(world):
    await held_lp(world, "bot-a")
    await held_lp(world, "bot-b")
    world.runtime.engine.publish_price("SOL-USDC", Decimal(180))
    everyone = await world.service.positions_summary(caller=OPERATOR)
    own = await world.service.positions_summary(caller=Caller("bot-a"))
    hold = await world.service.position(
        HOLD, "SOL-USDC", caller=Caller("bot-a"), controller_id="bot-a"
    )
    assert everyone.total_positions == 2 and own.total_positions == 1
    assert own.positions == [hold]
    assert hold.controller_id == "bot-a" and hold.executor_count == 1
    assert hold.unmatched_amount_base == abs(hold.net_amount_base) > 0
    assert hold.unrealized_pnl_quote is not None
    assert own.total_unrealized_pnl == hold.unrealized_pnl_quote
    cleared = await world.service.clear_position(
        HOLD, "SOL-USDC", caller=Caller("bot-a"), controller_id="bot-a"
    )
    assert (cleared.connector_name, cleared.trading_pair) == (HOLD, "SOL-USDC")
    with pytest.raises(UnknownPositionError):
        await world.service.position(HOLD, "SOL-USDC", caller=OPERATOR, controller_id="bot-a")
    assert (await world.service.positions_summary(caller=OPERATOR)).total_positions == 1
    # the engine's own ledger forgot it too (a later hold on the key starts afresh)
    assert [p.key.controller_id for p in world.runtime.engine.ledger.positions()] == ["bot-b"]


@pytest.mark.parametrize(
    ("connector", "pair", "account"),
    [
        (HOLD, "ETH-USDC", "master_account"),
        ("binance", "SOL-USDC", "master_account"),
        (HOLD, "SOL-USDC", "desk-2"),
    ],
)
async def test_a_position_that_is_not_held_is_a_lookup_error(world, connector, pair, account):
    await held_lp(world, "main")
    with pytest.raises(LookupError) as raised:
        await world.service.position(connector, pair, caller=OPERATOR, account_name=account)
    assert "No held position for" in str(raised.value)
    with pytest.raises(LookupError):
        await world.service.clear_position(connector, pair, caller=OPERATOR, account_name=account)
    assert (await world.service.positions_summary(caller=OPERATOR)).total_positions == 1


@pytest.mark.parametrize("method", ["performance", "positions_summary"])
async def test_a_scoped_caller_cannot_report_on_another_controller(world, method):
    with pytest.raises(ScopeError):
        await getattr(world.service, method)(caller=Caller("bot-a"), controller_id="bot-b")


@pytest.mark.parametrize("method", ["position", "clear_position"])
async def test_a_scoped_caller_cannot_read_or_clear_anothers_position(world, method):
    await held_lp(world, "bot-b")
    with pytest.raises(ScopeError):
        await getattr(world.service, method)(
            HOLD, "SOL-USDC", caller=Caller("bot-a"), controller_id="bot-b"
        )
    assert (await world.service.positions_summary(caller=OPERATOR)).total_positions == 1


def test_types_list_every_registered_type_by_both_names(world):
    types = {info.type: info for info in world.service.types()}
    assert {"lp_executor", "swap_executor", "order_executor"} <= set(types)
    assert types["lp_executor"].name == "lp" and types["lp_executor"].description


@pytest.mark.parametrize("name", ["lp_executor", "lp"])
def test_a_config_schema_lists_each_field_with_its_constraints(world, name):
    schema = world.service.config_schema(name)
    fields = {field.name: field for field in schema.fields}
    assert (schema.executor_type, schema.config_class) == ("lp_executor", "LPExecutorConfig")
    assert fields["pool_address"].required and not fields["keep_position"].required
    assert fields["lower_price"].type == "decimal"
    assert fields["lower_price"].constraints == {"exclusiveMinimum": 0.0}
    assert "meteora/clmm" in (fields["lp_provider"].enum_values or [])
    assert fields["keep_position"].default is False


def test_a_nested_model_is_listed_in_nested_types(world):
    schema = world.service.config_schema("order_executor")
    assert [f.name for f in schema.nested_types["LimitChaserConfig"]][:2] == [
        "distance",
        "refresh_threshold",
    ]


def test_an_unknown_type_has_no_schema(world):
    with pytest.raises(ConfigError) as raised:
        world.service.config_schema("teleport_executor")
    assert "executor_type: expected one of" in str(raised.value)


def test_every_registered_type_has_a_schema_with_typed_fields(world):
    for info in world.service.types():
        schema = world.service.config_schema(info.type)
        assert schema.executor_type == info.type and schema.fields
        assert all(field.type and field.type != "any" for field in schema.fields), info.type
        names = [field.name for field in schema.fields]
        assert "controller_id" in names and len(names) == len(set(names))
