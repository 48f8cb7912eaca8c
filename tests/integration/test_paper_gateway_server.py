"""The paper Gateway as a real HTTP server on 127.0.0.1: uvicorn in a thread, and ``serve()``
in a subprocess that saves its state on SIGTERM and resumes from it."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fixtures.paper_runtime import (
    CHILD_ENV,
    OPEN_POSITION,
    ROOT,
    dlmm_pool,
    free_port,
    open_position_body,
    serve_in_thread,
    wait_until_up,
)
from lpexec.paper.gateway import build_paper_gateway


@pytest.fixture
def served() -> Iterator[tuple[str, object]]:
    gateway = build_paper_gateway(seed=8)
    with serve_in_thread(gateway) as base_url:
        yield base_url, gateway


def test_real_socket_round_trip(served: tuple[str, object]) -> None:
    base_url, gateway = served
    pool = dlmm_pool(gateway)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        status = client.get("/chains/solana/status").json()
        opened = client.post(OPEN_POSITION, json=open_position_body(pool)).json()
        info = client.get(
            "/connectors/meteora/clmm/position-info",
            params={"positionAddress": opened["data"]["positionAddress"]},
        )
        docs = client.get("/docs/json").json()
        rpc = client.post("/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "getSlot"}).json()
    assert status["chain"] == "solana" and status["currentBlockNumber"] >= 380_000_000
    assert opened["status"] == 1  # waited one 400 ms slot on the wall clock
    assert info.status_code == 200 and info.json()["poolAddress"] == pool
    assert docs["info"]["version"] == "2.13.0"
    assert rpc["result"] >= status["currentBlockNumber"]


def _start(port: int, state: Path) -> subprocess.Popen[bytes]:
    code = (
        "from lpexec.paper.gateway import serve; "
        f"serve(port={port}, seed=3, state_file={str(state)!r}, log_level='warning')"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=CHILD_ENV,
    )


def _stop(process: subprocess.Popen[bytes], sig: int) -> int:
    process.send_signal(sig)
    return process.wait(timeout=20)


@pytest.mark.slow
def test_serve_saves_state_on_signal_and_resumes(tmp_path: Path) -> None:
    state = tmp_path / "paper.json"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = _start(port, state)
    try:
        wait_until_up(base_url)
        with httpx.Client(base_url=base_url, timeout=30) as client:
            pools = client.get("/pools/", params={"connector": "meteora"}).json()
            opened = client.post(OPEN_POSITION, json=open_position_body(pools[0]["address"])).json()
    finally:
        exit_code = _stop(process, signal.SIGTERM)
    assert exit_code == 0
    assert state.exists()
    position = opened["data"]["positionAddress"]
    assert position in state.read_text()
    process = _start(port, state)
    try:
        wait_until_up(base_url)
        info = httpx.get(
            f"{base_url}/connectors/meteora/clmm/position-info",
            params={"positionAddress": position},
        )
    finally:
        second_exit = _stop(process, signal.SIGINT)
    assert info.status_code == 200
    assert second_exit == 0
