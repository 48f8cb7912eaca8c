"""``lpexec serve`` restarted with LP executors and an order executor running: they run again
after it (resumed from the store), none is cleaned up, the paper chain has no duplicate position
and the paper exchange no duplicate order (their state files)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.paper_runtime import CHILD_ENV, ROOT, free_port
from lpexec.app.api import TokenStore
from lpexec.app.paper_market import PaperMarkets
from lpexec.core import Database, LiveClock, SimulatedClock
from lpexec.paper.chain.chain import PaperChain

from .api_server import lp_config, order_config

WALL = LiveClock()


def start_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """``python -m lpexec serve`` as a child process, its store and paper venues in ``folder``."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lpexec",
            "serve",
            "--port",
            str(port),
            "--database",
            f"sqlite:///{folder / 'lpexec.db'}",
            "--paper-state",
            str(folder / "paper-gateway.json"),
            "--exchange-state",
            str(folder / "paper-exchange.json"),
            "--interval",
            "0.2",
        ],
        cwd=ROOT,
        env={key: value for key, value in CHILD_ENV.items() if not key.startswith("LPEXEC_API_")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for(
        lambda: _health(port) or process.poll() is not None,
        what="the server to answer",
    )
    if process.poll() is not None:
        raise AssertionError(f"lpexec serve exited: {process.stderr.read().decode()[-2000:]}")
    return process


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a supervisor restarting it does; wait for a clean exit."""
    process.send_signal(signal.SIGTERM)
    try:
        _, errors = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, errors.decode()[-2000:]


def _health(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(condition: Callable[[], Any], *, what: str, within: float = 30.0) -> Any:
    deadline = WALL.monotonic() + within
    while WALL.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {what} within {within} s")


def open_orders(folder: Path) -> list[str]:
    """The paper exchange's open orders in its state file (client order ids)."""
    data = json.loads((folder / "paper-exchange.json").read_text(encoding="utf-8"))
    markets = PaperMarkets.from_dict(data)
    return sorted(order.client_order_id for order in markets.exchange.open_orders())


def open_positions(folder: Path) -> dict[str, Any]:
    """The paper chain's positions in its state file: open ones, and every one ever opened."""
    chain = PaperChain.load(folder / "paper-gateway.json", clock=SimulatedClock())
    records = chain.state.position_records.values()
    return {
        "open": sorted(r.address for r in records if not r.is_closed),  # type: ignore[dict-item]
        "ever": len(records),
    }


@pytest.mark.slow
def test_running_lp_executors_run_again_after_a_restart_without_duplicate_positions(tmp_path):
    # Arrange: an operator token in the store, the server, two LP executors in range
    database = Database.open(f"sqlite:///{tmp_path / 'lpexec.db'}")
    token = TokenStore(database).create(controller_id=None)[1]
    database.close()
    port = free_port()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"http://127.0.0.1:{port}"
    first = start_server(tmp_path, port)
    try:
        ids = [
            httpx.post(
                f"{base}/executors/",
                json={"executor_config": lp_config(), "controller_id": controller},
                headers=headers,
                timeout=30,
            ).json()["executor_id"]
            for controller in ("restart-1", "restart-2")
        ]
        order_id = httpx.post(
            f"{base}/executors/",
            json={"executor_config": order_config(), "controller_id": "restart-cex"},
            headers=headers,
            timeout=30,
        ).json()["executor_id"]

        def trading() -> list[dict[str, Any]] | None:
            found = [
                httpx.get(f"{base}/executors/{i}", headers=headers, timeout=10).json() for i in ids
            ]
            return found if all(item["is_trading"] for item in found) else None

        before = wait_for(trading, what="both positions open")
    finally:
        stop_server(first)
    addresses = sorted(item["custom_info"]["position_address"] for item in before)
    assert open_positions(tmp_path) == {"open": addresses, "ever": 2}
    orders_before = open_orders(tmp_path)
    assert len(orders_before) == 1

    # Act: start again on the same store and chain
    second = start_server(tmp_path, port)
    try:
        after = [
            httpx.get(f"{base}/executors/{i}", headers=headers, timeout=10).json() for i in ids
        ]
        order = httpx.get(f"{base}/executors/{order_id}", headers=headers, timeout=10).json()
        time.sleep(1.0)  # a few driver steps on the resumed executors
        search = httpx.post(f"{base}/executors/search", json={}, headers=headers, timeout=10).json()
        stopped = httpx.post(f"{base}/executors/{ids[0]}/stop", json={}, headers=headers)
        assert stopped.status_code == 200
        wait_for(
            lambda: (
                httpx.get(f"{base}/executors/{ids[0]}", headers=headers).json()["status"]
                == "TERMINATED"
            ),
            what="the stopped executor to end",
        )
    finally:
        stop_server(second)

    # Assert: RUNNING again with the same positions, nothing cleaned up or opened twice
    for old, new in zip(before, after, strict=True):
        assert new["status"] == "RUNNING" and new["close_type"] is None
        assert new["is_trading"] is True
        assert new["custom_info"]["position_address"] == old["custom_info"]["position_address"]
    assert order["status"] == "RUNNING" and order["close_type"] is None
    assert search["pagination"]["total_count"] == 3
    assert {row["status"] for row in search["data"]} == {"RUNNING"}
    remaining = before[1]["custom_info"]["position_address"]
    assert open_positions(tmp_path) == {"open": [remaining], "ever": 2}
    assert open_orders(tmp_path) == orders_before  # the resting order, not placed again


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_a_server_killed_while_opening_resumes_without_duplicate_or_lost_positions(tmp_path, seed):
    # Arrange: the server with three LP executors being created, killed (SIGKILL) at a seeded
    # moment while their opens are in flight or just done
    database = Database.open(f"sqlite:///{tmp_path / 'lpexec.db'}")
    token = TokenStore(database).create(controller_id=None)[1]
    database.close()
    port = free_port()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"http://127.0.0.1:{port}"
    first = start_server(tmp_path, port)
    ids = []
    try:
        for n in range(3):
            ids.append(
                httpx.post(
                    f"{base}/executors/",
                    json={"executor_config": lp_config(), "controller_id": f"kill-{n}"},
                    headers=headers,
                    timeout=30,
                ).json()["executor_id"]
            )
        time.sleep(random.Random(seed).uniform(0.0, 1.0))
    finally:
        first.kill()
        first.communicate(timeout=30)

    # Act: start again on the same store and chain; wait until every executor is trading
    second = start_server(tmp_path, port)
    try:

        def trading() -> list[dict[str, Any]] | None:
            found = [
                httpx.get(f"{base}/executors/{i}", headers=headers, timeout=10).json() for i in ids
            ]
            return found if all(item["is_trading"] for item in found) else None

        after = wait_for(trading, what="every position open after the restart", within=60)
    finally:
        stop_server(second)

    # Assert: one position per executor on the chain, each claimed by its executor, none twice
    addresses = sorted(item["custom_info"]["position_address"] for item in after)
    assert len(set(addresses)) == 3
    assert {item["status"] for item in after} == {"RUNNING"}
    assert open_positions(tmp_path) == {"open": addresses, "ever": 3}
