"""Get, logs and stop through the service: finished executors answer their state, logs are
kept after completion, and a scoped caller can neither read nor stop another's executor."""

from __future__ import annotations

import pytest

from lpexec.app.service import Caller
from lpexec.core import ConfigError, UnknownExecutorError

OPERATOR = Caller()


async def test_stop_flattens_then_a_second_stop_answers_already_terminated(world):
    report = await world.create_lp(controller_id="bot-a")
    stopping = await world.service.stop(report.executor_id, caller=Caller("bot-a"))
    await world.runtime.settle()
    again = await world.service.stop(report.executor_id, caller=Caller("bot-a"))
    detail = await world.service.get(report.executor_id, caller=Caller("bot-a"))
    assert (stopping.status, stopping.keep_position, stopping.close_type) == (
        "stopping",
        False,
        "EARLY_STOP",
    )
    assert (again.status, again.close_type, again.executor_status) == (
        "already_terminated",
        "EARLY_STOP",
        "TERMINATED",
    )
    assert (detail.status, detail.close_type, detail.is_active) == (
        "TERMINATED",
        "EARLY_STOP",
        False,
    )
    assert detail.close_timestamp is not None
    logs = await world.service.logs(report.executor_id, caller=Caller("bot-a"))
    assert "stop requested by controller 'bot-a', keep_position=False" in [
        entry.message for entry in logs.logs
    ]
    assert detail.custom_info["position_rent_refunded"] == detail.custom_info["position_rent"] > 0


async def test_stop_with_keep_position_holds(world):
    report = await world.create_lp()
    result = await world.service.stop(report.executor_id, caller=OPERATOR, keep_position=True)
    await world.runtime.settle()
    detail = await world.service.get(report.executor_id, caller=OPERATOR)
    assert (result.keep_position, detail.close_type) == (True, "POSITION_HOLD")


async def test_logs_tell_the_life_and_are_kept_after_completion(world):
    report = await world.create_lp()
    await world.service.stop(report.executor_id, caller=OPERATOR)
    await world.runtime.settle()
    page = await world.service.logs(report.executor_id, caller=OPERATOR)
    messages = [entry.message for entry in page.logs]
    assert messages == [
        "started: status ACTIVE",
        "stop requested by the operator, keep_position=False",
        "status ACTIVE -> CLOSING, close type EARLY_STOP",
        "status CLOSING -> TERMINATED, close type EARLY_STOP",
    ]
    assert page.total_count == 4
    assert [entry.timestamp for entry in page.logs] == sorted(e.timestamp for e in page.logs)
    last = await world.service.logs(report.executor_id, caller=OPERATOR, limit=1, level="info")
    assert ([e.message for e in last.logs], last.total_count) == ([messages[-1]], 4)
    none = await world.service.logs(report.executor_id, caller=OPERATOR, level="ERROR")
    assert (none.logs, none.total_count) == ([], 0)


async def test_an_unknown_log_level_is_refused(world):
    report = await world.create_lp()
    with pytest.raises(ConfigError) as raised:
        await world.service.logs(report.executor_id, caller=OPERATOR, level="LOUD")
    assert "level: expected one of INFO, WARNING, ERROR, received 'LOUD'" in str(raised.value)


async def test_an_open_executor_no_runtime_here_runs_answers_not_running(world):
    order = world.save_order(controller_id="main", status="ACTIVE")
    result = await world.service.stop(order.id, caller=OPERATOR)
    assert (result.status, result.executor_status) == ("not_running", "RUNNING")
    assert "no runtime attached to this service runs its type" in str(result.detail)
    assert world.store.get_executor(order.id).status.value == "ACTIVE"


async def test_a_finished_executor_of_another_runtime_reads_in_full(world):
    order = world.save_order(controller_id="main", status="TERMINATED")
    detail = await world.service.get(order.id, caller=OPERATOR)
    stop = await world.service.stop(order.id, caller=OPERATOR)
    assert (detail.executor_type, detail.status, detail.connector_name) == (
        "order_executor",
        "TERMINATED",
        "paper",
    )
    assert detail.custom_info["state"] and "order_id" in detail.custom_info
    assert (stop.status, stop.close_type) == ("already_terminated", "EARLY_STOP")


@pytest.mark.parametrize("method", ["get", "logs", "stop"])
async def test_another_controllers_executor_reads_as_unknown_and_stays_as_it_was(world, method):
    report = await world.create_lp(controller_id="bot-b")
    before = world.store.get_executor(report.executor_id)
    logs_before = world.store.executor_logs(report.executor_id)
    call = getattr(world.service, method)
    with pytest.raises(UnknownExecutorError) as raised:
        await call(report.executor_id, caller=Caller("bot-a"))
    await world.runtime.settle()
    after = world.store.get_executor(report.executor_id)
    assert raised.value.executor_id == report.executor_id
    assert (after.status, after.close_type) == (before.status, before.close_type)
    assert (after.status.value, after.close_type) == ("ACTIVE", None)
    assert world.store.executor_logs(report.executor_id) == logs_before


@pytest.mark.parametrize("method", ["get", "logs", "stop"])
async def test_an_unknown_id_is_unknown(world, method):
    with pytest.raises(UnknownExecutorError):
        await getattr(world.service, method)("no-such-executor", caller=OPERATOR)
