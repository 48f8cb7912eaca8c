"""The risk gate on every create through the service: the four checks of the seeds over every
open executor of the shared store (whichever runtime runs it), running totals in a batch, fail
closed, unknown limit keys refused; a refused create leaves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from lpexec.app.service import Caller, RiskGate, risk_engine_from
from lpexec.core import ConfigError, RiskRejectedError
from lpexec.lp import LPExecutorConfig

OPERATOR = Caller()


async def test_max_open_executors_counts_the_open_executors_of_every_runtime(world):
    # Arrange: one LP running here, one order open in the CEX runtime's rows, one order done
    service = world.with_risk(risk_engine_from({"max_open_executors": 2}))
    await world.create_lp()
    world.save_order(controller_id="main", status="ACTIVE")
    world.save_order(controller_id="main", status="TERMINATED")
    before = world.count()
    # Act
    with pytest.raises(RiskRejectedError) as raised:
        await service.create(world.lp_config(), caller=OPERATOR)
    # Assert
    assert str(raised.value) == "max_open_executors: 3 would exceed 2"
    assert raised.value.limit == "max_open_executors"
    assert world.count() == before


async def test_a_batch_keeps_running_totals_and_refuses_only_what_exceeds(world):
    service = world.with_risk(risk_engine_from({"max_position_size_quote": 50}))
    configs = [world.lp_config(quote_amount=amount) for amount in ("20", "20", "20", "5")]
    outcomes = await service.create_batch(configs, caller=Caller("bot-a"))
    assert [outcome.error is None for outcome in outcomes] == [True, True, False, True]
    assert outcomes[2].limit == "max_position_size_quote"
    assert outcomes[2].error == "max_position_size_quote: 60.00 would exceed 50.00"
    assert outcomes[3].report is not None and outcomes[3].report.controller_id == "bot-a"
    assert world.count() == 3


async def test_max_single_order_quote_values_the_base_amount_at_the_last_price(world):
    service = world.with_risk(risk_engine_from({"max_single_order_quote": 100}))
    world.runtime.engine.publish_price("SOL-USDC", Decimal(180))
    config = world.lp_config(side=0, base_amount="1", quote_amount="20")
    with pytest.raises(RiskRejectedError) as raised:
        await service.create(config, caller=OPERATOR)
    assert str(raised.value) == "max_single_order_quote: 200.00 would exceed 100.00"
    assert world.count() == 0


async def test_a_base_amount_without_a_price_is_refused_fail_closed(world):
    service = world.with_risk(risk_engine_from({"max_position_size_quote": 1000}))
    config = world.lp_config(side=0, base_amount="1", quote_amount="20")
    with pytest.raises(RiskRejectedError) as raised:
        await service.create(config, caller=OPERATOR)
    assert raised.value.limit == "valuation"
    assert "expected a finite reference price > 0 for SOL-USDC" in str(raised.value)
    assert world.count() == 0


async def test_a_price_given_to_the_service_values_the_base_amount(world):
    service = world.with_risk(
        risk_engine_from({"max_position_size_quote": 1000}),
        prices=lambda pair: Decimal(180) if pair == "SOL-USDC" else None,
    )
    report = await service.create(
        world.lp_config(side=0, base_amount="1", quote_amount="20"), caller=OPERATOR
    )
    assert report.status == "RUNNING"


async def test_an_open_executor_whose_exposure_cannot_be_read_refuses_every_create(world):
    # Arrange: an open row of a type this build does not know (another build wrote it)
    service = world.with_risk(risk_engine_from({"max_open_executors": 10}))
    order = world.save_order(controller_id="main", status="ACTIVE")
    with world.store.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE executors SET type = 'teleport' WHERE executor_id = :id"), {"id": order.id}
        )
    # Act
    with pytest.raises(RiskRejectedError) as raised:
        await service.create(world.lp_config(), caller=OPERATOR)
    # Assert
    assert raised.value.limit == "valuation"
    assert f"open executor {order.id!r} has unknown type 'teleport'" in str(raised.value)


async def test_the_risk_engine_refuses_a_create_for_another_controller_even_past_scope(world):
    # The service's scope check comes first; the gate checks the controller id again.
    gate = RiskGate(
        risk_engine_from({"max_open_executors": 5}),
        config_classes={"lp": LPExecutorConfig},
        price=lambda _pair: None,
    )
    config = LPExecutorConfig(
        pool_address=world.pool,
        trading_pair="SOL-USDC",
        lower_price=Decimal(176),
        upper_price=Decimal(184),
        quote_amount=Decimal(10),
        side=1,
        controller_id="bot-b",
    )
    (decision,) = gate.check(
        [config], caller_controller_id="bot-a", open_executors=list, live=lambda _id: None
    )
    assert (decision.approved, decision.limit) == (False, "controller_id")
    assert decision.reason == "controller_id: request has 'bot-b' but the caller is 'bot-a'"


def test_unknown_limit_keys_are_refused():
    with pytest.raises(ConfigError) as raised:
        risk_engine_from({"max_open_executors": 2, "max_leverage": 3})
    assert "received unknown 'max_leverage'" in str(raised.value)


async def test_without_limits_the_scope_still_decides(world):
    report = await world.service.create(world.lp_config(), caller=Caller("bot-a"))
    assert report.controller_id == "bot-a"


async def test_a_refused_config_in_a_batch_does_not_stop_the_others(world):
    service = world.with_risk(risk_engine_from({"max_open_executors": 2}))
    configs = [world.lp_config(), {"type": "lp_executor"}, world.lp_config(), world.lp_config()]
    outcomes = await service.create_batch(configs, caller=OPERATOR, controller_id="bot-a")
    created = [o.executor_id for o in outcomes if o.report is not None]
    assert [o.report is not None for o in outcomes] == [True, False, True, False]
    assert outcomes[1].executor_id is None and "lower_price" in str(outcomes[1].error)
    assert outcomes[3].error == "max_open_executors: 3 would exceed 2"
    assert outcomes[3].executor_id is not None
    assert world.store.get_executor(outcomes[3].executor_id) is None
    assert sorted(r.executor_id for r in world.store.list_executors()) == sorted(created)
