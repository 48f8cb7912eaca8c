"""A worker in process: it claims and runs handed-off executors, serves its metrics and health on
loopback, logs its ids as JSON fields, and a second worker on the same SQLite store is refused
with one line."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import httpx
import pytest

from fixtures.engine_builders import make_engine, make_venue
from fixtures.executors import BarrierOrderConfig
from fixtures.paper_runtime import free_port
from lpexec.app.logs import JsonLogFormatter
from lpexec.app.metrics import WorkerMetrics
from lpexec.app.worker import Worker, WorkerSettings, single_process
from lpexec.core import ConfigError, Database, SqlStore


async def test_a_worker_claims_runs_and_reports_handed_off_executors(sqlite_url, clock, tmp_path):
    # Arrange: three executors handed off by a creator
    database = Database.open(sqlite_url)
    venue = make_venue(tmp_path, clock)
    creator = make_engine(SqlStore(database), clock, venue, hand_off=True)
    for index in range(3):
        await creator.create(BarrierOrderConfig(amount=Decimal(1), id=f"o{index}"))
    engine = make_engine(SqlStore(database), clock, venue)
    worker = Worker(engine, settings=WorkerSettings(ttl_seconds=10, heartbeat_seconds=2))
    metrics = WorkerMetrics(worker)
    port = free_port()
    metrics.serve(port=port)
    try:
        assert not metrics.ready()
        # Act
        await worker.heartbeat()
        await worker.tick()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            body = (await client.get("/metrics")).text
            ready = (await client.get("/readyz")).status_code
        # Assert
        assert worker.held == 3 and engine.active_count == 3
        assert set(venue.executions().values()) == {1} and len(venue.executions()) == 3
        assert "lpexec_leases_held 3.0" in body
        assert 'lpexec_executors{status="ACTIVE",type="barrier_order"} 3.0' in body
        assert "lpexec_tick_seconds_count 1.0" in body
        assert 'lpexec_venue_seconds_count{command="PlaceOrder",venue="exchange"} 3.0' in body
        assert 'lpexec_reconciliations_total{result="landed"} 0.0' in body
        assert "lpexec_risk_rejections_total 0.0" in body
        assert ready == 200
        await worker.stop()
        assert worker.held == 0 and engine.active_count == 0
    finally:
        metrics.close()
        venue.close()
        database.close()


def test_a_second_worker_on_one_sqlite_store_is_refused_in_one_line(sqlite_url):
    database = Database.open(sqlite_url)
    with single_process(database):
        with pytest.raises(ConfigError) as refused:
            with single_process(database):
                pass
    assert "another lpexec worker or daemon is running on it" in str(refused.value)
    assert "\n" not in str(refused.value)
    with single_process(database):  # free again once the first one left
        pass
    database.close()


def test_json_logs_carry_the_ids_as_fields():
    record = logging.LogRecord(
        "lpexec.app.worker", logging.WARNING, __file__, 1, "worker %s lost %d", ("w1", 2), None
    )
    record.worker_id = "w1"
    record.executor_ids = ["e2", "e1"]
    line = json.loads(JsonLogFormatter().format(record))
    assert line["message"] == "worker w1 lost 2"
    assert (line["level"], line["worker_id"], line["executor_ids"]) == (
        "WARNING",
        "w1",
        ["e2", "e1"],
    )
    assert "controller_id" not in line and line["ts"].endswith("Z")
