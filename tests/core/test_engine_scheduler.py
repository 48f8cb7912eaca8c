"""Running queued commands: one executor's commands in order, executors in parallel, and a
bounded drain that leaves a hung venue call in flight without stalling the other executors.

Every test runs on both stores (``SqlStore`` on SQLite and ``MemoryStore``).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from fixtures.engine_builders import kinds_of, make_engine, make_venue
from fixtures.executors import BarrierOrderConfig
from fixtures.venues import LedgerVenue
from lpexec.core import (
    CloseType,
    Evidence,
    OutcomeEvent,
    PlaceOrder,
)
from lpexec.core.store import IntentStatus


class HangingVenue(LedgerVenue):
    """Never answers orders of one executor (a write whose answer does not come)."""

    def __init__(self, *args, hang_for: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.hang_for = hang_for

    async def place_order(self, command: PlaceOrder, evidence: Evidence) -> list[OutcomeEvent]:
        if command.executor_id == self.hang_for:
            await asyncio.Event().wait()
        return await super().place_order(command, evidence)


async def test_a_bounded_drain_leaves_a_hung_write_behind_and_serves_the_others(
    store, clock, tmp_path
):
    # Arrange: the first executor's order never gets an answer
    slow = BarrierOrderConfig(amount=Decimal(1))
    other = BarrierOrderConfig(amount=Decimal(2))
    venue = HangingVenue(tmp_path / "venue.db", clock=clock, hang_for=slow.id)
    engine = make_engine(store, clock, venue)
    await engine.start()
    await engine.create(slow)
    await engine.create(other)
    # Act
    await engine.drain(max_wait=0.05)
    # Assert: the other executor went on; the hung one is in flight, its intent SENT
    assert engine.executor(other.id).state.open_base == Decimal(2)
    assert engine.has_work
    assert store.intent(f"{slow.id}-1").status == IntentStatus.SENT
    # a second pass does not send the hung executor's command again
    await engine.drain(max_wait=0.05)
    assert venue.executions() == {f"{other.id}-1": 1}
    await engine.cancel_inflight()
    assert not engine.has_work
    assert store.intent(f"{slow.id}-1").status == IntentStatus.SENT  # reconciled at next start


async def test_commands_of_one_executor_run_in_order(store, clock, tmp_path):
    venue = make_venue(tmp_path, clock)
    engine = make_engine(store, clock, venue)
    await engine.start()
    configs = [BarrierOrderConfig(amount=Decimal(1), take_profit=Decimal("0.01")) for _ in range(3)]
    for config in configs:
        await engine.create(config)
    await engine.drain()
    venue.price = Decimal(102)
    engine.publish_price("SOL-USDC", Decimal(102))
    await engine.drain()
    assert all(engine.info(c.id).close_type is CloseType.TAKE_PROFIT for c in configs)
    for config in configs:
        kinds = kinds_of(store, config.id)
        assert kinds.index("OrderFilled") < kinds.index("PriceUpdated")
