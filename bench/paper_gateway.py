"""Benchmark: paper Gateway requests per second over a real loopback socket.

The paper Gateway (demo chain, clean mode, one open Meteora position) runs as a real uvicorn
server in a child process on 127.0.0.1, so that server and client do not share a GIL. One
httpx client with keep-alive sends sequential requests; after a warm-up, each route is timed
for a fixed duration. The headline is Meteora ``position-info``.

The last line prints the headline figure, e.g.
``paper_gateway: 1800 req/s (position-info, loopback)``.

Run: ``.venv/bin/python bench/paper_gateway.py [seconds per route]``
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout

import httpx  # noqa: E402

SERVER = (
    "from lpexec.paper.gateway import build_paper_gateway, make_server; "
    "gateway = build_paper_gateway(seed=7, mode='clean'); "
    "make_server(gateway, host='127.0.0.1', port={port}, log_level='error').run()"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(port=port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"Expected the paper Gateway on port {port} to start within 30 s")


def _rate(send: Callable[[], httpx.Response], seconds: float) -> float:
    for _ in range(200):  # warm-up: connections, caches, code paths
        send().raise_for_status()
    requests = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        send().raise_for_status()
        requests += 1
    return requests / (time.perf_counter() - start)


def main() -> None:
    """Run the benchmark and print the headline figure last."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    port = _free_port()
    process = _start_server(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            meteora = "/connectors/meteora/clmm"
            pool = client.get(
                f"{meteora}/fetch-pools", params={"tokenA": "SOL", "tokenB": "USDC"}
            ).json()[0]
            opened = client.post(
                f"{meteora}/open-position",
                json={
                    "poolAddress": pool["address"],
                    "lowerPrice": pool["price"] * 0.98,
                    "upperPrice": pool["price"] * 1.02,
                    "baseTokenAmount": 1,
                    "quoteTokenAmount": pool["price"],
                },
            )
            opened.raise_for_status()
            position = opened.json()["data"]["positionAddress"]
            others = {
                "health": lambda: client.get("/"),
                "status": lambda: client.get("/chains/solana/status"),
                "pool-info (139 bins)": lambda: client.get(
                    f"{meteora}/pool-info", params={"poolAddress": pool["address"]}
                ),
            }
            for name, send in others.items():
                print(f"{name}: {_rate(send, min(seconds, 2.0)):.0f} req/s")
            headline = _rate(
                lambda: client.get(
                    f"{meteora}/position-info", params={"positionAddress": position}
                ),
                seconds,
            )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    print(f"paper_gateway: {headline:.0f} req/s (position-info, loopback)")


if __name__ == "__main__":
    main()
