"""Child process of the LP crash test: open one position, close it, swap the inventory back.

``python tests/integration/lp_crash_child.py DB_URL GATEWAY_URL WALLET POOL SWAP_PROVIDER LOWER
UPPER BASE QUOTE`` runs one LP executor (fixed id) on a real paper Gateway server, with the
server's ``/rpc`` as the chain history, and stops it with ``keep_position=False`` once it is open,
so the close is followed by a swap-back of the base the position gave back beyond the deposit.

Phase markers on stdout, each at most once per run:

* ``STARTED`` once the engine has resumed (before anything is sent);
* ``CLOSING`` just before it asks for the close, or when it resumes an executor already closing;
* ``SWAPPING`` as soon as the executor has asked for the swap-back (the swap is then in flight);
* ``DONE <lp state>`` at the end (COMPLETE, FAILED or STRANDED).

Run again after a SIGKILL it resumes the same executor and finishes the job.
"""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal

from lpexec.app.runtime import open_lp_runtime
from lpexec.app.settings import Settings
from lpexec.core import Engine
from lpexec.lp import LPExecutor, LPExecutorConfig, LPState

EXECUTOR_ID = "crash-lp"
ROUNDS = 600
"""Drain rounds before giving up (each waits 0.1 s when nothing is left to do)."""
_OPEN = (LPState.IN_RANGE, LPState.OUT_OF_RANGE)
_ENDED = (LPState.COMPLETE, LPState.FAILED, LPState.STRANDED)


class Markers:
    """Prints each phase marker once."""

    def __init__(self) -> None:
        self._printed: set[str] = set()

    def mark(self, marker: str) -> None:
        if marker not in self._printed:
            self._printed.add(marker)
            print(marker, flush=True)

    def see(self, lp_state: LPState) -> None:
        if lp_state is LPState.CLOSING:
            self.mark("CLOSING")
        elif lp_state is LPState.SWAPPING:
            self.mark("SWAPPING")


async def drain_watching(engine: Engine, executor: LPExecutor, markers: Markers) -> None:
    """Drain the engine while watching the executor's state, so a marker is printed while the
    write it announces is still in flight."""
    task = asyncio.create_task(engine.drain())
    while not task.done():
        markers.see(executor.state.lp_state)
        await asyncio.sleep(0.002)
    await task
    markers.see(executor.state.lp_state)


def stored_state(engine: Engine) -> str:
    """The executor's LP state as the store has it (STRANDED when the engine stranded it)."""
    record = engine.store.get_executor(EXECUTOR_ID)
    if record is None:
        return "MISSING"
    if record.stranded_reason:
        return LPState.STRANDED.value
    config = LPExecutorConfig.model_validate(record.load_config())
    executor = LPExecutor.restore(config, record.load_snapshot())
    return executor.state.lp_state.value


async def main(
    database_url: str,
    gateway_url: str,
    wallet: str,
    pool: str,
    swap_provider: str,
    lower: str,
    upper: str,
    base: str,
    quote: str,
) -> None:
    settings = Settings(
        gateway_url=gateway_url, wallet_address=wallet, solana_rpc_url=f"{gateway_url}/rpc"
    )
    runtime = await open_lp_runtime(
        database_url=database_url, settings=settings, settle_seconds=2.0
    )
    engine = runtime.engine
    markers = Markers()
    markers.mark("STARTED")
    if not engine.has_executor(EXECUTOR_ID):
        config = LPExecutorConfig(
            id=EXECUTOR_ID,
            pool_address=pool,
            trading_pair="SOL-USDC",
            lower_price=Decimal(lower),
            upper_price=Decimal(upper),
            base_amount=Decimal(base),
            quote_amount=Decimal(quote),
            swap_provider=swap_provider,
        )
        await engine.create(config)
    live = {executor.id: executor for executor in engine.live_executors()}
    executor = live.get(EXECUTOR_ID)
    if isinstance(executor, LPExecutor):
        for _ in range(ROUNDS):
            await drain_watching(engine, executor, markers)
            lp_state = executor.state.lp_state
            if lp_state in _ENDED or EXECUTOR_ID not in {e.id for e in engine.live_executors()}:
                break
            if lp_state in _OPEN:
                markers.mark("CLOSING")
                await engine.stop(EXECUTOR_ID, keep_position=False)
                continue
            if not engine.has_work:
                await asyncio.sleep(0.1)
            else:
                await asyncio.sleep(0.05)
    print(f"DONE {stored_state(engine)}", flush=True)
    await runtime.aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:10]))
