"""The serve command's pieces: risk options, the runtime driver (prices in, paper minutes played),
the WebSocket heartbeat and pushes only on change, and the package facade."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
from decimal import Decimal

import pytest
import websockets

import lpexec.app.api as api
from fixtures.cli import invoke
from lpexec.app.api import RuntimeDriver
from lpexec.app.cex_runtime import open_cex_runtime
from lpexec.app.cli.hosting import runs_executors
from lpexec.app.cli.serve import ServeOptions, build_service, risk_engine_of
from lpexec.app.runtime import open_lp_runtime
from lpexec.app.service import Caller
from lpexec.core import ConfigError, SimulatedClock

from .api_server import SOL_POOL, lp_config, running_server

T0 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def test_serve_listens_on_loopback_by_default():
    assert ServeOptions().host == "127.0.0.1"


def test_serve_runs_the_executors_itself_unless_told_the_workers_do(tmp_path):
    refused = invoke(
        "serve",
        "--executors",
        "elsewhere",
        env={"LPEXEC_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"},
    )
    assert ServeOptions().run_executors
    assert (runs_executors("here"), runs_executors("workers")) == (True, False)
    assert refused.exit_code == 2 and "Traceback" not in refused.stderr
    assert "--executors" in refused.stderr and "expected here or" in refused.stderr
    assert "'elsewhere'" in refused.stderr
    assert not (tmp_path / "s.db").exists()


def test_risk_options_become_limits_and_bad_ones_are_refused():
    engine = risk_engine_of(("max_open_executors=2", "max_single_order_quote = 500"))
    assert engine is not None
    assert engine.limits.max_open_executors == 2
    assert engine.limits.max_single_order_quote == Decimal(500)
    assert risk_engine_of(()) is None
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        risk_engine_of(("max_open_executors",))
    with pytest.raises(ConfigError, match="max_teleports"):
        risk_engine_of(("max_teleports=1",))


async def test_the_driver_delivers_pool_prices_to_lp_executors(tmp_path):
    lp = await open_lp_runtime(
        database_url=f"sqlite:///{tmp_path / 'lp.db'}", clock=SimulatedClock(T0)
    )
    try:
        service = build_service(lp=lp, cex=None, risk=None)
        created = await service.create(lp_config(), caller=Caller(), controller_id="driven")
        before = (await service.get(created.executor_id, caller=Caller())).custom_info["price"]
        assert lp.gateway is not None
        lp.gateway.chain.move_pool_to_price(SOL_POOL, Decimal(181), 0)
        driver = RuntimeDriver(lp=lp, cex=None, wall_clock=lp.clock)

        await driver.step()

        after = (await service.get(created.executor_id, caller=Caller())).custom_info["price"]
        assert before != after and after == pytest.approx(181, rel=1e-3)
        assert driver.failures == 0 and driver.steps == 1
    finally:
        await lp.aclose()


async def test_the_driver_plays_the_paper_minutes_the_wall_clock_passed(tmp_path):
    wall = SimulatedClock(T0)
    cex = await open_cex_runtime(database_url=f"sqlite:///{tmp_path / 'cex.db'}", wall_clock=wall)
    try:
        assert cex.paper is not None
        start = cex.paper.paper_time
        driver = RuntimeDriver(lp=None, cex=cex, wall_clock=wall)

        await driver.step()  # no wall time passed: nothing played
        unchanged = cex.paper.paper_time
        wall.advance(10 * 60 + 30)
        await driver.step()

        assert unchanged == start
        assert cex.paper.paper_time == start + dt.timedelta(minutes=10)
        assert driver.failures == 0
    finally:
        await cex.aclose()


async def test_the_driver_runs_until_stopped(tmp_path):
    wall = SimulatedClock(T0)
    cex = await open_cex_runtime(database_url=f"sqlite:///{tmp_path / 'cex.db'}", wall_clock=wall)
    try:
        driver = RuntimeDriver(lp=None, cex=cex, wall_clock=wall, interval_seconds=60)
        stop = asyncio.Event()
        running = asyncio.create_task(driver.run(stop))
        for _ in range(10_000):  # a simulated sleep returns at once: a few loop turns
            if driver.steps >= 3:
                break
            await asyncio.sleep(0)
        stop.set()
        await asyncio.wait_for(running, timeout=10)
        assert cex.paper is not None
        assert cex.paper.paper_time >= T0 + dt.timedelta(minutes=2)
    finally:
        await cex.aclose()


async def test_the_websocket_sends_heartbeats_and_pushes_only_on_change(tmp_path, operator_env):
    async with running_server(tmp_path, heartbeat_seconds=0.4) as server:
        url = server.base_url.replace("http://", "ws://") + "/ws/executors"
        token = server.token(None)
        async with websockets.connect(f"{url}?token={token}") as socket:
            assert json.loads(await socket.recv())["type"] == "connected"
            await socket.send(
                json.dumps(
                    {"action": "subscribe", "type": "executor_summary", "update_interval": 0.5}
                )
            )
            assert json.loads(await socket.recv())["type"] == "subscribed"
            assert json.loads(await socket.recv())["type"] == "executor_summary"

            # Act: 1.8 s of nothing changing (three summary reads, four heartbeats)
            seen = []
            try:
                async with asyncio.timeout(1.8):
                    while True:
                        seen.append(json.loads(await socket.recv())["type"])
            except TimeoutError:
                pass

        # Assert: heartbeats only; the unchanged summary was not pushed again
        assert seen and set(seen) == {"heartbeat"}


def test_the_facade_exports_its_public_names():
    public = {
        name
        for name, value in vars(api).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert sorted(api.__all__) == list(api.__all__)
    assert set(api.__all__) == public
