"""Benchmark: swaps per second in a paper DLMM pool where swaps cross bins.

A SOL-USDC pool (bin step 10) is seeded with a market position over 69 bins and a user
position over 21 bins (Curve). The benchmark sells base, then buys back with the quote
received, each swap large enough to cross two to three bins, with advancing timestamps so the
dynamic fee moves.

It also measures the paper Gateway: requests per second for Meteora ``position-info`` over a
real loopback socket (uvicorn on 127.0.0.1, one keep-alive httpx client, sequential requests)
against the demo chain with one open position.

The last line prints the headline figure, e.g.
``paper_pool: 52000 swaps/s (dlmm, crossing bins)``.

Run: ``.venv/bin/python bench/paper_pool.py [seconds]``
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import httpx  # noqa: E402

from fixtures.paper_pools import SOL, USDC, seeded_dlmm  # noqa: E402
from lpexec.paper.pools import DlmmPool  # noqa: E402


def build_pool() -> DlmmPool:
    """Return a seeded SOL-USDC DLMM pool."""
    return seeded_dlmm("bench-pool")


def run(seconds: float) -> tuple[int, float, int]:
    """Swap back and forth for about ``seconds``; return swaps, swap time and bins crossed.

    Fees leave the bins on every swap, so a fresh pool is built every 1,000 swaps; building
    is not timed.
    """
    sell_amount = 150 * 10**9  # about 2.6 bins of quote at this depth
    swaps = crossed = 0
    elapsed = 0.0
    while elapsed < seconds:
        pool = build_pool()
        timestamp = 0
        start = time.perf_counter()
        for _ in range(500):
            timestamp += 1
            sold = pool.swap(SOL, sell_amount, timestamp=timestamp)
            bought = pool.swap(USDC, sold.amount_out, timestamp=timestamp)
            crossed += sold.bins_crossed + bought.bins_crossed
            swaps += 2
        elapsed += time.perf_counter() - start
    return swaps, elapsed, crossed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gateway_position_info_rate(seconds: float) -> float:
    """Return position-info requests per second served by the paper Gateway over loopback."""
    from lpexec.paper.gateway import build_paper_gateway, make_server

    gateway = build_paper_gateway(seed=7, mode="clean")
    port = _free_port()
    server = make_server(gateway, host="127.0.0.1", port=port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        base = f"http://127.0.0.1:{port}/connectors/meteora/clmm"
        with httpx.Client(base_url=base, timeout=30) as client:
            pools = client.get("/fetch-pools", params={"tokenA": "SOL", "tokenB": "USDC"})
            pool = pools.json()[0]
            price = float(pool["price"])
            opened = client.post(
                "/open-position",
                json={
                    "poolAddress": pool["address"],
                    "lowerPrice": price * 0.98,
                    "upperPrice": price * 1.02,
                    "baseTokenAmount": 0.1,
                    "quoteTokenAmount": price * 0.1,
                },
            )
            opened.raise_for_status()
            position = opened.json()["data"]["positionAddress"]
            params = {"positionAddress": position}
            requests = 0
            start = time.perf_counter()
            deadline = start + seconds
            while time.perf_counter() < deadline:
                client.get("/position-info", params=params).raise_for_status()
                requests += 1
            return requests / (time.perf_counter() - start)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    """Run the benchmark and print the headline figure last."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    requests_per_second = gateway_position_info_rate(min(seconds, 5.0))
    print(
        f"paper_gateway: {requests_per_second:.0f} requests/s "
        "(meteora position-info, loopback, 1 client)",
    )
    swaps, elapsed, crossed = run(seconds)
    rate = swaps / elapsed
    print(f"swaps: {swaps} in {elapsed:.2f} s, bins crossed per swap: {crossed / swaps:.2f}")
    print(f"paper_pool: {rate:.0f} swaps/s (dlmm, crossing bins)")


if __name__ == "__main__":
    main()
