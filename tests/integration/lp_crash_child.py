"""Child process of the LP crash test: open one position, then close it, on a real paper server.

``python tests/integration/lp_crash_child.py DB_URL GATEWAY_URL WALLET POOL`` prints ``STARTED``
once the engine has resumed, ``CLOSING`` just before it asks for the close and ``DONE <state>`` at
the end. Run again after a SIGKILL it resumes the same executor (fixed id) and finishes the job.
"""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from app.runtime import open_lp_runtime
from app.settings import Settings
from core import UnknownExecutor
from lp import LPExecutorConfig, LPState

EXECUTOR_ID = "crash-lp"


async def main(database_url: str, gateway_url: str, wallet: str, pool: str) -> None:
    settings = Settings(gateway_url=gateway_url, wallet_address=wallet)
    runtime = await open_lp_runtime(
        database_url=database_url, settings=settings, settle_seconds=2.0
    )
    engine = runtime.engine
    print("STARTED", flush=True)
    try:
        engine.info(EXECUTOR_ID)
    except UnknownExecutor:
        config = LPExecutorConfig(
            id=EXECUTOR_ID,
            pool_address=pool,
            trading_pair="SOL-USDC",
            lower_price=Decimal(176),
            upper_price=Decimal(184),
            base_amount=Decimal("0.5"),
            quote_amount=Decimal(90),
            swap_provider="meteora/swap",
        )
        await engine.create(config)
    executor = engine.executor(EXECUTOR_ID)
    for _ in range(120):
        await engine.drain()
        if executor.state.lp_state not in (LPState.NOT_ACTIVE, LPState.OPENING):
            break
        await asyncio.sleep(0.25)
    if executor.state.lp_state in (LPState.IN_RANGE, LPState.OUT_OF_RANGE):
        print("CLOSING", flush=True)
        await engine.stop(EXECUTOR_ID, keep_position=True)
    for _ in range(120):
        await engine.drain()
        if executor.is_terminated:
            break
        await asyncio.sleep(0.25)
    print(f"DONE {executor.state.lp_state.value}", flush=True)
    await runtime.aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
