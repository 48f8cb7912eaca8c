"""Benchmark: requests/s through GatewayClient vs raw httpx on the same connection pool.

A uvicorn server in a child process (loopback only) serves canned Meteora ``pool-info`` (139
bins, as a live DLMM pool returns) and ``position-info`` answers. The client side runs the same
number of concurrent workers through ``GatewayClient`` (request model validation, Decimal
response models, retry wrapper) and through the bare ``httpx.AsyncClient`` it wraps
(``get`` + ``response.json()``). The client-side rate limiter is disabled for the run.

Run: ``.venv/bin/python bench/gateway_client.py``. The last line is the headline figure.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

# Running as a script puts bench/ first on sys.path, where this file shadows the package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402

from gateway_client import GatewayClient  # noqa: E402

POOL = "5rCf1DM8LjKTw4YqhnoLcngyZYeNnQqztScTogYHAS6"
POSITION = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
WORKERS = 4
ROUND_SECONDS = 0.5
ROUNDS = 12


def _pool_info() -> dict[str, Any]:
    active = -4526
    bins = []
    for offset in range(-69, 70):
        price = Decimal("163.647915") * (Decimal("1.0004") ** offset)
        bins.append(
            {
                "binId": active + offset,
                "price": float(round(price, 6)),
                "baseTokenAmount": 0 if offset < 0 else round(110.5 + offset * 0.37, 6),
                "quoteTokenAmount": 0 if offset > 0 else round(20512.25 - offset * 13.1, 6),
            }
        )
    return {
        "address": POOL,
        "baseTokenAddress": "So11111111111111111111111111111111111111112",
        "quoteTokenAddress": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
        "binStep": 4,
        "feePct": 0.04,
        "price": 163.6479153592644,
        "baseTokenAmount": 30318.675104312,
        "quoteTokenAmount": 1249165.517756,
        "activeBinId": active,
        "dynamicFeePct": 0.0411578,
        "minBinId": -109192,
        "maxBinId": 109192,
        "bins": bins,
    }


POSITION_INFO = {
    "address": POSITION,
    "poolAddress": POOL,
    "baseTokenAddress": "So11111111111111111111111111111111111111112",
    "quoteTokenAddress": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
    "baseTokenAmount": 0.31244871,
    "quoteTokenAmount": 30.987312,
    "baseFeeAmount": 0.000412583,
    "quoteFeeAmount": 0.067241,
    "lowerBinId": -4560,
    "upperBinId": -4492,
    "lowerPrice": 161.437808,
    "upperPrice": 165.888279,
    "price": 163.647915,
}


def _pin(cpu: int) -> None:
    # Server and client on different cores (2-core machines): less noise between the sides.
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {cpu})


def _serve(sock: socket.socket) -> None:
    import uvicorn

    _pin(1)

    bodies = {
        "/connectors/meteora/clmm/pool-info": json.dumps(_pool_info()).encode(),
        "/connectors/meteora/clmm/position-info": json.dumps(POSITION_INFO).encode(),
    }
    headers = [(b"content-type", b"application/json")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:  # noqa: ARG001
        if scope["type"] != "http":
            return
        body = bodies.get(scope["path"])
        status = 200 if body is not None else 404
        body = body if body is not None else b'{"statusCode":404,"message":"not found"}'
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


async def _rate(work: Any) -> tuple[float, float]:
    """Run ``work`` from WORKERS tasks for a round; return (requests/s, client CPU us/request)."""
    done = 0
    stop = time.perf_counter() + ROUND_SECONDS

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await work()
            done += 1

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return done / (time.perf_counter() - start), (time.process_time() - cpu) / done * 1e6


Result = dict[str, tuple[float, float, float, float, float]]


async def _measure(base_url: str) -> Result:
    limits = httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS)
    results: Result = {}
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as http:
        client = GatewayClient(base_url, http_client=http, rate_limit_per_minute=None)
        pool_url = f"{base_url}/connectors/meteora/clmm/pool-info"
        position_url = f"{base_url}/connectors/meteora/clmm/position-info"

        async def raw_pool() -> None:
            reply = await http.get(
                pool_url, params={"network": "mainnet-beta", "poolAddress": POOL}
            )
            reply.raise_for_status()
            reply.json()

        async def sdk_pool() -> None:
            await client.meteora.pool_info(POOL)

        async def raw_position() -> None:
            reply = await http.get(
                position_url, params={"network": "mainnet-beta", "positionAddress": POSITION}
            )
            reply.raise_for_status()
            reply.json()

        async def sdk_position() -> None:
            await client.meteora.position_info(POSITION)

        pool = await client.meteora.pool_info(POOL)  # warm up both paths and check the data
        assert len(pool.bins) == 139 and pool.price > 0
        await raw_pool()
        for name, raw, sdk in (
            ("pool-info", raw_pool, sdk_pool),
            ("position-info", raw_position, sdk_position),
        ):
            raw_runs, sdk_runs = [], []
            for _ in range(ROUNDS):  # interleave so load from other processes hits both sides
                raw_runs.append(await _rate(raw))
                sdk_runs.append(await _rate(sdk))
            results[name] = (
                statistics.median(rate for rate, _ in sdk_runs),
                statistics.median(rate for rate, _ in raw_runs),
                statistics.median(cpu for _, cpu in sdk_runs),
                statistics.median(cpu for _, cpu in raw_runs),
                # each sdk round runs right after its raw round: the paired ratio cancels
                # most of the load other processes put on the machine
                statistics.median(r[0] / k[0] for r, k in zip(raw_runs, sdk_runs, strict=True)),
            )
        await client.aclose()
    return results


def main() -> None:
    # proto=IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections; without it
    # Nagle + delayed ACK add ~40 ms to every response and both sides measure the same stall.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    port = sock.getsockname()[1]
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(sock,), daemon=True)
    server.start()
    try:
        base_url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # wait until uvicorn answers
            try:
                httpx.get(f"{base_url}/connectors/meteora/clmm/position-info", timeout=0.5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        _pin(0)
        results = asyncio.run(_measure(base_url))
    finally:
        server.terminate()
        server.join(timeout=5)
        sock.close()
    print(
        f"setup: uvicorn in a child process on 127.0.0.1, {WORKERS} concurrent workers, "
        f"medians of {ROUNDS} interleaved {ROUND_SECONDS} s rounds, one shared httpx pool, "
        "server and client pinned to separate cores, "
        "client rate limiter disabled"
    )
    ratios = {}
    for name, (sdk, raw, sdk_cpu, raw_cpu, ratio) in results.items():
        ratios[name] = ratio
        print(
            f"{name}: GatewayClient {sdk:.0f} req/s ({sdk_cpu:.0f} us CPU/req), "
            f"raw httpx {raw:.0f} req/s ({raw_cpu:.0f} us CPU/req), overhead {ratio:.2f}x"
        )
    worst = max(ratios, key=lambda name: ratios[name])
    sdk, raw = results[worst][:2]
    print(
        f"gateway_client: overhead {ratios[worst]:.2f}x "
        f"({worst} {sdk:.0f} req/s vs raw {raw:.0f} req/s)"
    )


if __name__ == "__main__":
    main()
