"""``lp adopt`` when reads fail or the process stops, in process on the paper Gateway.

An adoption sends nothing on chain: its read is a write-like command with an intent, so a failed
read is tried again and a process that stops before the answer takes it up when it resumes; in
every case the chain holds one open (the one made elsewhere) and nothing else of the wallet's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lpexec.app.cli.lp_adopt import adopt_position
from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.lp import LPExecutorConfig, LPState
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)


async def open_elsewhere(runtime: LPRuntime) -> str:
    result = await runtime.client.meteora.open_position(
        POOL,
        lower_price=Decimal(175),
        upper_price=Decimal(185),
        wallet_address=runtime.wallet,
        base_token_amount=Decimal(1),
        quote_token_amount=Decimal(150),
    )
    assert result.data is not None
    return result.data.position_address


def writes(runtime: LPRuntime) -> list[str]:
    """The operations of the wallet's landed transactions, oldest first."""
    assert runtime.gateway is not None
    chain = runtime.gateway.chain
    return [tx.operation for tx in chain.transactions_for_address(runtime.wallet)][::-1]


@pytest.mark.parametrize("effect", ["500", "rpc"])
async def test_a_failed_read_is_tried_again_and_nothing_is_sent(tmp_path, effect):
    # The adoption's first read (the wallet's list is the first position read) fails three
    # times in a row: past the client's own retries of a read.
    faults = ",".join(f"position:{effect}#{nth}" for nth in (2, 3, 4))
    runtime = await open_lp_runtime(
        database_url=f"sqlite:///{tmp_path / 'store.db'}", faults=faults
    )
    async with runtime:
        address = await open_elsewhere(runtime)

        info = await adopt_position(runtime, address, connector="meteora/clmm", options={})

        executor = runtime.engine.executor(info.executor_id)
        assert executor.state.lp_state in (LPState.IN_RANGE, LPState.OUT_OF_RANGE)
        assert executor.state.position_address == address and executor.state.adopted
        assert executor.state.open_attempts == 2  # the first read failed; read again
        assert writes(runtime) == ["open"]


async def test_an_adoption_left_pending_by_a_stopped_process_resumes(tmp_path):
    store, state = f"sqlite:///{tmp_path / 'store.db'}", str(tmp_path / "paper.json")
    first = await open_lp_runtime(database_url=store, paper_state_file=state)
    async with first:
        address = await open_elsewhere(first)
        (position,) = await first.liquidity.positions_owned(POOL)
        config = LPExecutorConfig(
            pool_address=POOL,
            trading_pair="SOL-USDC",
            lower_price=position.lower_price,
            upper_price=position.upper_price,
            base_amount=position.base_token_amount,
            quote_amount=position.quote_token_amount,
            adopt_position_address=address,
        )
        await first.engine.create(config)  # stored with its read PENDING; stopped before it runs

    second = await open_lp_runtime(database_url=store, paper_state_file=state, clock=first.clock)
    async with second:
        await second.settle()

        executor = second.engine.executor(config.id)
        assert executor.state.lp_state is LPState.IN_RANGE
        assert executor.state.position_address == address
        assert executor.state.adopted_open_tx_fee > 0 and executor.state.tx_fee == 0
        assert writes(second) == ["open"]
