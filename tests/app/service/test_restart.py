"""A service over a runtime that restarted: running executors read RUNNING again, their logs
and the finished ones are still there, and they can be stopped."""

from __future__ import annotations

from lpexec.app.runtime import open_lp_runtime
from lpexec.app.service import Caller, ExecutorService, SearchFilters
from lpexec.paper.gateway.demo import demo_pool_address

OPERATOR = Caller()
LP = {
    "type": "lp_executor",
    "pool_address": demo_pool_address("meteora", "SOL", "USDC", 10),
    "trading_pair": "SOL-USDC",
    "lower_price": "176",
    "upper_price": "184",
    "quote_amount": "20",
    "side": "BUY",
    "swap_provider": "meteora/swap",
}


async def test_after_a_restart_the_service_reads_and_stops_the_resumed_executor(
    database_url, tmp_path
):
    # Arrange: a running and a finished executor, the runtime closed (its paper chain saved)
    state = str(tmp_path / "paper.json")
    first = await open_lp_runtime(database_url=database_url, paper_state_file=state)
    engines = {"lp": first.engine}
    service = ExecutorService(engines, first.engine.store)
    running = await service.create(LP, caller=Caller("bot-a"))
    done = await service.create(LP, caller=Caller("bot-a"))
    await first.settle()
    await service.stop(done.executor_id, caller=OPERATOR)
    await first.settle()
    await first.aclose()
    # Act
    again = await open_lp_runtime(database_url=database_url, paper_state_file=state)
    try:
        service = ExecutorService({"lp": again.engine}, again.engine.store)
        detail = await service.get(running.executor_id, caller=Caller("bot-a"))
        page = await service.search(
            SearchFilters(controller_ids=["bot-a"]), caller=OPERATOR, cursor=None, limit=10
        )
        logs = await service.logs(done.executor_id, caller=OPERATOR)
        stop = await service.stop(running.executor_id, caller=Caller("bot-a"))
        await again.settle()
        after = await service.get(running.executor_id, caller=OPERATOR)
    finally:
        await again.aclose()
    # Assert
    assert (detail.status, detail.stranded_reason) == ("RUNNING", None)
    assert detail.custom_info["state"] == "IN_RANGE"
    assert {item.executor_id: item.status for item in page.items} == {
        running.executor_id: "RUNNING",
        done.executor_id: "TERMINATED",
    }
    assert logs.logs[-1].message == "status CLOSING -> TERMINATED, close type EARLY_STOP"
    assert stop.status == "stopping"
    assert (after.status, after.close_type) == ("TERMINATED", "EARLY_STOP")
