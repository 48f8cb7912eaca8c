"""An API that runs no executors (``lpexec serve --executors workers``): its creates are stored
for a worker to claim, which opens the position; its stops are recorded for the worker holding
the executor, which closes it at its next heartbeat. Nothing is sent by the API's process."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from lpexec.app.cli.hosting import handing_off_service
from lpexec.app.runtime import open_lp_runtime
from lpexec.app.service import Caller
from lpexec.app.worker import Worker, WorkerSettings
from lpexec.core import ConfigError
from lpexec.core.clock import LiveClock
from lpexec.core.store import SqlStore, StopRequests

from .conftest import POOL, lp_config

OPERATOR = Caller()
ORDER = {
    "type": "order_executor",
    "connector_name": "paper",
    "trading_pair": "SOL-USDT",
    "side": "BUY",
    "amount": "1",
    "price": "100",
    "execution_strategy": "LIMIT",
}


async def test_creates_and_stops_reach_the_worker_that_runs_the_executor(database_url):
    # Arrange: a worker on the paper Gateway and an API beside it on the same store
    runs = await open_lp_runtime(database_url=database_url, start_engine=False)
    api = await open_lp_runtime(database_url=database_url, hand_off=True)
    worker = Worker(runs.engine, settings=WorkerSettings(ttl_seconds=10, heartbeat_seconds=1))
    service = handing_off_service(lp=api, risk=None)
    try:
        # Act: create through the API, then let the worker beat once
        created = await service.create(lp_config(), caller=Caller("bot-a"))
        handed = [e.id for e in api.engine.live_executors()]
        await worker.heartbeat()
        held = worker.held
        await runs.settle()
        running = await service.get(created.executor_id, caller=OPERATOR)
        opened = [p for p in runs.gateway.chain.positions_owned(runs.wallet)]
        stop = await service.stop(created.executor_id, caller=Caller("bot-a"))
        pending = StopRequests(api.database).pending([created.executor_id])
        await worker.heartbeat()
        await runs.settle()
        stopped = await service.get(created.executor_id, caller=OPERATOR)
        logs = await service.logs(created.executor_id, caller=OPERATOR)
        # Assert: the API ran nothing; the worker opened once and closed on the request
        assert handed == [] and api.gateway.chain.transactions() == []
        assert created.status == "RUNNING" and held == 1
        assert running.status == "RUNNING" and running.custom_info["position_address"]
        assert [p.pool_address for p in opened] == [POOL]
        assert (stop.status, stop.executor_status) == ("stopping", "RUNNING")
        assert [(r.executor_id, r.keep_position) for r in pending] == [(created.executor_id, False)]
        assert (stopped.status, stopped.close_type) == ("TERMINATED", "EARLY_STOP")
        assert runs.gateway.chain.positions_owned(runs.wallet) == []
        assert StopRequests(api.database).pending([created.executor_id]) == []
        with pytest.raises(ConfigError, match="no runtime here runs it"):
            await service.create(ORDER, caller=OPERATOR)  # no worker runs exchange types
        messages = [entry.message for entry in logs.logs]
        assert any("the worker running it stops it" in message for message in messages)
        opens = [tx for tx in runs.gateway.chain.transactions() if tx.operation == "open"]
        assert len(opens) == 1
    finally:
        await worker.stop()
        await api.aclose()
        await runs.aclose()


async def test_a_stopping_worker_keeps_its_leases_until_its_write_in_flight_is_answered(
    database_url,
):
    # Arrange: a worker with one-second leases, whose ticks wait half a second for a write, on a
    # paper Gateway whose opens take 2.5 s, and an API beside it that stores a create
    clock = LiveClock()
    runs = await open_lp_runtime(
        database_url=database_url, clock=clock, faults="open:slow=2500ms", start_engine=False
    )
    api = await open_lp_runtime(database_url=database_url, clock=clock, hand_off=True)
    settings = WorkerSettings(
        ttl_seconds=1, heartbeat_seconds=0.25, interval_seconds=0.25, max_write_wait_seconds=0.5
    )
    worker = Worker(runs.engine, settings=settings)
    service = handing_off_service(lp=api, risk=None)
    store = SqlStore(api.database)
    try:
        created = await service.create(lp_config(), caller=Caller("bot-a"))
        executor_id = created.executor_id
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        for _ in range(200):  # until the open is on its way (sent, not answered)
            if [i.status for i in store.open_intents(executor_ids=[executor_id])] == ["SENT"]:
                break
            await asyncio.sleep(0.05)
        # Act: stop the worker while its open is in flight
        stop.set()
        await asyncio.wait_for(running, timeout=30)
        # Assert: the open's answer was written by this worker (its lease outlived the TTL),
        # nothing is left for another worker to reconcile, and the lease is released
        record = store.get_executor(executor_id)
        assert runs.engine.leases_lost == 0
        assert store.open_intents(executor_ids=[executor_id]) == []
        assert record.load_snapshot()["state"]["position_address"]
        with api.database.connect() as connection:
            owner = connection.execute(
                text("SELECT lease_owner FROM executors WHERE executor_id = :id"),
                {"id": executor_id},
            ).scalar_one()
        assert owner is None
        opens = [tx for tx in runs.gateway.chain.transactions() if tx.operation == "open"]
        assert len(opens) == 1
    finally:
        await api.aclose()
        await runs.aclose()
