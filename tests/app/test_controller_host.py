"""ControllerHost: executor handlers run on the paper exchange on a schedule, and resume after a
restart with their executors, cooldowns and sequence numbers (no duplicate creates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from fixtures.paper_runtime import open_paper_runtime
from lpexec.app.controller_host import ControllerHost, load_controllers, open_controller_host
from lpexec.app.daemon import Daemon, load_daemon_config
from lpexec.core import UTC, ConfigError, Database, RiskEngine, RiskLimits, SqlStore
from lpexec.core.clock import SimulatedClock

T0 = dt.datetime(2026, 5, 1, tzinfo=UTC)

MM: dict[str, Any] = {
    "controller_type": "market_making",
    "id": "mm",
    "connector_name": "paper",
    "trading_pair": "SOL-USDT",
    "total_amount_quote": "600",
    "buy_spreads": ["0.0005", "0.002"],
    "sell_spreads": ["0.0005", "0.002"],
    "executor_refresh_time": 300,
    "cooldown_time": 120,
    "stop_loss": "0.002",
    "take_profit": "0.001",
    "time_limit": 900,
    "take_profit_order_type": "MARKET",
}
DIRECTIONAL: dict[str, Any] = {
    "controller_type": "directional",
    "id": "dir",
    "connector_name": "paper_perpetual",
    "trading_pair": "SOL-USDT",
    "total_amount_quote": "300",
    "signal": "tests.app.controller_signals:long_then_short",
    "lookback": 30,
    "max_executors_per_side": 2,
    "cooldown_time": 240,
    "leverage": 3,
    "stop_loss": "0.05",
    "take_profit": "0.05",
    "time_limit": 3600,
    "take_profit_order_type": "MARKET",
}


class Session:
    """One daemon life on a SQLite file and a paper exchange state file."""

    def __init__(self, tmp: Path, tables: list[dict[str, Any]], wall: SimulatedClock) -> None:
        self.tmp, self.tables, self.wall = tmp, tables, wall
        self.lines: list[str] = []

    async def open(self, risk: RiskEngine | None = None) -> ControllerHost:
        return await open_controller_host(
            self.tables,
            database_url=f"sqlite:///{self.tmp / 'store.db'}",
            paper_state_file=self.tmp / "paper.json",
            wall_clock=self.wall,
            risk=risk,
            out=self.lines.append,
        )

    async def run(self, ticks: int, risk: RiskEngine | None = None) -> ControllerHost:
        host = await self.open(risk)
        try:
            for _ in range(ticks):
                self.wall.advance(60)
                self.lines += await host.tick()
        finally:
            await host.aclose()
        return host


def executors(tmp: Path) -> list[tuple[Any, ...]]:
    database = Database.open(f"sqlite:///{tmp / 'store.db'}")
    try:
        store = SqlStore(database)
        rows = store.list_executors(limit=10_000)
        return sorted(
            (
                row.executor_id,
                row.controller_id,
                row.load_config().get("level_id"),
                row.status.value,
                row.close_type,
                row.created_at,
                row.net_pnl_quote,
            )
            for row in rows
        )
    finally:
        database.close()


def saved_state(tmp: Path, controller_id: str) -> dict[str, Any] | None:
    database = Database.open(f"sqlite:///{tmp / 'store.db'}")
    try:
        return SqlStore(database).controller_state(controller_id)
    finally:
        database.close()


@pytest.mark.parametrize("table", [MM, DIRECTIONAL], ids=["market_making", "directional"])
async def test_a_restart_mid_run_ends_like_an_uninterrupted_run(tmp_path: Path, table) -> None:
    straight, split = tmp_path / "straight", tmp_path / "split"
    straight.mkdir()
    split.mkdir()
    await Session(straight, [table], SimulatedClock(T0)).run(26)
    wall = SimulatedClock(T0)
    first = Session(split, [table], wall)
    await first.run(11)
    second = Session(split, [table], wall)
    await second.run(15)
    made = executors(straight)
    assert len(made) >= 3, made  # the handler traded
    assert executors(split) == made
    assert saved_state(split, table["id"]) == saved_state(straight, table["id"])
    ids = [executor_id for executor_id, *_ in made]
    assert len(ids) == len(set(ids))


async def test_an_executor_created_before_a_crash_is_adopted_not_repeated(tmp_path: Path) -> None:
    wall = SimulatedClock(T0)
    session = Session(tmp_path, [MM], wall)
    await session.run(1)
    before = saved_state(tmp_path, "mm")
    assert before is not None and before["seq"] == 4  # four levels created
    # the crash: the creates were committed, the controller's state was not
    database = Database.open(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        store = SqlStore(database)
        with store.transaction() as unit:
            unit.save_controller_state(
                "mm", kind="market_making", state={"seq": 0, "controller": {}}, now=T0
            )
    finally:
        database.close()
    host = await session.open()
    try:
        wall.advance(60)
        lines = await host.tick()
    finally:
        await host.aclose()
    assert not any("created" in line for line in lines), lines  # the levels are working
    made = executors(tmp_path)
    assert [executor_id for executor_id, *_ in made] == ["mm-0", "mm-1", "mm-2", "mm-3"]


async def test_every_create_passes_the_risk_engine(tmp_path: Path) -> None:
    session = Session(tmp_path, [MM], SimulatedClock(T0))
    await session.run(1, risk=RiskEngine(RiskLimits.from_mapping({"max_open_executors": 2})))
    created = [line for line in session.lines if "created mm-" in line]
    refused = [line for line in session.lines if "create refused" in line]
    assert len(created) == 2 and len(refused) == 2
    assert "max_open_executors" in refused[0]


async def test_perpetual_setup_at_start(tmp_path: Path) -> None:
    session = Session(tmp_path, [DIRECTIONAL], SimulatedClock(T0))
    await session.run(0)
    assert "dir: SOL-USDT leverage 3, position mode HEDGE" in session.lines


def test_bad_tables_are_named() -> None:
    with pytest.raises(ConfigError) as caught:
        load_controllers([MM, {**MM, "buy_spreads": ["2"]}])
    assert "controller[1]" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_controllers([MM, MM])
    assert "expected unique ids" in str(caught.value)


CONTROLLER_TOML = """
[daemon]
interval_seconds = 60
cex_paper_state_file = "{state}"

