"""Workers run CEX executors on a shared paper exchange server: with its URL the worker's engine
holds the Gateway venues and the exchange's (``paper``, ``paper_perpetual``) and runs the
exchange types too; an API beside the workers then accepts CEX creates (refused without the URL),
a perpetual executor's leverage reaches the exchange with its first open, and stops cancel and
close on the exchange. Without the URL nothing changes."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest

from fixtures.cli import invoke
from fixtures.paper_runtime import free_port
from lpexec.app.cli.hosting import handing_off_service
from lpexec.app.paper_exchange import PaperExchangeHost
from lpexec.app.registry import CEX_TYPES, GATEWAY_TYPES
from lpexec.app.runtime import open_lp_runtime
from lpexec.app.service import Caller
from lpexec.app.worker import Worker, WorkerSettings
from lpexec.app.worker_runtime import (
    EXCHANGE_URL_ENV,
    GATEWAY_VENUE_KEYS,
    open_worker_runtime,
    paper_exchange_url,
)
from lpexec.cex import PositionExecutorConfig
from lpexec.core import ConfigError, LiveClock, SimulatedClock
from lpexec.paper.exchange_server import make_exchange_server

OPERATOR = Caller()
PAIR = "SOL-USDT"


def order_config(price: str) -> dict:
    return {
        "type": "order_executor",
        "connector_name": "paper",
        "trading_pair": PAIR,
        "side": "BUY",
        "amount": "0.1",
        "price": price,
        "execution_strategy": "LIMIT",
    }


POSITION = {
    "type": "position_executor",
    "connector_name": "paper_perpetual",
    "trading_pair": PAIR,
    "side": "BUY",
    "amount": "0.1",
    "leverage": 5,
    "triple_barrier_config": {"open_order_type": "MARKET", "time_limit": 3600},
}


@contextmanager
def served(host: PaperExchangeHost) -> Iterator[str]:
    """``host`` on a free loopback port in a thread; yields its URL."""
    port = free_port()
    server = make_exchange_server(host.app, port=port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def test_a_worker_runs_cex_executors_an_api_beside_it_created(sqlite_url):
    # Arrange: the paper exchange served, a worker on it, an API handing off on the same store
    host = PaperExchangeHost.open(seed=2)
    with served(host) as url:
        runs = await open_worker_runtime(database_url=sqlite_url, exchange_url=url)
        api = await open_lp_runtime(database_url=sqlite_url, hand_off=True, clock=LiveClock())
        service = handing_off_service(lp=api, risk=None, exchange_url=url)
        worker = Worker(
            runs.engine,
            poll=runs.poll,
            settings=WorkerSettings(ttl_seconds=10, heartbeat_seconds=1),
            types=runs.types,
        )
        try:
            # Act: create through the API, let the worker claim and tick
            order = await service.create(order_config("100"), caller=OPERATOR)
            position = await service.create(POSITION, caller=OPERATOR)
            await worker.heartbeat()
            for _ in range(3):
                await worker.tick()
            resting = host.markets.exchange.open_orders(PAIR)
            held = host.markets.perpetual.positions()
            running = await service.get(order.executor_id, caller=OPERATOR)
            # and stop both through the API
            await service.stop(order.executor_id, caller=OPERATOR)
            await service.stop(position.executor_id, caller=OPERATOR)
            await worker.heartbeat()
            for _ in range(3):
                await worker.tick()
            stopped = [await service.get(e.executor_id, caller=OPERATOR) for e in (order, position)]
        finally:
            await worker.stop()
            await api.aclose()
            await runs.aclose()
    # Assert: the worker placed both (the perpetual at 5x), then canceled and closed them
    assert runs.types == GATEWAY_TYPES | CEX_TYPES and worker.claimed == 2
    assert [o.price for o in resting] == [Decimal(100)]
    assert [(p.side, p.amount, p.leverage) for p in held] == [("LONG", Decimal("0.1"), 5)]
    assert running.status == "RUNNING"
    assert [(s.status, s.close_type) for s in stopped] == [("TERMINATED", "EARLY_STOP")] * 2
    assert host.markets.exchange.open_orders() == []
    assert host.markets.perpetual.positions() == []


async def test_without_an_exchange_url_a_worker_runs_the_gateway_types_only(sqlite_url):
    runs = await open_worker_runtime(database_url=sqlite_url)
    try:
        assert runs.types == GATEWAY_TYPES
        assert runs.engine is runs.lp.engine and runs.exchange_venues == {}
        for key in GATEWAY_VENUE_KEYS:  # the keys a worker with an exchange takes over
            assert runs.lp.engine.venue(key) is not None
    finally:
        await runs.aclose()


async def test_the_api_beside_workers_refuses_cex_creates_without_the_exchange_url(sqlite_url):
    api = await open_lp_runtime(database_url=sqlite_url, hand_off=True)
    try:
        service = handing_off_service(lp=api, risk=None)
        with pytest.raises(ConfigError, match="no runtime here runs it"):
            await service.create(order_config("100"), caller=OPERATOR)
    finally:
        await api.aclose()


def test_the_exchange_url_comes_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.setenv(EXCHANGE_URL_ENV, "http://127.0.0.1:8711/")
    assert paper_exchange_url() == "http://127.0.0.1:8711"
    assert paper_exchange_url("http://other:1") == "http://other:1"
    monkeypatch.setenv(EXCHANGE_URL_ENV, " ")
    assert paper_exchange_url() is None


def test_a_worker_refuses_an_exchange_url_that_is_not_one_in_one_line(tmp_path):
    result = invoke(
        "worker",
        "--exchange-url",
        "localhost:8711",
        env={"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path}/w.db"},
    )
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "--exchange-url" in result.stderr and "'localhost:8711'" in result.stderr
    assert not (tmp_path / "w.db").exists()


async def test_workers_holding_parts_of_one_perpetual_position_each_get_their_part_of_funding(
    tmp_path,
):
    # Arrange: the paper exchange on a wall clock the test moves; two workers (each its own
    # store: they know nothing of each other) each open a long on the perpetual market
    wall = SimulatedClock(LiveClock().now())
    host = PaperExchangeHost.open(seed=3, wall=wall)
    with served(host) as url:
        workers = [
            await open_worker_runtime(
                database_url=f"sqlite:///{tmp_path}/w{i}.db", exchange_url=url
            )
            for i in (1, 2)
        ]
        try:
            for runs, (executor_id, amount) in zip(
                workers, (("one", "0.1"), ("two", "0.3")), strict=True
            ):
                config = {**POSITION, "id": executor_id, "amount": amount}
                await runs.engine.create(PositionExecutorConfig.model_validate(config))
                await runs.engine.drain()
            # Act: the wall moves past a funding time (8 h of paper time); each worker polls twice
            wall.advance(dt.timedelta(hours=8, minutes=1))
            for _ in range(2):
                for runs in workers:
                    await runs.poll()
            figures = [
                runs.engine.executor(eid).state.funding_quote
                for runs, eid in zip(workers, ("one", "two"), strict=True)
            ]
        finally:
            for runs in workers:
                await runs.aclose()
    # Assert: the exchange charged one long of 0.4 once; each worker's executor holds its part
    (paid,) = host.markets.perpetual.funding_payments(PAIR)
    assert (paid.position_side, paid.position_amount) == ("LONG", Decimal("0.4"))
    assert figures == [paid.amount / 4, paid.amount * 3 / 4]
    assert sum(figures) == paid.amount
