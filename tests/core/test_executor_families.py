"""The command/event vocabulary serves both families: the two small test executors, fed events.

The base runs each family's machine: a declared table drives the status, an illegal trigger
raises, and the status cannot drift from the family state.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import pytest

from fixtures.events import command_failed, swap_executed
from fixtures.executors import (
    BarrierOrderConfig,
    BarrierOrderExecutor,
    RangeLiquidityConfig,
    RangeLiquidityExecutor,
)
from fixtures.lp_builders import (
    T0,
    at,
    position_closed,
    position_opened,
)
from lpexec.core import (
    CloseType,
    Command,
    ConfigError,
    Executor,
    ExecutorConfig,
    ExecutorStarted,
    ExecutorStatus,
    Exposure,
    InvalidTransitionError,
    LifecycleTrigger,
    OrderFilled,
    PlaceOrder,
    PriceUpdated,
    StopRequested,
    Swap,
    Tick,
    on,
    parse_config,
)
from lpexec.lp.messages import ClosePosition, OpenPosition


def fill(command: PlaceOrder, *, amount: Decimal, price: Decimal, fill_id: str, when=T0):
    return OrderFilled(
        ts_event=when,
        command_id=command.command_id,
        client_order_id=command.client_order_id,
        fill_id=fill_id,
        side=command.side,
        base_amount=amount,
        price=price,
        fee_quote=Decimal("0.1"),
    )


def started_order_executor(**overrides) -> tuple[BarrierOrderExecutor, PlaceOrder]:
    config = BarrierOrderConfig(amount=Decimal(2), **overrides)
    executor = BarrierOrderExecutor(config, created_at=T0)
    (command,) = executor.apply(ExecutorStarted(ts_event=T0))
    return executor, command


def test_order_family_partial_fills_then_stop_loss_closes_the_filled_amount():
    # Arrange
    executor, open_order = started_order_executor(stop_loss=Decimal("0.05"))
    # Act: two partial fills at different prices, then a 6 % drop
    executor.apply(fill(open_order, amount=Decimal(1), price=Decimal(100), fill_id="a"))
    executor.apply(fill(open_order, amount=Decimal(1), price=Decimal(102), fill_id="b"))
    commands = executor.apply(
        PriceUpdated(ts_event=at(5), trading_pair="SOL-USDC", price=Decimal("95.8"))
    )
    # Assert: average entry 101, pnl -5.15 % -> one market sell of the 2 filled
    assert open_order.order_type == "MARKET" and open_order.side == "BUY"
    (close,) = commands
    assert isinstance(close, PlaceOrder)
    assert (close.side, close.amount) == ("SELL", Decimal(2))
    assert executor.status is ExecutorStatus.CLOSING
    assert executor.close_type is CloseType.STOP_LOSS


def test_order_family_ignores_a_duplicate_fill():
    executor, open_order = started_order_executor()
    first = fill(open_order, amount=Decimal(1), price=Decimal(100), fill_id="a")
    executor.apply(first)
    revision = executor.revision
    executor.apply(first)
    assert executor.state.open_base == Decimal(1)
    assert executor.revision == revision


def test_order_family_close_fill_terminates_with_pnl_net_of_fees():
    executor, open_order = started_order_executor(take_profit=Decimal("0.02"))
    executor.apply(fill(open_order, amount=Decimal(2), price=Decimal(100), fill_id="a"))
    (close,) = executor.apply(
        PriceUpdated(ts_event=at(1), trading_pair="SOL-USDC", price=Decimal(103))
    )
    executor.apply(fill(close, amount=Decimal(2), price=Decimal(103), fill_id="c", when=at(2)))
    info = executor.info(at(3))
    assert info.status is ExecutorStatus.TERMINATED
    assert info.close_type is CloseType.TAKE_PROFIT
    assert info.net_pnl_quote == Decimal("5.8")  # 2 x 3 - two fees of 0.1
    assert info.net_pnl_pct == Decimal("5.8") / Decimal(200)
    assert info.volume_quote == Decimal(406)
    assert info.duration_seconds == 2.0


def test_order_family_time_limit_on_tick_boundary():
    executor, open_order = started_order_executor(time_limit_seconds=60)
    executor.apply(fill(open_order, amount=Decimal(2), price=Decimal(100), fill_id="a"))
    assert executor.apply(Tick(ts_event=at(59.999))) == []
    (close,) = executor.apply(Tick(ts_event=at(60)))
    assert isinstance(close, PlaceOrder)
    assert executor.close_type is CloseType.TIME_LIMIT


def test_order_family_retries_a_failed_open_then_fails():
    executor, open_order = started_order_executor(max_retries=1)
    (retry,) = executor.apply(command_failed(open_order, 1, "busy"))
    assert retry.command_id != open_order.command_id
    assert executor.apply(command_failed(retry, 2, "busy")) == []
    assert executor.status is ExecutorStatus.TERMINATED
    assert executor.close_type is CloseType.FAILED


def test_order_family_stop_with_keep_position_hands_over_the_fill():
    executor, open_order = started_order_executor()
    executor.apply(fill(open_order, amount=Decimal(2), price=Decimal(100), fill_id="a"))
    assert executor.apply(StopRequested(ts_event=at(1), keep_position=True)) == []
    assert executor.close_type is CloseType.POSITION_HOLD
    ((key, held),) = executor.held_fills()
    assert (key.trading_pair, held.base_amount, held.quote_amount) == (
        "SOL-USDC",
        Decimal(2),
        Decimal(200),
    )


def test_liquidity_family_open_leave_range_close_and_swap_back():
    # Arrange
    config = RangeLiquidityConfig(
        lower_price=Decimal(90),
        upper_price=Decimal(110),
        base_amount=Decimal(1),
        quote_amount=Decimal(100),
    )
    executor = RangeLiquidityExecutor(config, created_at=T0)
    # Act / Assert, step by step
    (open_command,) = executor.apply(ExecutorStarted(ts_event=T0))
    assert isinstance(open_command, OpenPosition)
    executor.apply(
        position_opened(
            open_command,
            1,
            position_address="P",
            quote_amount=100,
            lower_price=90,
            upper_price=110,
            price=None,
        )
    )
    assert (
        executor.apply(PriceUpdated(ts_event=at(2), trading_pair="SOL-USDC", price=Decimal(110)))
        == []
    )
    (close,) = executor.apply(
        PriceUpdated(ts_event=at(3), trading_pair="SOL-USDC", price=Decimal("110.01"))
    )
    assert isinstance(close, ClosePosition) and close.position_address == "P"
    (swap,) = executor.apply(
        position_closed(
            close, 4, position_address="P", base_amount="0.5", quote_amount=155, base_fee="0.01"
        )
    )
    assert isinstance(swap, Swap)
    assert (swap.side, swap.amount) == ("BUY", Decimal("0.49"))
    executor.apply(swap_executed(swap, 5, base_amount="0.49", quote_amount="53.9"))
    assert executor.status is ExecutorStatus.TERMINATED
    assert executor.close_type is CloseType.EARLY_STOP


def test_a_terminated_executor_ignores_events():
    executor, open_order = started_order_executor(max_retries=0)
    executor.apply(command_failed(open_order, 1, "x"))
    assert executor.is_terminated
    assert executor.apply(StopRequested(ts_event=at(2))) == []


def test_snapshot_round_trip_keeps_everything():
    executor, open_order = started_order_executor(stop_loss=Decimal("0.1"))
    executor.apply(fill(open_order, amount=Decimal(1), price=Decimal("100.5"), fill_id="a"))
    restored = BarrierOrderExecutor.restore(executor.config, executor.snapshot())
    assert restored.snapshot() == executor.snapshot()
    assert restored.state == executor.state
    # the next command id continues the sequence, so a resumed executor never reuses one
    assert restored._next_command_id() == executor._next_command_id()


def test_id_and_price_keys_are_read_from_the_config_at_creation_and_on_restore():
    executor, _ = started_order_executor()
    restored = BarrierOrderExecutor.restore(executor.config, executor.snapshot())
    for each in (executor, restored):
        assert each.id == executor.config.id
        assert each.price_keys == executor.config.price_keys() == frozenset({"SOL-USDC"})


def test_info_never_shows_non_finite_numbers():
    executor, _ = started_order_executor()
    executor.state.open_base = Decimal(1)
    executor.state.open_quote = Decimal("NaN")
    info = executor.info(at(1))
    assert info.net_pnl_quote == 0 and info.net_pnl_pct == 0 and info.value_quote == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"amount": "2", "colour": "red"},
            "colour: unknown field for barrier_order (received 'red')",
        ),
        ({}, "amount: required field for barrier_order is missing"),
        ({"amount": "-1"}, "amount: Input should be greater than 0, received '-1'"),
    ],
)
def test_configs_are_strict_and_errors_name_the_field(data, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(BarrierOrderConfig, data)
    assert str(raised.value) == message


def test_keep_position_default_is_one_documented_value_per_type():
    assert BarrierOrderConfig.model_fields["keep_position"].default is False
    assert RangeLiquidityConfig.model_fields["keep_position"].default is False


# --- the base runs each family's machine ------------------------------------------------------


class Phase(StrEnum):
    WAITING = "WAITING"
    WORKING = "WORKING"
    UNWINDING = "UNWINDING"
    DONE = "DONE"
    ABANDONED = "ABANDONED"


class Push(StrEnum):
    BEGIN = "BEGIN"
    UNWIND = "UNWIND"
    FINISH = "FINISH"
    ABANDON = "ABANDON"


PHASES = {
    (Phase.WAITING, Push.BEGIN): Phase.WORKING,
    (Phase.WAITING, Push.ABANDON): Phase.ABANDONED,
    (Phase.WORKING, Push.UNWIND): Phase.UNWINDING,
    (Phase.UNWINDING, Push.BEGIN): Phase.WORKING,  # back from closing, as an LP open found late
    (Phase.UNWINDING, Push.FINISH): Phase.DONE,
}
PHASE_STATUS = {
    Phase.WAITING: ExecutorStatus.CREATED,
    Phase.WORKING: ExecutorStatus.ACTIVE,
    Phase.UNWINDING: ExecutorStatus.CLOSING,
    Phase.DONE: ExecutorStatus.TERMINATED,
    Phase.ABANDONED: ExecutorStatus.TERMINATED,
}


class PhasedConfig(ExecutorConfig):
    type = "phased"

    def exposure(self) -> Exposure:
        return Exposure(trading_pair="SOL-USDC")


@dataclass(slots=True)
class PhasedState:
    phase: Phase = Phase.WAITING
    notes: int = 0


class PhasedExecutor(Executor[PhasedConfig, PhasedState]):
    config_class = PhasedConfig
    state_class = PhasedState
    family_table = PHASES
    family_status = PHASE_STATUS
    family_field = "phase"

    @on(ExecutorStarted)
    def _started(self, _event: ExecutorStarted) -> list[Command]:
        self._fire(Push.BEGIN)
        return []


def phased() -> PhasedExecutor:
    return PhasedExecutor(PhasedConfig(id="phased-1"), created_at=T0)


def test_a_declared_family_table_drives_the_status():
    executor = phased()
    assert (executor.family_state, executor.status) == (Phase.WAITING, ExecutorStatus.CREATED)
    executor.apply(ExecutorStarted(ts_event=at(1)))
    assert (executor.state.phase, executor.status) == (Phase.WORKING, ExecutorStatus.ACTIVE)
    assert executor._fire(Push.UNWIND, close_type=CloseType.STOP_LOSS) is Phase.UNWINDING
    assert (executor.status, executor.close_type) == (ExecutorStatus.CLOSING, CloseType.STOP_LOSS)
    assert executor.closed_at is None
    executor._fire(Push.FINISH, now=at(5))
    assert (executor.status, executor.close_type) == (
        ExecutorStatus.TERMINATED,
        CloseType.STOP_LOSS,  # kept: the move that ends it gave no close type of its own
    )
    assert executor.closed_at == at(5)
    assert executor.revision == 3  # one per move


def test_a_family_may_move_back_from_closing_and_the_status_follows():
    executor = phased()
    executor._fire(Push.BEGIN)
    executor._fire(Push.UNWIND, close_type=CloseType.EARLY_STOP)
    executor._fire(Push.BEGIN)
    assert (executor.state.phase, executor.status) == (Phase.WORKING, ExecutorStatus.ACTIVE)


def test_an_illegal_trigger_raises_a_clear_error_and_changes_nothing():
    executor = phased()
    executor._fire(Push.BEGIN)
    before = executor.snapshot()
    with pytest.raises(InvalidTransitionError) as raised:
        executor._fire(Push.FINISH, close_type=CloseType.FAILED, now=at(1))
    assert str(raised.value) == (
        "phased phased-1: no transition from state WORKING on trigger FINISH"
    )
    assert (raised.value.state, raised.value.trigger) == (Phase.WORKING, Push.FINISH)
    assert executor.snapshot() == before
    assert executor.close_type is None


def test_a_move_that_terminates_needs_its_time_and_changes_nothing_without_it():
    executor = phased()
    with pytest.raises(ValueError, match="expected the time of the move that terminates it"):
        executor._fire(Push.ABANDON, close_type=CloseType.EARLY_STOP)
    assert (executor.state.phase, executor.status, executor.revision) == (
        Phase.WAITING,
        ExecutorStatus.CREATED,
        0,
    )


def test_the_status_cannot_drift_from_the_family_state_on_restore():
    executor = phased()
    executor._fire(Push.BEGIN)
    executor._fire(Push.UNWIND, close_type=CloseType.EARLY_STOP)
    snapshot = executor.snapshot()
    assert snapshot["status"] == "CLOSING"  # stored for queries, as before
    restored = PhasedExecutor.restore(executor.config, {**snapshot, "status": "ACTIVE"})
    assert restored.status is ExecutorStatus.CLOSING  # derived from the family state
    built = PhasedExecutor(executor.config, created_at=T0, state=PhasedState(Phase.DONE))
    assert built.status is ExecutorStatus.TERMINATED


def test_an_executor_with_no_states_of_its_own_runs_the_lifecycle_itself():
    executor, _ = started_order_executor()
    assert executor.family_state is executor.status is ExecutorStatus.ACTIVE
    with pytest.raises(InvalidTransitionError, match="no transition from state ACTIVE"):
        executor._fire(LifecycleTrigger.START)
    restored = BarrierOrderExecutor.restore(executor.config, executor.snapshot())
    assert restored.status is ExecutorStatus.ACTIVE


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            {"family_status": {k: v for k, v in PHASE_STATUS.items() if k is not Phase.DONE}},
            "expected a lifecycle status for every family state, received none for DONE",
        ),
        (
            {"family_status": {**PHASE_STATUS, Phase.WAITING: ExecutorStatus.ACTIVE}},
            "expected the initial family state WAITING to map to CREATED, received ACTIVE",
        ),
        (
            {"family_status": {**PHASE_STATUS, Phase.UNWINDING: ExecutorStatus.TERMINATED}},
            "expected TERMINATED family states to be final, received moves out of UNWINDING",
        ),
    ],
)
def test_an_unsound_family_is_refused_when_its_class_is_made(declaration, message):
    with pytest.raises(TypeError, match=message):
        type("Broken", (PhasedExecutor,), declaration)
