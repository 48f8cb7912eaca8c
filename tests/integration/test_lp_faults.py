"""LP executors through open, close and swap-back with about 20 % of Gateway calls faulted.

An in-process paper runtime (simulated clock) with every fault kind the paper Gateway injects:
on writes drop, 504, pending, fail, lost (landed, answered 500), hang (landed, no answer until the
client's deadline), 429, 500 and an RPC outage; on reads (Gateway routes and the Solana RPC the
chain history uses) 500, 429 and an RPC outage. (``slow`` only delays an answer, in real time:
it would make the run depend on the machine; the crash test has slow writes.) Executors run three
at a time (distinct ranges, so an adopted position is never another's), each stopped with
``keep_position=False`` so its close is followed by a swap-back, until more than
``MIN_OPERATIONS`` Gateway operations have been served.

Then the chain must agree with the stored executors: no double spend (no position opened twice
for one executor or left to nobody, no swap landed twice), every executor COMPLETE, FAILED or
STRANDED with a reason, and the tx fees the executors report add up to the fees the chain charged
the wallet, to the lamport. Bounded by counts (executors, rounds), never by time.
"""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal

from chain_audit import ChainBook, audit, load_executors

from gateway_client import Timeouts
from lpexec.app.runtime import LPRuntime, open_lp_runtime
from lpexec.lp import LPExecutorConfig, LPState
from lpexec.paper.gateway.demo import demo_pool_address

POOL = demo_pool_address("meteora", "SOL", "USDC", 10)
WRITE_FAULTS = ("drop", "504", "pending", "fail", "lost", "hang")
FAULTS = ",".join(
    [
        *(f"write:{effect}@0.03" for effect in WRITE_FAULTS),
        "write:429@0.015",
        "write:500@0.015",
        "write:rpc@0.015",
        "read:500@0.1",
        "read:429@0.05",
        "read:rpc@0.05",
    ]
)
"""About 20 % of writes (1 - 0.97^6 * 0.985^3) and 19 % of reads (1 - 0.9 * 0.95^2) faulted."""
SEED = 11
BATCHES = 34
RANGES = ((Decimal(171), Decimal(182)), (Decimal(174), Decimal(185)), (Decimal(177), Decimal(188)))
"""One range per executor of a batch: bounds 3 apart (> 1 %), so none adopts another's position."""
ROUNDS = 300
"""Rounds of 5 simulated seconds per batch: past the 900 s unknown budget."""
MIN_OPERATIONS = 1_000
CLIENT_TIMEOUTS = Timeouts(read=5.0, write=0.55, connect=0.05)
"""Real seconds: a hung write ends at the client's 0.6 s deadline (connect + write). A write
that takes longer on a loaded machine loses its answer too (a failed one is then found among the
wallet's failed transactions); the deadline is kept well above a normal write's time so that the
faults stay the seeded ones."""


def configs(batch: int, rng: random.Random) -> list[LPExecutorConfig]:
    return [
        LPExecutorConfig(
            id=f"lp-{batch:02d}-{slot}",
            pool_address=POOL,
            trading_pair="SOL-USDC",
            lower_price=lower,
            upper_price=upper,
            base_amount=Decimal(rng.randrange(200, 800)) / 1000,
            quote_amount=Decimal(rng.randrange(40, 140)),
            swap_provider=rng.choice(["jupiter/router", "meteora/swap"]),
            close_retry_seconds=5,
        )
        for slot, (lower, upper) in enumerate(RANGES)
    ]


def ended(runtime: LPRuntime, executor_ids: list[str]) -> bool:
    live = {executor.id: executor for executor in runtime.engine.live_executors()}
    return all(
        executor_id not in live or live[executor_id].state.lp_state is LPState.STRANDED
        for executor_id in executor_ids
    )


def operations(runtime: LPRuntime) -> int:
    """Gateway operations served: the calls of the first write rule (it sees every write) and
    of the first read rule (every read: Gateway's routes and the Solana RPC)."""
    assert runtime.gateway is not None
    plan = runtime.gateway.chain.faults
    first: dict[str, int] = {}
    for rule, state in zip(plan.rules, plan.get_state()["rules"], strict=True):
        group = rule.text.partition(":")[0]
        first.setdefault(group, state["calls"])
    return first["write"] + first["read"]


async def test_faults_on_a_fifth_of_calls_leave_no_double_spend_and_fees_to_the_lamport(
    database_url,
):
    # Arrange
    runtime = await open_lp_runtime(database_url=database_url, faults=FAULTS, seed=SEED)
    assert runtime.gateway is not None
    client = runtime.client
    client._options = dataclasses.replace(client._options, timeouts=CLIENT_TIMEOUTS)
    engine, clock, rng = runtime.engine, runtime.clock, random.Random(SEED)
    # Act: three executors at a time, each stopped at once (closes as soon as it is open)
    for batch in range(BATCHES):
        batch_ids = []
        for config in configs(batch, rng):
            await engine.create(config)
            await engine.stop(config.id, keep_position=False)
            batch_ids.append(config.id)
        for _ in range(ROUNDS):
            await engine.drain()
            if ended(runtime, batch_ids) and not engine.has_work:
                break
            await clock.sleep(5.0)
            engine.tick()
    served = operations(runtime)
    chain, wallet = runtime.gateway.chain, runtime.wallet
    book = ChainBook.read(chain, wallet)
    views = load_executors(engine.store)
    await runtime.aclose()
    # Assert
    assert served >= MIN_OPERATIONS
    assert len(views) == BATCHES * len(RANGES)
    assert any(not tx.landed for tx in book.transactions), "no write was dropped"
    assert any(tx.error is not None for tx in book.transactions), "no write failed on chain"
    problems = audit(book, views, exclusive=True)
    assert problems == [], "\n".join(problems)