[[controller]]
controller_type = "market_making"
id = "mm"
connector_name = "paper"
trading_pair = "SOL-USDT"
total_amount_quote = "600"
buy_spreads = ["0.0005"]
sell_spreads = ["0.0005"]
executor_refresh_time = 600
"""


async def test_the_daemon_runs_controller_tables_and_resumes_them(tmp_path: Path, clock) -> None:
    path = tmp_path / "daemon.toml"
    path.write_text(CONTROLLER_TOML.format(state=tmp_path / "cex.json"), encoding="utf-8")
    config = load_daemon_config(path)
    assert config.policies == [] and config.controllers[0]["id"] == "mm"
    lines: list[str] = []
    for life in range(2):
        runtime = await open_paper_runtime(tmp_path, database="d.db", clock=clock)
        daemon = Daemon(runtime, config, out=lines.append)
        await daemon.open_controllers()
        for _ in range(2):
            clock.advance(60)
            lines += await daemon.tick()
        await daemon.stop()
        await runtime.aclose()
        if life == 0:
            assert [line for line in lines if "created" in line] == [
                line for line in lines if line.startswith("mm: created mm-")
            ]
    created = [line for line in lines if "created mm-" in line]
    assert [line.split()[2] for line in created] == ["mm-0", "mm-1"]  # none after the restart


def test_a_bad_controller_table_in_the_daemon_config_is_named(tmp_path: Path) -> None:
    path = tmp_path / "daemon.toml"
    text = CONTROLLER_TOML.format(state="x").replace('buy_spreads = ["0.0005"]', "buy_spreads = 3")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_daemon_config(path)
    assert "controller[0]" in str(caught.value) and "buy_spreads" in str(caught.value)
